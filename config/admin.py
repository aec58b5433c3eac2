"""What every app's admin shares: `ServiceAdmin`, whose writes go through the app's services and
whose refusals are shown on the form that caused them (config.admin_refusals), with links only to
pages the viewer may open (config.admin_links); `ReadOnlyAdminMixin` for evidence and history;
`StatusColourMixin` for a coloured status column; `DateRangeFilter`; and the export columns of a
change list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from config import exports
from config.admin_filters import DateRangeFilter
from config.admin_history import ChangeHistoryAdminMixin
from config.admin_links import LinkGuardMixin, admin_link, admin_url
from config.admin_refusals import RefusalMixin
from config.errors import DomainError

__all__ = ["DateRangeFilter", "LinkGuardMixin", "admin_link", "admin_url"]

# The colours of the admin's status columns: good, bad, warning, in progress, neutral.
GREEN, RED, ORANGE, BLUE, GREY = "#2e7d32", "#c62828", "#ef6c00", "#1565c0", "#757575"


def coloured(text: Any, colour: str, *, dot: bool = True) -> str:
    """`text` in bold `colour` (after a dot), escaped: the one look of a status in every admin."""
    if dot:
        return format_html('<span style="color:{};font-weight:bold">&#9679; {}</span>', colour, text)
    return format_html('<span style="color:{};font-weight:bold">{}</span>', colour, text)


class StatusColourMixin:
    """A `coloured_status` column: the row's `status` label in its colour from `status_colours`
    (grey for a status it does not name). Put "coloured_status" in `list_display`."""

    status_colours: dict[Any, str] = {}

    @admin.display(description="status", ordering="status")
    def coloured_status(self, obj: models.Model) -> str:
        return coloured(obj.get_status_display(), self.status_colours.get(obj.status, GREY))


class ReadOnlyAdminMixin(LinkGuardMixin):
    """Rows the admin shows but never adds or changes (evidence, history, issued tokens). Rows are
    not deleted either unless `read_only_can_delete` is set (then the usual delete permission rules).
    Works for a ModelAdmin and an inline alike."""

    read_only_can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.read_only_can_delete and super().has_delete_permission(request, obj)


class ServiceAdmin(ChangeHistoryAdminMixin, RefusalMixin, LinkGuardMixin, admin.ModelAdmin):
    """A ModelAdmin whose create, update and delete call `services.<entity>_<action>`; its History page
    is the object's change records (config/admin_history.py), which those services write.

    The admin's own transaction wraps each save, so a domain error raised by a service rolls back
    everything (the history entry too) and is shown on the form beside the field it concerns
    (`refusal_fields`), never a 500.
    """

    services: ModuleType | None = None
    entity: str = ""
    # Help shown under a field whose meaning isn't obvious from its name (form field name -> text).
    help_texts: dict[str, str] = {}

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        if self.help_texts:
            kwargs["help_texts"] = {**self.help_texts, **kwargs.get("help_texts", {})}
        return super().get_form(request, obj, change=change, **kwargs)

    # --- the service contract -------------------------------------------------------------------
    def service(self, action: str) -> Callable[..., Any]:
        if self.services is None or not self.entity:
            raise NotImplementedError(f"{type(self).__name__} declares no services module and entity")
        return getattr(self.services, f"{self.entity}_{action}")

    def service_data(self, form: Any, change: bool) -> dict[str, Any]:
        """The form's model fields under their service names (a foreign key as `<name>_id`)."""
        names = form.changed_data if change else list(form.cleaned_data)
        data: dict[str, Any] = {}
        for name in names:
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:  # a form-only field is not the service's business
                continue
            if not getattr(field, "concrete", False) or field.many_to_many:
                continue
            value = form.cleaned_data.get(name)
            if field.is_relation:
                data[field.attname] = value.pk if value is not None else None
            else:
                data[name] = value
        return data

    def save_model(self, request: HttpRequest, obj: models.Model, form: Any, change: bool) -> None:
        data = self.service_data(form, change)
        if change:
            # The form has already written its values onto `obj`; the service gets the row as
            # stored, so it sees (and validates, audits) the change itself.
            stored = self.model._default_manager.get(pk=obj.pk)
            saved = self.service("update")(**{self.entity: stored}, **data, actor=request.user)
        else:
            saved = self.service("create")(**data, actor=request.user)
        # The admin goes on with `obj` (inlines, history, redirect): give it what the service saved.
        for field in self.model._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
        obj._state.db = saved._state.db

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        self.service("delete")(**{self.entity: obj}, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.run_service_action(
            request, queryset, lambda obj: self.delete_model(request, obj), done="deleted"
        )

    # --- domain errors become messages ----------------------------------------------------------
    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        parent = super()
        try:
            return parent.changeform_view(request, object_id, form_url, extra_context)
        except (DomainError, ValidationError) as exc:
            return self.refused_changeform(
                request,
                exc,
                lambda: parent.changeform_view(request, object_id, form_url, extra_context),
                request.get_full_path(),
            )

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        # Inline edits of the list (list_editable) save through the services too.
        try:
            return super().changelist_view(request, extra_context)
        except DomainError as exc:
            self.message_user(request, f"Not saved: {exc.detail}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request: HttpRequest, object_id: str, extra_context=None) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as exc:
            self.message_user(request, f"Not deleted: {exc.detail}", messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
            )

    def run_service_action(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        apply: Callable[[models.Model], Any],
        *,
        done: str = "",
    ) -> tuple[int, list[str]]:
        """Apply a service call to each selected object; report how many worked and why others not.

        With `done` empty, nothing is reported and the caller words the messages from the result.
        """
        changed, refused = 0, []
        for obj in queryset:
            try:
                apply(obj)
            except DomainError as exc:
                refused.append(f"{obj} ({exc.detail})")
            else:
                changed += 1
        if not done:
            return changed, refused
        name = self.model._meta.verbose_name_plural if changed != 1 else self.model._meta.verbose_name
        self.message_user(request, f"{changed} {name} {done}.")
        if refused:
            self.message_user(request, f"{len(refused)} refused: " + "; ".join(refused), messages.WARNING)
        return changed, refused


class CSVExportMixin:
    """Names a change list's export columns, `csv_columns` (header, getter) pairs, and adds the
    "Export selected as CSV" action. The action and the list's "Export CSV / XLSX" links write
    through one path (config.exports: formulas neutralised, secrets never exported)."""

    csv_name = "export"
    csv_columns: Sequence[tuple[str, Callable[[Any], Any]]] = ()

    def get_csv_columns(self, request: HttpRequest) -> Sequence[tuple[str, Callable[[Any], Any]]]:
        return self.csv_columns

    @admin.action(description="Export selected as CSV", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        return exports.export_queryset(self, request, queryset.order_by("pk"), "csv")
