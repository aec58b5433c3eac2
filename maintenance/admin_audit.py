"""The audit trail shown on a category's, part's or order's page, for those who may read the audit
log (a Supervisor and up): the latest rows for the object and a link to all of them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from config.admin import admin_link
from maintenance import selectors
from maintenance.models import AuditLog
from maintenance.permissions import MaintenancePermissions

RECENT_AUDIT_ROWS = 10


def summarize_changes(changes: dict[str, Any], limit: int = 160) -> str:
    text = "; ".join(f"{field}: {old!r} → {new!r}" for field, (old, new) in changes.items())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class AuditTrailMixin:
    """An "audit_trail" read-only field, left out of the page of a viewer who may not read the log."""

    audit_entity: str = ""

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_fields(request, obj))
        if "audit_trail" in fields and not request.user.has_perm(MaintenancePermissions.VIEW_AUDIT_LOG):
            fields.remove("audit_trail")
        return fields

    @admin.display(description="audit trail")
    def audit_trail(self, obj: Any) -> str:
        if obj is None or obj.pk is None:
            return "-"
        recent = selectors.audit_of(entity=self.audit_entity, entity_id=obj.pk)[:RECENT_AUDIT_ROWS]
        lines = format_html_join(
            "",
            "<li>{} · {} · {} · <code>{}</code></li>",
            (
                (
                    row.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    row.actor.username if row.actor else "system",
                    row.action,
                    summarize_changes(row.changes),
                )
                for row in recent
            ),
        )
        query = {"entity__exact": self.audit_entity, "entity_id": str(obj.pk)}
        return format_html(
            '<ul style="margin:0">{}</ul>{}', lines, admin_link(AuditLog, "all audit rows", query=query)
        )
