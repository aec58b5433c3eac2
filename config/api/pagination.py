"""`?skip=&limit=` paging that answers a plain JSON array (docs/architecture.md §3), counted in a header.

Every list gets the count-only-when-needed rule (`SkipLimitPagination.total`); a view sizes its
pages with `page_default_limit`/`page_max_limit` and may count through its own `count_rows`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

from config.limits import IntegerParamError, integer_param


def page_total(*, offset: int, limit: int, page_len: int, count: Callable[[], int]) -> int:
    """The count-only-when-needed rule, for any offset/limit list: a page shorter than `limit` (or
    an empty first page) ends the list, so the total is offset + its rows; only a full page, or one
    past the end, calls `count` (the COUNT query)."""
    if 0 < page_len < limit or (page_len == 0 and offset == 0):
        return offset + page_len
    return count()


class SkipLimitPagination(BasePagination):
    """`?skip=&limit=` paging that answers a plain JSON array, with X-Total-Count and Link headers."""

    default_limit = 100
    max_limit = 1000
    # OFFSET is a bigint on PostgreSQL; anything near it is a probe, not a page (400, never a 500).
    max_skip = 10**12

    def _int_param(self, request, name: str, default: int, minimum: int, maximum: int | None) -> int:
        try:
            return integer_param(
                request.query_params.get(name), name=name, default=default, low=minimum, high=maximum
            )
        except IntegerParamError as exc:
            raise exceptions.ValidationError({name: [exc.message]}) from None

    def limits(self, view: Any) -> tuple[int, int]:
        """(default, maximum) `limit`: the view's `page_default_limit`/`page_max_limit` if declared."""
        default = getattr(view, "page_default_limit", None) or self.default_limit
        maximum = getattr(view, "page_max_limit", None) or self.max_limit
        return default, maximum

    def page_params(self, request: Request, view: Any = None) -> dict[str, int]:
        """`{"skip": n, "limit": n}` of this request, checked (a bad value is the usual 400)."""
        default, maximum = self.limits(view)
        return {
            "skip": self._int_param(request, "skip", 0, 0, self.max_skip),
            "limit": self._int_param(request, "limit", default, 1, maximum),
        }

    def page_headers(self, request: Request, view: Any, count: int) -> dict[str, str]:
        """X-Total-Count and Link of this request's page of a list of `count` rows, without reading
        it (config.api.response_cache: a cached page is shared by requests with other URLs)."""
        self.request = request
        params = self.page_params(request, view)
        self.skip, self.limit, self.count = params["skip"], params["limit"], count
        return self.headers()

    def paginate_queryset(
        self,
        queryset: Any,
        request: Request,
        view: Any = None,
        *,
        rows: Callable[[QuerySet], Any] | None = None,
    ) -> list:
        """The page (through `rows`, the view's output projection, when given) and its total.

        The page is read first: a short page tells the total by itself (see `total`).
        """
        self.request = request
        params = self.page_params(request, view)
        self.skip, self.limit = params["skip"], params["limit"]
        projected = rows(queryset) if rows is not None else queryset
        page = list(projected[self.skip : self.skip + self.limit])
        self.count = self.total(queryset, page, view)
        return page

    def total(self, queryset: Any, page: list, view: Any = None) -> int:
        """`page_total` of this page: only a full page, or one past the end, runs the COUNT. It
        counts the filtered queryset, never the projection (a join in the output never reaches the
        COUNT), through the view's `count_rows` when it has one."""
        count_rows = getattr(view, "count_rows", None)

        def count() -> int:
            if count_rows is not None:
                return count_rows(queryset)
            return queryset.count() if isinstance(queryset, QuerySet) else len(queryset)

        return page_total(offset=self.skip, limit=self.limit, page_len=len(page), count=count)

    def _link(self, skip: int) -> str:
        params = self.request.query_params.copy()
        params["skip"] = str(skip)
        params["limit"] = str(self.limit)
        return self.request.build_absolute_uri(self.request.path) + "?" + urlencode(params, doseq=True)

    def get_paginated_response(self, data) -> Response:
        return Response(data, headers=self.headers())

    def headers(self) -> dict[str, str]:
        """X-Total-Count, and Link to the next and previous pages when there are any."""
        links = []
        if self.skip + self.limit < self.count:
            links.append(f'<{self._link(self.skip + self.limit)}>; rel="next"')
        if self.skip > 0:
            links.append(f'<{self._link(max(0, self.skip - self.limit))}>; rel="prev"')
        headers = {"X-Total-Count": str(self.count)}
        if links:
            headers["Link"] = ", ".join(links)
        return headers

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return schema

    def get_schema_operation_parameters(self, view) -> list[dict]:
        default, maximum = self.limits(view)
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
                "description": f"Rows to return (1-{maximum}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
            },
        ]
