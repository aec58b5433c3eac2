"""The role ladder and the permission plumbing every app shares: the role names and ranks, the
`PermissionEnum` base each app's `<app>/permissions.py` subclasses, and the grant helpers.

A role is a Django Group of the same name; checks go through `user.has_perm`, so staff can tune
a role in the admin (Groups) and the API follows. Which role gets which permission is said once,
in the app's enum (docs/architecture.md §11); `config.grants` applies it after `migrate`.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    """The three roles; each is a Django Group of the same name (created by a data migration)."""

    OPERATOR = "Operator", "Operator"
    SUPERVISOR = "Supervisor", "Supervisor"
    MANAGEMENT = "Management", "Management"


# Highest first: a user in several role groups is shown with the highest one.
ROLE_RANK = [Role.MANAGEMENT, Role.SUPERVISOR, Role.OPERATOR]

# Lower roles first: what a role is granted, every role above it gets too.
_ASCENDING = list(reversed(ROLE_RANK))


def roles_from(role: Role) -> list[Role]:
    """`role` and every role above it: the groups a grant to `role` reaches."""
    return _ASCENDING[_ASCENDING.index(role) :]


class PermissionEnum(StrEnum):
    """One app's permissions, each member `"app_label.codename"` (a `str`, so `has_perm` takes it).

    A member is declared as `NAME = "app.codename", lowest_role[, label[, groups]]`:
    `lowest_role` (a `Role` or None) gets it, with every role above; `label` is set for a custom
    permission and is its name in the model's `Meta.permissions` (`Member.meta`); `groups` names
    groups that are not roles (a service account's) that get it too.
    """

    def __new__(cls, dotted: str, role: Role | None = None, label: str | None = None, groups: tuple = ()):
        member = str.__new__(cls, dotted)
        member._value_ = dotted
        member.role = role
        member.label = label
        member.groups = tuple(groups)
        return member

    @property
    def app_label(self) -> str:
        return self.value.split(".", 1)[0]

    @property
    def codename(self) -> str:
        return self.value.split(".", 1)[1]

    @property
    def meta(self) -> tuple[str, str]:
        """The `(codename, name)` pair for the model's `Meta.permissions` (custom permissions only)."""
        if self.label is None:
            raise ValueError(f"{self.value} is one of Django's model permissions, not a custom one")
        return (self.codename, self.label)

    def grantees(self) -> list[str]:
        """The group names that hold this permission by design: the roles from `role` up, plus `groups`."""
        roles = [str(r) for r in roles_from(self.role)] if self.role is not None else []
        return roles + list(self.groups)


def permission_enums() -> list[type[PermissionEnum]]:
    """Every project app's enums (the `PermissionEnum` subclasses in `<app>/permissions.py`), in
    INSTALLED_APPS order: a new app is picked up by having the module, no central list."""
    from config.apps import app_modules

    found: list[type[PermissionEnum]] = []
    for _app_config, module in app_modules("permissions"):
        found.extend(
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, PermissionEnum)
            and value.__module__ == module.__name__
        )
    return found


def designed_grants() -> set[tuple[str, str]]:
    """Every `(group name, "app_label.codename")` pair the enums grant, roles expanded up the ladder."""
    return {
        (group, str(member)) for enum in permission_enums() for member in enum for group in member.grantees()
    }


def grant_role_permissions(apps, mapping: dict[str, list[str]]) -> None:
    """Give each role the named `app_label.codename` permissions, cumulatively up the ranks.

    Kept for the historical `0002_roles`-style migrations, which call it with their own frozen
    lists (new grants go in the app's enum). Runs inside a migration, so permissions are created
    first (normally they appear only after `migrate` finishes, too late for a data migration).
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
