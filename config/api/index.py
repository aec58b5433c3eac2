"""`/api/` and `/api/v1/`: what lives under them, read from the project apps' URL patterns, so a new
route is listed without editing a list (docs/architecture.md §3)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import NoReverseMatch, URLPattern, URLResolver, reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

# The paths that answer an index, each listing its own routes and the indexes below it.
INDEX_PREFIXES = ("/api/", "/api/v1/")


def _named_paths(patterns: Iterable[Any], namespace: str = "") -> list[str]:
    """The path of every named pattern that takes no argument (a list or an action, not an item)."""
    paths = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            paths.extend(_named_paths(pattern.url_patterns, inner))
        elif isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.regex.groups:
            try:
                paths.append(reverse(f"{namespace}{pattern.name}"))
            except NoReverseMatch:
                continue
    return paths


def index_links(prefix: str, patterns: Iterable[Any], absolute) -> dict[str, str]:
    """{path below `prefix`: absolute URL} for the routes and the indexes under `prefix`."""
    paths = {p for p in _named_paths(patterns) if p.startswith(prefix) and p != prefix}
    paths |= {p for p in INDEX_PREFIXES if p.startswith(prefix) and p != prefix}
    return {path[len(prefix) :].strip("/"): absolute(path) for path in sorted(paths)}


class ApiIndexView(APIView):
    """What lives under this path: a link per route (lists and actions) and per index below it."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    prefix = "/api/"
    patterns: list = []

    @extend_schema(
        responses=inline_serializer(
            "ApiIndex",
            {"path": serializers.CharField(), "links": serializers.DictField(child=serializers.CharField())},
        )
    )
    def get(self, request: Request) -> Response:
        links = index_links(self.prefix, self.patterns, request.build_absolute_uri)
        return Response({"path": self.prefix, "links": links})

    def get_view_name(self) -> str:
        return f"Index of {self.prefix}"
