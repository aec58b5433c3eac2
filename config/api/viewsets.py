"""The service-backed base viewset: DRF does the HTTP, `<app>/services.py` does every write.

A viewset declares its service module and entity name; create/update/destroy then call
`services.<entity>_create(**validated_data, actor=user)`, `<entity>_update(<entity>=obj, ...)` and
`<entity>_delete(<entity>=obj, actor=user)`, and the answer is the object re-read through
`get_queryset()` (so annotations and select_related hold on writes as on reads).
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

from config.errors import NotFoundError
from config.middleware import has_control_characters

MAX_BIGINT = 2**63 - 1


class DomainLookupMixin:
    """Any id reaches the view; a malformed or unknown one answers the domain's own 404."""

    lookup_value_regex = "[^/]+"
    not_found_error: type[NotFoundError] = NotFoundError

    def not_found(self, raw: str) -> NotFoundError:
        """The error for a lookup value that names nothing (override to name the value)."""
        return self.not_found_error()

    def lookup_raw(self) -> str:
        """The lookup value exactly as the URL carried it."""
        return str(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""))

    def parse_lookup(self, raw: str) -> Any:
        """The lookup value as the model field's Python type; anything else names nothing (404).

        A value with NUL or another control character names nothing either (PostgreSQL refuses NUL
        in a query: a 500 before this check).
        """
        if has_control_characters(raw):
            raise self.not_found(raw)
        model = self.get_queryset().model
        field = model._meta.pk if self.lookup_field == "pk" else model._meta.get_field(self.lookup_field)
        if isinstance(field, models.IntegerField | models.AutoField):
            if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= MAX_BIGINT:
                raise self.not_found(raw)
            return int(raw)
        try:
            return field.to_python(raw)
        except (DjangoValidationError, ValueError, TypeError):
            raise self.not_found(raw) from None

    def get_object(self) -> models.Model:
        raw = self.lookup_raw()
        value = self.parse_lookup(raw)
        # A key lookup needs no ORDER BY (and [:1] rather than first(), which would add one).
        found = list(self.get_queryset().filter(**{self.lookup_field: value}).order_by()[:1])
        if not found:
            raise self.not_found(raw)
        self.check_object_permissions(self.request, found[0])
        return found[0]


class ServiceModelViewSet(DomainLookupMixin, viewsets.ModelViewSet):
    """ModelViewSet whose writes go through the app's service functions (docs/architecture.md §2.2).

    - `services`: the app's services module; `entity`: the prefix of its functions.
    - `serializer_classes`: per-action serializers (input and, unless `response_serializer_classes`
      names another, output); the browsable API's form for an action uses the action's serializer.
    - `partial_put`: PUT changes only the fields sent (what the specifications call update).
    """

    services: ModuleType | None = None
    entity: str = ""
    serializer_classes: dict[str, type[BaseSerializer]] = {}
    response_serializer_classes: dict[str, type[BaseSerializer]] = {}
    partial_put = False

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

    # --- the service contract -------------------------------------------------------------------
    def service(self, action: str) -> Callable[..., Any]:
        if self.services is None or not self.entity:
            raise NotImplementedError(f"{type(self).__name__} declares no services module and entity")
        return getattr(self.services, f"{self.entity}_{action}")

    def refetch(self, instance: models.Model) -> models.Model:
        return self.get_queryset().get(pk=instance.pk)

    def perform_create(self, serializer: BaseSerializer) -> models.Model:
        created = self.service("create")(**serializer.validated_data, actor=self.request.user)
        return self.refetch(created)

    def perform_update(self, serializer: BaseSerializer) -> models.Model:
        updated = self.service("update")(
            **{self.entity: serializer.instance}, **serializer.validated_data, actor=self.request.user
        )
        return self.refetch(updated)

    def perform_destroy(self, instance: models.Model) -> None:
        self.service("delete")(**{self.entity: instance}, actor=self.request.user)

    # --- HTTP: DRF's mixins, answering with the re-read object ----------------------------------
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.perform_create(serializer)
        return Response(self.get_response_serializer(instance).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False) or self.partial_put
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        instance = self.perform_update(serializer)
        return Response(self.get_response_serializer(instance).data)
