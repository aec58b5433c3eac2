"""The admin's History page from the one change history: an object's `ChangeRecord`s (API, admin,
actions, commands) with each field before -> after, after the admin's own LogEntry rows that came
before the object's first record (the history from before records were kept)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.text import capfirst

from config import history
from config.choices import ChangeSource
from config.models import ChangeRecord

HISTORY_PAGE_SIZE = 100


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the History page, from a change record or a legacy LogEntry."""

    at: datetime
    actor: str
    source: str
    action: str
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)
    message: str = ""


def _label(model: type[models.Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def entry_of_record(row: ChangeRecord, model: type[models.Model]) -> HistoryEntry:
    """A change record as the page shows it: each field by its label, before and after."""
    return HistoryEntry(
        at=row.at,
        actor=row.actor_name or "system",
        source=row.get_source_display(),
        action=row.action,
        changes=[(_label(model, name), pair[0], pair[1]) for name, pair in row.changes.items()],
    )


def entry_of_log(row: LogEntry) -> HistoryEntry:
    """A LogEntry (an admin form save from before change records) as the page shows it."""
    action = {ADDITION: "create", CHANGE: "update", DELETION: "delete"}
    return HistoryEntry(
        at=row.action_time,
        actor=row.user.get_username(),
        source=str(ChangeSource.ADMIN.label),
        action=action.get(row.action_flag, ""),
        message=row.get_change_message(),
    )


class ChangeHistoryAdminMixin:
    """History page = the object's change records (paged, oldest first), after its legacy LogEntry rows.

    The admin keeps writing LogEntry (the index's "Recent actions"); a LogEntry written after the
    object's first change record repeats a record, so only the older ones are shown.
    """

    object_history_template = "admin/change_history.html"

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None) -> HttpResponse:
        model = self.model
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, model._meta, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        records = history.history_of(model, obj.pk)
        page = Paginator(records, HISTORY_PAGE_SIZE).get_page(request.GET.get(PAGE_VAR, 1))
        entries = [entry_of_record(row, model) for row in page]
        if page.number == 1:
            first = records.first()
            legacy = LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
                object_id=str(obj.pk),
            ).select_related("user")
            if first is not None:
                legacy = legacy.filter(action_time__lt=first.at)
            entries = [entry_of_log(row) for row in legacy.order_by("action_time", "id")] + entries
        context = {
            **self.admin_site.each_context(request),
            "title": f"Change history: {obj}",
            "subtitle": None,
            "entries": entries,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)


@admin.register(ChangeRecord)
class ChangeRecordAdmin(admin.ModelAdmin):
    """Every change record, newest first: who changed what across the apps (read-only evidence)."""

    list_display = ["at", "actor_name", "source", "action", "content_type", "object_repr"]
    list_filter = ["source", "action", ("content_type", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["object_repr", "actor_name", "object_id"]
    date_hierarchy = "at"
    list_select_related = ["content_type"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
