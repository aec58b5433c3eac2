"""Admin imports (django-import-export) whose every row goes the API's way: the API's input
serializer checks the row's shape, then the app's service writes it (rules, audit, stock, caches),
with the signed-in user as the actor. So a row is refused with the API's own message.

- A file is imported whole or not at all: the preview is a dry run in a transaction that is rolled
  back; "Confirm import" is offered only when no row has an error, and runs the file again in one
  transaction that is rolled back if any row fails then (a change made meanwhile).
- What a row's update is checked against is what the preview read (`read_value`, the stock of a
  part): kept in the session from the preview to the confirmation, so a stock that moved in between
  is refused there, as the admin's stock edit refuses it.
- A row names an existing object by its key column (`key_column`, the id the export writes);
  with the key blank or the column absent, the row creates one. An unknown key is a row error.
- An empty cell means "not given": the API's default on create, unchanged on update.
- Import is offered to whoever may both add and change the model (the admin's permissions).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from import_export import resources
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ConfirmImportForm
from import_export.results import Result
from rest_framework import serializers

from config.errors import DomainError
from config.limits import parse_id

NON_FIELD_KEYS = ("non_field_errors", "detail")
INTEGER_KEYS = ("AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField")
PREVIEWS_SESSION_KEY = "admin_import_previews"


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _messages(value: Any) -> list[str]:
    """DRF's error detail (a list, a dict of nested errors or one message) as flat strings."""
    if isinstance(value, dict):
        return [f"{key}: {text}" for key, item in value.items() for text in _messages(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _messages(item)]
    return [str(value)]


def serializer_error(errors: dict[str, Any]) -> ValidationError:
    """A serializer's errors as a Django ValidationError keyed by the file's column names."""
    return ValidationError(
        {
            (NON_FIELD_ERRORS if key in NON_FIELD_KEYS else key): _messages(value)
            for key, value in errors.items()
        }
    )


class ServiceResource(resources.ModelResource):
    """A resource whose rows are validated by `serializer` and written by `services.<entity>_create`
    / `_update` (the functions the API calls). Declare the resource fields with the API's column
    names; `key_column` is the column holding the primary key of an existing row."""

    services: ModuleType | None = None
    entity: str = ""
    serializer: type[serializers.Serializer] | None = None
    key_column: str = "id"

    def __init__(self, read_at: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Object id -> `read_value` as the preview saw it (filled by the preview, read back by the
        # confirmation through the session: ServiceImportMixin.get_import_resource_kwargs).
        self.read_at = read_at if read_at is not None else {}

    def read_value(self, instance: models.Model) -> Any:
        """The value an update of `instance` is conditional on (None: no precondition)."""
        return None

    def value_read(self, instance: models.Model) -> Any:
        """`read_value` as first read for this object: at the preview when there was one."""
        return self.read_at.setdefault(str(instance.pk), self.read_value(instance))

    # --- which row: the key column, never the import_id_fields machinery ---------------------------
    def get_import_id_fields(self) -> list[str]:
        return []

    def get_instance(self, instance_loader: Any, row: dict[str, Any]) -> models.Model | None:
        raw = row.get(self.key_column)
        if is_blank(raw):
            return None
        model = self._meta.model
        key = str(raw).strip()
        if isinstance(raw, float) and raw.is_integer():
            key = str(int(raw))
        found = None
        pk_field = model._meta.pk
        if pk_field.get_internal_type() in INTEGER_KEYS:
            pk = parse_id(key)  # digits a bigint holds: never a database error in the row's savepoint
        else:
            try:
                pk = pk_field.to_python(key)
            except ValidationError:  # not a valid key of this model (a UUID, say)
                pk = None
        if pk is not None:
            found = self.get_queryset().filter(pk=pk).first()
        if found is None:
            raise ValidationError({self.key_column: [f"No {model._meta.verbose_name} with id {key!r}."]})
        return found

    # --- the row's values: the API serializer ------------------------------------------------------
    def row_input(self, row: dict[str, Any]) -> dict[str, Any]:
        """The row's non-empty cells that the serializer knows, under its field names."""
        names = set(self.serializer().fields)
        return {name: value for name, value in row.items() if name in names and not is_blank(value)}

    def changed(self, instance: models.Model, data: dict[str, Any]) -> dict[str, Any]:
        """The validated values that differ from the stored row (an update sends only those)."""
        return {name: value for name, value in data.items() if getattr(instance, name, None) != value}

    def import_instance(self, instance: models.Model, row: dict[str, Any], **kwargs: Any) -> None:
        new = instance._state.adding
        serializer = self.serializer(
            instance=None if new else instance, data=self.row_input(row), partial=not new
        )
        if not serializer.is_valid():
            raise serializer_error(serializer.errors)
        data = dict(serializer.validated_data)
        if not new:
            self.value_read(instance)
        instance._import_changes = data if new else self.changed(instance, data)

    def skip_row(
        self, instance: models.Model, original: Any, row: Any, import_validation_errors=None
    ) -> bool:
        """An existing row the file does not change is skipped (no write, no audit row)."""
        if import_validation_errors:
            return False
        return not getattr(instance, "_import_changes", None) and not instance._state.adding

    def validate_instance(self, instance: models.Model, import_validation_errors=None, validate_unique=True):
        if import_validation_errors:
            raise ValidationError(import_validation_errors)

    # --- the write: the service, the signed-in user as actor ----------------------------------------
    def service(self, action: str) -> Callable[..., Any]:
        return getattr(self.services, f"{self.entity}_{action}")

    def update_arguments(self, instance: models.Model, changes: dict[str, Any]) -> dict[str, Any]:
        """Extra keyword arguments of the update service (a resource adds a precondition)."""
        return {}

    def save_instance(self, instance: models.Model, is_create: bool, row: Any, **kwargs: Any) -> None:
        changes = getattr(instance, "_import_changes", {})
        actor = kwargs["user"]
        try:
            if is_create:
                saved = self.service("create")(**changes, actor=actor)
            else:
                extra = self.update_arguments(instance, changes)
                saved = self.service("update")(**{self.entity: instance}, **changes, **extra, actor=actor)
        except DomainError as exc:
            raise ValidationError({NON_FIELD_ERRORS: [str(exc.detail)]}) from None
        for field in self._meta.model._meta.concrete_fields:
            setattr(instance, field.attname, getattr(saved, field.attname))
        instance._state.adding = False
        instance._state.db = saved._state.db

    def save_m2m(self, instance: models.Model, row: Any, **kwargs: Any) -> None:
        """Relations are the services' business (a role, say): nothing saved here."""


class ServiceImportMixin(ImportMixin):
    """The admin's "Import" (CSV or XLSX) through a ServiceResource: a dry-run preview with each
    row's changes and errors, then "Confirm import" of the whole file. Offered to users holding both
    the add and the change permission; the link sits in the change list's object tools
    (templates/admin/change_list_object_tools.html), so the change list template stays the app's."""

    formats = [CSV, XLSX]
    import_error_display = ("message", "row")
    max_previews_kept = 5

    def init_change_list_template(self) -> None:
        """Keep the change list template as the admin declared it (Django's per-model lookup)."""
        self.ie_base_change_list_template = self.change_list_template or "admin/change_list.html"

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        """The preview's read values go to the session under its file's name; the confirmation of
        that file takes them back (so its updates are conditional on what the preview showed)."""
        resource_kwargs = super().get_import_resource_kwargs(request, **kwargs)
        form = kwargs.get("form")
        cleaned = getattr(form, "cleaned_data", None) or {}
        kept = request.session.setdefault(PREVIEWS_SESSION_KEY, {})
        if isinstance(form, ConfirmImportForm) and "import_file_name" in cleaned:
            read_at = kept.pop(cleaned["import_file_name"], {})
        elif getattr(cleaned.get("import_file"), "tmp_storage_name", None):
            read_at = kept[os.path.basename(cleaned["import_file"].tmp_storage_name)] = {}
            for stale in list(kept)[: -self.max_previews_kept]:
                del kept[stale]
        else:
            read_at = {}
        request.session.modified = True  # the dict is filled while the file is read, after this
        resource_kwargs["read_at"] = read_at
        return resource_kwargs

    def get_import_data_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def process_result(self, result: Result, request: HttpRequest) -> HttpResponse:
        """A file that fails at confirmation (a row changed meanwhile) was rolled back: say so."""
        if result.has_errors() or result.has_validation_errors():
            self.message_user(request, "Nothing imported: " + result_summary(result), messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))
        return super().process_result(result, request)


def result_summary(result: Result, limit: int = 5) -> str:
    """The first refused rows of an import result, one line each."""
    lines = [f"row {row.number}: {'; '.join(error_texts(row.error))}" for row in result.invalid_rows]
    lines += [f"row {number}: {errors[0].error}" for number, errors in result.row_errors()]
    more = f" (and {len(lines) - limit} more)" if len(lines) > limit else ""
    return " | ".join(lines[:limit]) + more


def error_texts(error: ValidationError) -> list[str]:
    """A row's validation error as `column: message` strings (non-field messages bare)."""
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    return [
        text if field == NON_FIELD_ERRORS else f"{field}: {text}"
        for field, errors in error.message_dict.items()
        for text in errors
    ]
