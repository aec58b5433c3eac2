"""The service-backed base viewset: DRF does the HTTP, `<app>/services.py` does every write.

A viewset declares its service module and entity name; create/update/destroy then call
`services.<entity>_create(**validated_data, actor=user)`, `<entity>_update(<entity>=obj, ...)` and
`<entity>_delete(<entity>=obj, actor=user)`, and the answer is the object re-read through
`get_queryset()` (so annotations and select_related hold on writes as on reads).

What apps used to hand-copy is declared here instead: lookup parsing and the domain's 404s
(`DomainLookupMixin`), the row output and page sizes (config.api.output, config.api.pagination),
the cached list pages (config.api.response_cache), the DELETE answer. An app overrides a method
only where its specification needs more.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from config.api.envelope import EnvelopeMixin
from config.api.output import RowOutputMixin
from config.api.response_cache import ListCacheMixin
from config.errors import DomainError, NotFoundError
from config.idempotency import REPLAYED_HEADER, CreateOutcome, header_key
from config.limits import MAX_BIGINT, parse_id, parse_integer
from config.middleware import has_control_characters

_PAGE_PARAMS = frozenset({"skip", "limit", "format"})


class DomainLookupMixin:
    """Any id reaches the view; a malformed or unknown one answers the domain's own 404.

    Declarations: `not_found_error` (the domain's 404); `not_found_names_id` (the 404 is built with
    the parsed id, e.g. "Unit with id 7 not found"); `nonpositive_id_error` (integer ids: a signed
    number of zero or below answers this error, built with `id_label`, instead of a 404).
    """

    lookup_value_regex = "[^/]+"
    not_found_error: type[NotFoundError] = NotFoundError
    not_found_names_id = False
    nonpositive_id_error: type[DomainError] | None = None
    id_label = ""

    def not_found(self, raw: str) -> NotFoundError:
        """The error for a lookup value that names nothing (override to name the value)."""
        return self.not_found_error()

    def missing(self, raw: str, value: Any) -> NotFoundError:
        """The error for a well-formed lookup value (`value`, parsed) that names no row."""
        if self.not_found_names_id:
            return self.not_found_error(value)
        return self.not_found(raw)

    def lookup_raw(self) -> str:
        """The lookup value exactly as the URL carried it."""
        return str(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""))

    def _parse_integer(self, raw: str) -> int:
        if self.nonpositive_id_error is None:
            value = parse_id(raw)
            if value is None:
                raise self.not_found(raw)
            return value
        # Longer than any bigint: not a row (and int() of thousands of digits raises, not a 404).
        value = parse_integer(raw)
        if value is None:
            raise self.not_found(raw)
        if value <= 0:
            raise self.nonpositive_id_error(self.id_label)
        if value > MAX_BIGINT:  # a well-formed integer no row can have
            raise self.missing(raw, value)
        return value

    def parse_lookup(self, raw: str) -> Any:
        """The lookup value as the model field's Python type; anything else names nothing (404).

        A value with NUL or another control character names nothing either (PostgreSQL refuses NUL
        in a query: a 500 before this check).
        """
        if has_control_characters(raw):
            raise self.not_found(raw)
        # The declared queryset's model when there is one: get_queryset() would clone it per call.
        queryset = getattr(self, "queryset", None)
        model = queryset.model if queryset is not None else self.get_queryset().model
        field = model._meta.pk if self.lookup_field == "pk" else model._meta.get_field(self.lookup_field)
        if isinstance(field, models.IntegerField | models.AutoField):
            return self._parse_integer(raw)
        try:
            return field.to_python(raw)
        except (DjangoValidationError, ValueError, TypeError):
            raise self.not_found(raw) from None

    def lookup_value(self) -> Any:
        """The URL's lookup value, parsed (for `@action(detail=True)` methods that need only the id)."""
        return self.parse_lookup(self.lookup_raw())

    def get_object(self) -> models.Model:
        raw = self.lookup_raw()
        value = self.parse_lookup(raw)
        # A key lookup needs no ORDER BY (and [:1] rather than first(), which would add one).
        found = list(self.get_queryset().filter(**{self.lookup_field: value}).order_by()[:1])
        if not found:
            raise self.missing(raw, value)
        self.check_object_permissions(self.request, found[0])
        return found[0]


class ServiceViewSet(EnvelopeMixin, DomainLookupMixin, viewsets.ViewSet):
    """A viewset over services and selectors that answers hand-shaped documents (no model
    serializer output): the platform's lookup parsing (declare `queryset` for the lookup's field,
    `lookup_url_kwarg`), its declared envelope and error hook (config.api.envelope)."""

    lookup_field = "pk"
    lookup_url_kwarg: str | None = None


