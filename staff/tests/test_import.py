"""Staff records imported from the admin: StaffSerializer and staff.records.services decide each row
(positions, the phone rule, the role rule and the superuser guard as in /api/v1/staff)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from config.roles import Role
from config.testing_imports import admin_import, admin_import_confirm, csv_bytes, import_row_errors
from staff.exceptions import InvalidPosition, RoleForbidden
from staff.models import PHONE_MESSAGE, User
from staff.tests.factories import PositionFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "id_user",
    "nama",
    "alamat",
    "telepon",
    "id_jabatan",
    "role",
    "department",
    "factory_id",
    "is_active",
]


def staff_client(admin_client_as, user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return admin_client_as(user)


def test_management_imports_records_with_roles(admin_client_as, manager):
    position = PositionFactory(name="Teknisi")
    existing = UserFactory(username="rina", full_name="Rina", position=position)
    content = csv_bytes(
        HEADER,
        [
            "",
            "Budi Santoso",
            "Jl. Mawar",
            "+6281234567890",
            position.pk,
            "Operator",
            "Maintenance",
            "F-1",
            "",
        ],
        [existing.pk, "Rina Wati", "", "", "", "", "", "", "false"],
    )
    client = staff_client(admin_client_as, manager)
    preview = admin_import(client, User, content)
    assert import_row_errors(preview) == {}
    assert not User.objects.filter(full_name="Budi Santoso").exists()
    assert admin_import_confirm(client, User, preview).status_code == 302
    budi = User.objects.get(full_name="Budi Santoso")
    assert (budi.username, budi.address, budi.phone, budi.department) == (
        "budi.santoso", "Jl. Mawar", "+6281234567890", "Maintenance",
    )  # fmt: skip
    assert budi.role == Role.OPERATOR and budi.is_staff  # through records.user_set_role
    assert not budi.has_usable_password()
    existing.refresh_from_db()
    assert (existing.full_name, existing.is_active, existing.position_id) == ("Rina Wati", False, position.pk)


def test_row_errors_are_the_apis(admin_client_as, manager, manager_client):
    position = PositionFactory()
    api = manager_client.post(reverse("users-list"), {"nama": "X", "id_jabatan": 999999}, format="json")
    assert api.status_code == 400
    content = csv_bytes(
        HEADER,
        ["", "X", "", "", "999999", "", "", "", ""],
        ["", "Y", "", "0812-bad", position.pk, "", "", "", ""],
        ["", "", "", "", position.pk, "Boss", "", "", ""],
    )
    errors = import_row_errors(admin_import(staff_client(admin_client_as, manager), User, content))
    assert errors[1] == [InvalidPosition.default_detail] == [api.json()["detail"]]
    assert errors[2] == [f"telepon: {PHONE_MESSAGE}"]
    assert sorted(errors[3]) == ["nama: This field is required.", 'role: "Boss" is not a valid choice.']
    assert not User.objects.filter(full_name__in=["X", "Y"]).exists()


def test_the_role_rule_holds_for_an_importer_without_assign_role(admin_client_as):
    clerk = UserFactory(username="clerk", is_staff=True)
    for codename in ("view_user", "add_user", "change_user"):
        clerk.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="staff"))
    position = PositionFactory()
    content = csv_bytes(HEADER, ["", "Budi", "", "", position.pk, "Management", "", "", ""])
    errors = import_row_errors(admin_import(admin_client_as(clerk), User, content))
    assert errors == {1: [RoleForbidden.default_detail]}
    assert not User.objects.filter(full_name="Budi").exists()


def test_supervisor_may_not_import_staff(admin_client_as, supervisor):
    client = staff_client(admin_client_as, supervisor)
    assert client.get(reverse("admin:staff_user_import")).status_code == 403
    assert (
        admin_import(client, User, csv_bytes(HEADER, ["", "Budi", "", "", "1", "", "", "", ""])).status_code
        == 403
    )
