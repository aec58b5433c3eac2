"""The platform's own tables."""

from __future__ import annotations

from django.db import models


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
