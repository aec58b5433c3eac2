"""The machines models' own guarantees: what the database refuses, what cleaning refuses and what
outlives a delete."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from machines.models import Machine, SensorReading, SystemConfig, SystemConfigChange
from machines.tests.factories import MachineFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_a_machine_reads_as_its_name_and_starts_active():
    machine = MachineFactory(name="Lathe-7")
    assert str(machine) == "Lathe-7"
    assert machine.status == "active"


def test_two_machines_cannot_share_a_name():
    MachineFactory(name="Lathe-7")
    with pytest.raises(IntegrityError), transaction.atomic():
        Machine.objects.create(name="Lathe-7", location="L", sensor_type="S")


def test_status_outside_the_allowed_set_is_refused_by_the_database(machine):
    with pytest.raises(IntegrityError), transaction.atomic():
        Machine.objects.filter(pk=machine.pk).update(status="broken-ish")


def test_constraints_give_readable_messages_on_validation():
    machine = MachineFactory.build(name="", status="broken-ish")
    with pytest.raises(ValidationError) as caught:
        machine.validate_constraints()
    text = str(caught.value)
    assert "The name can't be empty." in text
    assert "Status must be one of: active, inactive, maintenance, error." in text


@pytest.mark.parametrize("field", ["name", "location", "sensor_type"])
def test_control_characters_in_a_name_or_tag_are_refused_on_cleaning(field):
    machine = MachineFactory.build(**{field: "bad\x00value"})
    with pytest.raises(ValidationError) as caught:
        machine.full_clean(validate_unique=False)
    assert field in caught.value.error_dict


def test_a_reading_is_unique_per_machine_and_time(machine):
    SensorReading.objects.create(machine=machine, timestamp=T0, sensor_type="T", location="L", speed=1.0)
    with pytest.raises(IntegrityError), transaction.atomic():
        SensorReading.objects.create(machine=machine, timestamp=T0, sensor_type="T", location="L", speed=2.0)


def test_a_reading_without_any_value_is_refused_by_the_database(machine):
    with pytest.raises(IntegrityError), transaction.atomic():
        SensorReading.objects.create(machine=machine, timestamp=T0, sensor_type="T", location="L")


def test_deleting_a_machine_takes_its_readings(machine):
    SensorReading.objects.create(machine=machine, timestamp=T0, sensor_type="T", location="L", speed=1.0)
    machine.delete()
    assert not SensorReading.objects.exists()


def test_a_setting_name_cannot_be_blank():
    with pytest.raises(IntegrityError), transaction.atomic():
        SystemConfig.objects.create(name="", value="x")


def test_a_change_record_outlives_its_setting_and_keeps_the_name():
    setting = SystemConfig.objects.create(name="note_x", value="new")
    change = SystemConfigChange.objects.create(
        setting=setting, name="note_x", old_value=None, new_value="new"
    )
    setting.delete()
    change.refresh_from_db()
    assert change.setting_id is None
    assert (change.name, change.old_value, change.new_value) == ("note_x", None, "new")
    assert str(change) == "note_x: None → 'new'"


def test_a_change_source_outside_the_allowed_set_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        SystemConfigChange.objects.create(name="n", new_value="v", source="carrier-pigeon")
