"""Role (Group) permission grants, used by every app's data migration."""

from __future__ import annotations

from staff.choices import ROLE_RANK, Role

# Lower roles first: what a role is granted, every role above it gets too.
_ASCENDING = list(reversed(ROLE_RANK))


def grant_role_permissions(apps, mapping: dict[str, list[str]]) -> None:
    """Give each role the named `app_label.codename` permissions, cumulatively up the ranks.

    Runs inside a migration, so permissions are created first (normally they appear only
    after `migrate` finishes, too late for a data migration).
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    inherited: list[str] = []
    for role in _ASCENDING:
        inherited = inherited + list(mapping.get(str(role), []))
        group, _ = group_model.objects.get_or_create(name=str(role))
        for dotted in inherited:
            app_label, codename = dotted.split(".", 1)
            perm = permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            group.permissions.add(perm)


def revoke_noop(apps, schema_editor) -> None:
    """Reverse of a grant: leave groups as they are (staff may have tuned them)."""


__all__ = ["Role", "grant_role_permissions", "revoke_noop"]