class ServiceModelViewSet(
    EnvelopeMixin, ListCacheMixin, RowOutputMixin, DomainLookupMixin, viewsets.ModelViewSet
):
    """ModelViewSet whose writes go through the app's service functions (docs/architecture.md §2.2).

    - `services`: the app's services module; `entity`: the prefix of its functions.
    - `serializer_classes`: per-action serializers (input and, unless `response_serializer_classes`
      names another, output); the browsable API's form for an action uses the action's serializer.
    - `partial_put`: PUT changes only the fields sent (what the specifications call update).
    - `refetch_after_write`: answer a write with the object re-read through `get_queryset()`
      (off when the service's returned object already carries every field the answer shows).
    - `deleted_message`: DELETE answers 200 `{"message": ..., "deleted_id": id}` (the message
      formatted with `id`, the service's return value) instead of 204.
    - `no_fields_error`: an update whose input leaves no field to change answers this domain error.
    - `row_fields` (config.api.output): list and retrieve answer `.values()` rows;
      `page_default_limit`/`page_max_limit` and `count_rows` size and count the pages.
    - `list_cache` (config.api.response_cache): JSON list pages kept rendered in the shared cache.
    - `filters_need_params`: the filter backends change nothing unless the request sends a parameter
      other than paging and `format`, so a bare list skips building them.
    - `idempotent_create`: POST takes an `Idempotency-Key` header (config.idempotency). Names the
      service action (`<entity>_<action>`) called with `idempotency_key=` (None without the header)
      that answers a `CreateOutcome`; a replay answers `replay_status` (the original's 201 unless
      the specification says otherwise) with `Idempotent-Replayed: true`.
    """

    services: ModuleType | None = None
    entity: str = ""
    serializer_classes: dict[str, type[BaseSerializer]] = {}
    response_serializer_classes: dict[str, type[BaseSerializer]] = {}
    partial_put = False
    refetch_after_write = True
    deleted_message = ""
    no_fields_error: type[DomainError] | None = None
    filters_need_params = False
    idempotent_create: str | None = None
    replay_status = status.HTTP_201_CREATED

    # --- serializers per action -----------------------------------------------------------------
    def current_action(self) -> str | None:
        """The action even when the browsable API asks for another method's form (action is None)."""
        if self.action:
            return self.action
        action_map = getattr(self, "action_map", None) or {}
        request = getattr(self, "request", None)
        return action_map.get(request.method.lower()) if request is not None else None

    def get_serializer_class(self) -> type[BaseSerializer]:
        return self.serializer_classes.get(self.current_action() or "", self.serializer_class)

    def get_response_serializer(self, instance: Any, **kwargs: Any) -> BaseSerializer:
        cls = self.response_serializer_classes.get(self.current_action() or "")
        if cls is None:
            return self.get_serializer(instance, **kwargs)
        return cls(instance, context=self.get_serializer_context(), **kwargs)

    def filter_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        if self.filters_need_params and not self.request.query_params.keys() - _PAGE_PARAMS:
            return queryset
        return super().filter_queryset(queryset)

    # --- the service contract -------------------------------------------------------------------
    def service(self, action: str) -> Callable[..., Any]:
        if self.services is None or not self.entity:
            raise NotImplementedError(f"{type(self).__name__} declares no services module and entity")
        return getattr(self.services, f"{self.entity}_{action}")

    def refetch(self, instance: models.Model) -> models.Model:
        if not self.refetch_after_write:
            return instance
        return self.get_queryset().get(pk=instance.pk)

    def perform_create(self, serializer: BaseSerializer) -> models.Model:
        created = self.service("create")(**serializer.validated_data, actor=self.request.user)
        return self.refetch(created)

    def perform_update(self, serializer: BaseSerializer) -> models.Model:
        updated = self.service("update")(
            **{self.entity: serializer.instance}, **serializer.validated_data, actor=self.request.user
        )
        return self.refetch(updated)

    def perform_destroy(self, instance: models.Model) -> Any:
        return self.service("delete")(**{self.entity: instance}, actor=self.request.user)

    # --- HTTP: DRF's mixins, answering with the re-read object ----------------------------------
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = header_key(request) if self.idempotent_create else None
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not self.idempotent_create:
            instance = self.perform_create(serializer)
            return Response(self.get_response_serializer(instance).data, status=status.HTTP_201_CREATED)
        outcome: CreateOutcome = self.service(self.idempotent_create)(
            **serializer.validated_data, actor=request.user, idempotency_key=key
        )
        # A new object carries what the service wrote; a replayed one is read back.
        instance = self.refetch(outcome.instance) if outcome.replayed else outcome.instance
        if not outcome.replayed:
            return Response(self.get_response_serializer(instance).data, status=status.HTTP_201_CREATED)
        response = Response(self.get_response_serializer(instance).data, status=self.replay_status)
        response[REPLAYED_HEADER] = "true"
        return response

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False) or self.partial_put
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        if self.no_fields_error is not None and not serializer.validated_data:
            raise self.no_fields_error()
        instance = self.perform_update(serializer)
        return Response(self.get_response_serializer(instance).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        deleted = self.perform_destroy(self.get_object())
        if not self.deleted_message:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response({"message": self.deleted_message.format(id=deleted), "deleted_id": deleted})
