"""Rendered list pages kept in the shared cache: a fast path any viewset switches on with `list_cache`.

A viewset declares `list_cache = ListCache(generation="<app>:<thing>:version")` and its
services call `config.cache.bump_on_commit(<the same generation>)` in every write that changes what
the list shows. A JSON list request is then answered from the cache: the body as first rendered and
the total, under the generation current when the reader started (`config.cache.read`/`write`, one
round trip), so an entry computed by a reader that raced a write is never served
(docs/architecture.md §10).

The entry's key is built only from what decides the page, validated and normalised: the paginator's
`skip`/`limit`, the FilterSet's cleaned values and the distinct search terms (their order does not
matter). Anything else in the URL (junk parameters, `format`, leading zeros) is left out, so it can
neither make a new entry nor reach the cache unchecked: a bad value is the usual 400 before any
cache read. The `X-Total-Count`/`Link` headers are made for each request (links carry its own URL).

Caching is on only where every process shares the cache (Redis; `config.cache.cache_is_shared`): a
per-process local-memory cache would miss another worker's invalidation. An entry lives
`LIST_CACHE_TTL` seconds, or the setting the viewset names (`timeout_setting`). The browsable API
is never cached.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from rest_framework.filters import SearchFilter
from rest_framework.request import Request

from config import cache as shared_cache
from config.api.filters import filters_sent


@dataclass(frozen=True)
class ListCache:
    """A viewset's list cache: the generation its services bump, and how long an entry lives."""

    generation: str
    # Seconds an entry lives: `timeout` if given, else the setting named by `timeout_setting` (the
    # cache TTLs are settings, README "Settings"); 0 turns the cache off.
    timeout: int | None = None
    timeout_setting: str = "LIST_CACHE_TTL"

    def ttl(self) -> int:
        """The entry lifetime where the cache may be used at all, else 0 (config.cache.answer_ttl)."""
        seconds = self.timeout if self.timeout is not None else getattr(settings, self.timeout_setting)
        return shared_cache.answer_ttl(seconds)

    def key(self, identity: dict[str, Any]) -> str:
        """The entry's key: the generation's name and a digest of the page's identity."""
        canonical = json.dumps(identity, sort_keys=True, separators=(",", ":"), default=str)
        return f"{self.generation}:{hashlib.sha256(canonical.encode()).hexdigest()}"


def filter_identity(backend: Any, request: Request, view: Any) -> dict[str, Any]:
    """What one filter backend makes of the request, validated (a bad value raises the 400)."""
    if isinstance(backend, DjangoFilterBackend):
        queryset = view.get_queryset()
        filterset_class = backend.get_filterset_class(view, queryset)
        # Building a FilterSet costs about as much as a page query: only when one of its filters is sent.
        if filterset_class is None or not filters_sent(filterset_class, request.query_params):
            return {}
        filterset = filterset_class(data=request.query_params, queryset=queryset, request=request)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return {name: value for name, value in filterset.form.cleaned_data.items() if value not in (None, "")}
    if isinstance(backend, SearchFilter):
        terms = backend.get_search_terms(request)
        return {backend.search_param: sorted(set(terms))} if terms else {}
    raise ImproperlyConfigured(
        f"{type(view).__name__}.list_cache: {type(backend).__name__} has no cache identity "
        "(only DjangoFilterBackend and SearchFilter are known)"
    )


class ListCacheMixin:
    """`list_cache`: JSON list pages served from the shared cache; None keeps the plain list."""

    list_cache: ListCache | None = None

    def list_cache_identity(self, request: Request) -> dict[str, Any]:
        """What decides the page, validated and normalised (see the module docstring)."""
        identity: dict[str, Any] = {}
        if self.paginator is not None:
            identity.update(self.paginator.page_params(request, self))
        for backend_class in self.filter_backends:
            identity.update(filter_identity(backend_class(), request, self))
        return identity

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        spec = self.list_cache
        ttl = spec.ttl() if spec is not None else 0
        if not ttl or request.accepted_renderer.format != "json":
            return super().list(request, *args, **kwargs)
        key = spec.key(self.list_cache_identity(request))
        # The body is bytes and the total an int: safe to hand every reader the same objects.
        token, found = shared_cache.read(spec.generation, [key], mirrored=True)
        if key in found:
            body, count = found[key]
        else:
            response = super().list(request, *args, **kwargs)
            body = request.accepted_renderer.render(response.data, "application/json")
            count = self.paginator.count if self.paginator is not None else None
            shared_cache.write(token, {key: (body, count)}, timeout=ttl)
        headers = self.paginator.page_headers(request, self, count) if self.paginator is not None else {}
        return HttpResponse(body, content_type="application/json", headers=headers)
