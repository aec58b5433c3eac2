"""Apply the role grants the apps' permission enums declare (config.roles.PermissionEnum).

Runs after every `migrate` (a `post_migrate` handler, connected in `config.apps`), so a grant
added to, moved in or dropped from an enum reaches the groups on the next deploy with no migration
and no central edit. Each applied `(group, permission)` pair is recorded in `RoleGrant`; a recorded
pair is never applied again, so a role Management tuned in the admin keeps its tuning. `seed_demo`
does not call this: demo data never touches a role's permissions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, transaction

from config.roles import designed_grants


@dataclass
class GrantSync:
    """What one sync did, as `(group, "app_label.codename")` pairs."""

    granted: list[tuple[str, str]] = field(default_factory=list)
    revoked: list[tuple[str, str]] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)


def sync_role_grants(*, apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> GrantSync:
    """Grant every enum pair not yet recorded; take back every recorded pair no enum declares.

    A pair whose permission does not exist yet (its model not migrated) is left for a later run.
    """
    from django.contrib.auth.management import create_permissions

    # Permissions normally appear app by app after `migrate`: make sure all of them exist first.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=apps)

    # The real auth models (their tables are Django's and long settled), not the migration state's:
    # a grant must fire the signals that expire cached authorisation records.
    from django.contrib.auth.models import Group as group_model
    from django.contrib.auth.models import Permission as permission_model

    grant_model = apps.get_model("platform", "RoleGrant")
    result = GrantSync()
    with transaction.atomic(using=using):
        applied = set(grant_model.objects.using(using).values_list("group", "permission"))
        designed = designed_grants()
        permissions = {
            f"{app_label}.{codename}": pk
            for pk, app_label, codename in permission_model.objects.using(using).values_list(
                "pk", "content_type__app_label", "codename"
            )
        }
        for group_name, dotted in sorted(designed - applied):
            if dotted not in permissions:
                result.missing.append((group_name, dotted))
                continue
            group, _ = group_model.objects.using(using).get_or_create(name=group_name)
            group.permissions.add(permissions[dotted])
            grant_model.objects.using(using).create(group=group_name, permission=dotted)
            result.granted.append((group_name, dotted))
        for group_name, dotted in sorted(applied - designed):
            group = group_model.objects.using(using).filter(name=group_name).first()
            if group is not None and dotted in permissions:
                group.permissions.remove(permissions[dotted])
            grant_model.objects.using(using).filter(group=group_name, permission=dotted).delete()
            result.revoked.append((group_name, dotted))
    return result


def sync_after_migrate(
    sender, *, apps=global_apps, using: str = DEFAULT_DB_ALIAS, verbosity: int = 1, **kwargs
) -> None:
    """`post_migrate` handler: sync once the platform's `RoleGrant` table exists in this plan."""
    try:
        apps.get_model("platform", "RoleGrant")
    except LookupError:
        return
    result = sync_role_grants(apps=apps, using=using)
    if verbosity >= 2:
        for group_name, dotted in result.granted:
            print(f"  granted {dotted} to {group_name}")
        for group_name, dotted in result.revoked:
            print(f"  took {dotted} back from {group_name}")
