"""Permissions said once: the apps' enums drive Meta.permissions, the role grants and the README
table; grants reach the groups after `migrate` once, and never undo a role Management tuned."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from config import checks, grants, roles
from config.management.commands.roles_table import roles_table
from config.models import RoleGrant
from config.roles import PermissionEnum, Role, designed_grants, permission_enums
from locks.models import Device
from locks.permissions import LockPermissions
from machines.permissions import TELEMETRY_GATEWAY_GROUP, MachinePermissions

pytestmark = pytest.mark.django_db


def held() -> set[tuple[str, str]]:
    """Every (group, "app_label.codename") pair the database's groups hold."""
    rows = Group.permissions.through.objects.values_list(
        "group__name", "permission__content_type__app_label", "permission__codename"
    )
    return {(group, f"{app_label}.{codename}") for group, app_label, codename in rows}


def test_every_project_app_has_its_enum_found_without_a_central_list():
    apps = {next(iter(enum)).app_label for enum in permission_enums()}
    assert apps == {"staff", "locks", "sensors", "maintenance", "machines"}


def test_a_migrated_database_holds_exactly_the_enum_grants():
    """The historical grant migrations and the enums agree, and the ledger records every grant."""
    assert held() == designed_grants()
    assert set(RoleGrant.objects.values_list("group", "permission")) == designed_grants()


def test_grants_are_cumulative_up_the_ladder_and_reach_the_gateway_group():
    grantees = LockPermissions.CHANGE_DEVICE_STATUS.grantees()
    assert grantees == [Role.OPERATOR, Role.SUPERVISOR, Role.MANAGEMENT]
    assert MachinePermissions.INGEST_TELEMETRY.grantees() == [
        Role.SUPERVISOR,
        Role.MANAGEMENT,
        TELEMETRY_GATEWAY_GROUP,
    ]


def test_meta_permissions_come_from_the_enum():
    assert (LockPermissions.CHANGE_DEVICE_STATUS.meta,) == tuple(Device._meta.permissions)
    with pytest.raises(ValueError):
        _ = LockPermissions.ADD_DEVICE.meta


def test_a_role_tuned_by_management_survives_migrate_and_seed_demo():
    """A permission taken from a role stays away: the post-migrate sync applies a grant only once."""
    supervisor = Group.objects.get(name=Role.SUPERVISOR)
    supervisor.permissions.remove(Permission.objects.get(codename=LockPermissions.ADD_DEVICE.codename))
    call_command("migrate", verbosity=0)
    call_command("seed_demo", force=True, stdout=io.StringIO())
    assert (Role.SUPERVISOR, LockPermissions.ADD_DEVICE) not in held()
    assert (Role.MANAGEMENT, LockPermissions.ADD_DEVICE) in held()


def test_a_grant_added_to_an_enum_is_applied_by_the_next_sync_once(monkeypatch):
    new = (Role.OPERATOR, str(LockPermissions.ADD_DEVICE))
    monkeypatch.setattr(grants, "designed_grants", lambda: designed_grants() | {new})
    assert new not in held()
    assert grants.sync_role_grants().granted == [new]
    assert new in held()
    Group.objects.get(name=Role.OPERATOR).permissions.remove(
        Permission.objects.get(codename=LockPermissions.ADD_DEVICE.codename)
    )
    assert grants.sync_role_grants().granted == []
    assert new not in held()


def test_a_grant_dropped_from_an_enum_is_taken_back(monkeypatch):
    dropped = (TELEMETRY_GATEWAY_GROUP, str(MachinePermissions.INGEST_TELEMETRY))
    monkeypatch.setattr(grants, "designed_grants", lambda: designed_grants() - {dropped})
    assert grants.sync_role_grants().revoked == [dropped]
    assert dropped not in held()
    assert not RoleGrant.objects.filter(group=dropped[0], permission=dropped[1]).exists()


def test_a_grant_of_a_new_group_creates_the_group(monkeypatch):
    new = ("Auditors", str(LockPermissions.VIEW_DEVICE_LOG))
    monkeypatch.setattr(grants, "designed_grants", lambda: designed_grants() | {new})
    grants.sync_role_grants()
    assert new in held()


class _Typo(PermissionEnum):
    NOT_THERE = "locks.fly_device", Role.OPERATOR


class _Relabelled(PermissionEnum):
    CHANGE_DEVICE_STATUS = "locks.change_device_status", Role.OPERATOR, "Something else"


class _Repeated(PermissionEnum):
    ADD = "locks.add_device", Role.OPERATOR
    ADD_AGAIN = "locks.add_device", Role.MANAGEMENT


@pytest.mark.parametrize(
    ("enum", "error_id"),
    [(_Typo, "platform.E102"), (_Relabelled, "platform.E103"), (_Repeated, "platform.E105")],
)
def test_the_system_check_catches_an_enum_that_disagrees_with_the_models(monkeypatch, enum, error_id):
    assert checks.check_permission_enums() == []
    monkeypatch.setattr(checks, "permission_enums", lambda: [*permission_enums(), enum])
    assert [error.id for error in checks.check_permission_enums()] == [error_id]


def test_the_system_check_catches_a_custom_permission_in_no_enum(monkeypatch):
    others = [enum for enum in permission_enums() if enum is not LockPermissions]
    monkeypatch.setattr(checks, "permission_enums", lambda: others)
    assert [error.id for error in checks.check_permission_enums()] == ["platform.E104"]


def test_roles_py_holds_the_ladder_only():
    assert not hasattr(roles, "Perm")
    assert not hasattr(roles, "TELEMETRY_GATEWAY_GROUP")


def test_the_readme_role_table_is_the_generated_one():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    found = re.search(r"<!-- roles_table:start -->\n(.*?)<!-- roles_table:end -->", readme, re.S)
    assert found, "README.md lost its generated role table markers"
    assert found.group(1) == roles_table()
    out = io.StringIO()
    call_command("roles_table", stdout=out)
    assert out.getvalue() == roles_table()


def test_a_synced_grant_reaches_a_logged_in_user_at_once(monkeypatch):
    """The sync fires the group signals, so the cached authorisation record of a JWT expires."""
    from django.urls import reverse
    from rest_framework.test import APIClient

    from staff.tests.factories import TEST_PASSWORD, UserFactory

    user = UserFactory(role=Role.OPERATOR)
    client = APIClient()
    login = client.post(reverse("auth-login"), {"username": user.username, "password": TEST_PASSWORD})
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access_token']}")
    gate = {"name": "Gate", "type": "smart-lock"}
    assert client.post(reverse("device-list"), gate).status_code == 403
    new = (Role.OPERATOR, str(LockPermissions.ADD_DEVICE))
    monkeypatch.setattr(grants, "designed_grants", lambda: designed_grants() | {new})
    # As after `migrate`: the handler is handed the migration state's models.
    grants.sync_role_grants(apps=MigrationLoader(connection).project_state().apps)
    assert client.post(reverse("device-list"), gate).status_code == 201
