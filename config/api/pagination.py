"""`?skip=&limit=` paging that answers a plain JSON array (docs/architecture.md §3), counted in a header."""

from __future__ import annotations

from urllib.parse import urlencode

from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.response import Response


class SkipLimitPagination(BasePagination):
    """`?skip=&limit=` paging that answers a plain JSON array, with X-Total-Count and Link headers."""

    default_limit = 100
    max_limit = 1000
    # OFFSET is a bigint on PostgreSQL; anything near it is a probe, not a page (400, never a 500).
    max_skip = 10**12

    def _int_param(self, request, name: str, default: int, minimum: int, maximum: int | None) -> int:
        raw = request.query_params.get(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise exceptions.ValidationError({name: ["A valid integer is required."]}) from None
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise exceptions.ValidationError({name: [f"Must be {bound}."]})
        return value

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.skip = self._int_param(request, "skip", 0, 0, self.max_skip)
        self.limit = self._int_param(request, "limit", self.default_limit, 1, self.max_limit)
        self.count = queryset.count() if hasattr(queryset, "count") else len(queryset)
        return list(queryset[self.skip : self.skip + self.limit])

    def _link(self, skip: int) -> str:
        params = self.request.query_params.copy()
        params["skip"] = str(skip)
        params["limit"] = str(self.limit)
        return self.request.build_absolute_uri(self.request.path) + "?" + urlencode(params, doseq=True)

    def get_paginated_response(self, data) -> Response:
        links = []
        if self.skip + self.limit < self.count:
            links.append(f'<{self._link(self.skip + self.limit)}>; rel="next"')
        if self.skip > 0:
            links.append(f'<{self._link(max(0, self.skip - self.limit))}>; rel="prev"')
        headers = {"X-Total-Count": str(self.count)}
        if links:
            headers["Link"] = ", ".join(links)
        return Response(data, headers=headers)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return schema

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": "skip",
                "in": "query",
                "required": False,
                "description": "Number of rows to skip.",
                "schema": {"type": "integer", "minimum": 0, "maximum": self.max_skip, "default": 0},
            },
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "description": f"Rows to return (1-{self.max_limit}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_limit, "default": 100},
            },
        ]
