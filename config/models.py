"""The platform's own tables: the role-grant ledger and the one change history."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from config.choices import ChangeSource


class RoleGrant(models.Model):
    """A grant `config.grants.sync_role_grants` has applied once: a group got a permission because an
    app's enum says so. Applied grants are never re-applied, so a permission Management (or a
    superuser) took away from a role stays away; a grant the enums drop is taken back."""

    group = models.CharField(max_length=150)
    permission = models.CharField(max_length=255, help_text='"app_label.codename"')
    applied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "permission"], name="platform_rolegrant_unique")
        ]
        ordering = ["group", "permission"]

    def __str__(self) -> str:
        return f"{self.group}: {self.permission}"


class ChangeRecord(models.Model):
    """One change to one object, made through a service: who, when, from where, and each field's
    `[before, after]` (before is null on create, after on delete). Written in the change's own
    transaction by `config.history`; never edited. The admin's History page shows these rows."""

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The signed-in user; empty for management commands and the system.",
    )
    actor_name = models.CharField(
        max_length=150, blank=True, help_text="The actor's username when the change was made."
    )
    source = models.CharField(max_length=16, choices=ChangeSource.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, help_text="The object as it was named then.")
    action = models.CharField(
        max_length=32, help_text="create, update, delete, or the workflow step (transition, validate…)."
    )
    changes = models.JSONField(default=dict, encoder=DjangoJSONEncoder, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"], name="platform_change_object_idx"),
            models.Index(fields=["actor", "at"], name="platform_change_actor_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__in=ChangeSource.values),
                name="platform_changerecord_source_valid",
                violation_error_message="Source must be one of: " + ", ".join(ChangeSource.values) + ".",
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_repr}"
