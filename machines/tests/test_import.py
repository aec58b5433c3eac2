"""Machines imported from the admin: the API's serializer and machines.services decide each row."""

from __future__ import annotations

import pytest
from django.urls import reverse

from config.testing_imports import admin_import, admin_import_confirm, csv_bytes, import_row_errors
from machines.models import Machine
from machines.tests.factories import MachineFactory

pytestmark = pytest.mark.django_db

HEADER = ["machine_id", "name", "location", "sensor_type", "status"]


@pytest.fixture
def supervisor_admin(admin_client_as, supervisor):
    supervisor.is_staff = True  # what assigning a role does; the fixtures skip it
    supervisor.save(update_fields=["is_staff"])
    return admin_client_as(supervisor)


def test_duplicate_name_is_refused_with_the_apis_message(supervisor_admin, supervisor_client, machine):
    api = supervisor_client.post(
        reverse("machines-create"), {"name": machine.name, "location": "L", "sensor_type": "Temperature"}
    )
    assert api.status_code == 409
    content = csv_bytes(
        HEADER, ["", machine.name, "L", "Temperature", ""], ["", "Press-9", "L", "Pressure", "on"]
    )
    preview = admin_import(supervisor_admin, Machine, content)
    errors = import_row_errors(preview)
    assert errors[1] == [api.json()["detail"]]
    assert errors[2] == ['status: "on" is not a valid choice.']
    assert preview.context.get("confirm_form") is None
    assert list(Machine.objects.values_list("name", flat=True)) == [machine.name]


def test_confirm_creates_and_updates_by_machine_id(supervisor_admin, machine):
    content = csv_bytes(
        HEADER,
        ["", "Press-9", "Hall 2", "Pressure", ""],
        [str(machine.pk), machine.name, "Moved", "", "maintenance"],
    )
    preview = admin_import(supervisor_admin, Machine, content)
    assert import_row_errors(preview) == {}
    assert Machine.objects.count() == 1  # the preview stored nothing
    assert admin_import_confirm(supervisor_admin, Machine, preview).status_code == 302
    created = Machine.objects.get(name="Press-9")
    assert (created.location, created.sensor_type, created.status) == ("Hall 2", "Pressure", "active")
    machine.refresh_from_db()
    assert (machine.location, machine.sensor_type, machine.status) == ("Moved", "Temperature", "maintenance")


def test_renaming_onto_a_taken_name_is_refused(supervisor_admin, machine):
    other = MachineFactory(name="Lathe-2")
    preview = admin_import(
        supervisor_admin, Machine, csv_bytes(HEADER, [str(other.pk), machine.name, "", "", ""])
    )
    assert import_row_errors(preview) == {1: [f"Machine with name {machine.name} already exists"]}
    other.refresh_from_db()
    assert other.name == "Lathe-2"


def test_a_machine_id_that_is_no_uuid_is_a_row_error(supervisor_admin):
    preview = admin_import(
        supervisor_admin, Machine, csv_bytes(HEADER, ["not-a-uuid", "Press-9", "L", "Pressure", ""])
    )
    assert import_row_errors(preview) == {1: ["machine_id: No machine with id 'not-a-uuid'."]}


def test_operator_may_not_import(admin_client_as, operator):
    operator.is_staff = True
    operator.save(update_fields=["is_staff"])
    client = admin_client_as(operator)
    assert client.get(reverse("admin:machines_machine_import")).status_code == 403
    response = admin_import(client, Machine, csv_bytes(HEADER, ["", "Press-9", "L", "Pressure", ""]))
    assert response.status_code == 403
    assert not Machine.objects.exists()
