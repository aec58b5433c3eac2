from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sensors import services
from sensors.exceptions import (
    InvalidDataStatus,
    SensorDataAlreadyArchived,
    SensorDataAlreadyValidated,
    SensorDataArchivedCannotValidate,
    SensorDataNotFound,
    SensorNotFound,
    UnitNotFound,
)
from sensors.models import Sensor, SensorData, Unit
from sensors.tests.factories import SensorDataFactory, SensorFactory, UnitFactory

pytestmark = pytest.mark.django_db

# (service, start status) -> resulting status, or the error the service raises.
WORKFLOW = {
    ("validate", "pending"): "validated",
    ("validate", "invalid"): "validated",
    ("validate", "validated"): SensorDataAlreadyValidated,
    ("validate", "archived"): SensorDataArchivedCannotValidate,
    ("archive", "pending"): "archived",
    ("archive", "invalid"): "archived",
    ("archive", "validated"): "archived",
    ("archive", "archived"): SensorDataAlreadyArchived,
}


@pytest.mark.parametrize(("action", "start"), list(WORKFLOW))
def test_workflow_table_is_exhaustive(action, start):
    reading = SensorDataFactory(status=start)
    before = reading.updated_at
    service = getattr(services, f"sensordata_{action}")
    outcome = WORKFLOW[(action, start)]
    if isinstance(outcome, str):
        result = service(sensordata_id=reading.pk, actor=None)
        assert result.status == outcome
        reading.refresh_from_db()
        assert reading.status == outcome
        assert reading.updated_at > before
    else:
        with pytest.raises(outcome) as caught:
            service(sensordata_id=reading.pk, actor=None)
        assert caught.value.status_code == 409
        assert str(reading.pk) in caught.value.detail
        reading.refresh_from_db()
        assert (reading.status, reading.updated_at) == (start, before)


@pytest.mark.parametrize("action", ["validate", "archive"])
def test_transition_of_a_missing_reading_is_404(action):
    with pytest.raises(SensorDataNotFound) as caught:
        getattr(services, f"sensordata_{action}")(sensordata_id=123456, actor=None)
    assert caught.value.detail == "Sensor data with id 123456 not found"


@pytest.mark.parametrize("action", ["validate", "archive"])
def test_a_transition_is_a_conditional_update(action):
    reading = SensorDataFactory()
    with CaptureQueriesContext(connection) as queries:
        getattr(services, f"sensordata_{action}")(sensordata_id=reading.pk, actor=None)
    # The transaction's savepoint aside (the change record is written in it), the write comes first.
    update = next(q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"].upper())
    assert update.upper().startswith("UPDATE")
    assert '"status" IN' in update


def test_unit_create_validates_on_every_path():
    with pytest.raises(ValidationError):
        services.unit_create(name="", location="B1", actor=None)
    with pytest.raises(ValidationError):
        services.unit_create(name="x" * 256, location="B1", actor=None)
    assert not Unit.objects.exists()


def test_unit_update_without_fields_writes_nothing(django_assert_num_queries):
    unit = UnitFactory()
    with django_assert_num_queries(0):
        services.unit_update(unit=unit, actor=None)


def test_unit_update_can_clear_the_description():
    unit = UnitFactory(description="old")
    services.unit_update(unit=unit, description=None, actor=None)
    unit.refresh_from_db()
    assert unit.description is None


def test_sensor_create_in_unknown_unit():
    with pytest.raises(UnitNotFound) as caught:
        services.sensor_create(name="S", sensor_type="light", unit_id=99, actor=None)
    assert caught.value.detail == "Unit with id 99 not found"


def test_sensor_create_checks_type_and_status_in_the_service():
    unit = UnitFactory()
    with pytest.raises(ValidationError):
        services.sensor_create(name="S", sensor_type="radiation", unit_id=unit.pk, actor=None)
    with pytest.raises(ValidationError):
        services.sensor_create(name="S", sensor_type="light", unit_id=unit.pk, status="x", actor=None)
    assert not Sensor.objects.exists()


def test_sensor_move_to_unknown_unit():
    sensor = SensorFactory()
    with pytest.raises(UnitNotFound):
        services.sensor_update(sensor=sensor, unit_id=424242, actor=None)


def test_sensordata_create_unknown_sensor_and_status():
    with pytest.raises(SensorNotFound) as caught:
        services.sensordata_create(sensor_id=31337, value=1.0, actor=None)
    assert caught.value.detail == "Sensor with id 31337 not found"
    with pytest.raises(InvalidDataStatus):
        services.sensordata_create(sensor_id=SensorFactory().pk, value=1.0, status="lost", actor=None)


def test_sensordata_update_never_writes_the_status():
    reading = SensorDataFactory(status="pending")
    stale = SensorData.objects.get(pk=reading.pk)
    services.sensordata_validate(sensordata_id=reading.pk, actor=None)
    # An edit made from a copy read before the validation leaves the validation in place.
    services.sensordata_update(sensordata=stale, value=99.0, actor=None)
    reading.refresh_from_db()
    assert (reading.status, reading.value) == ("validated", 99.0)


def test_deletes_of_vanished_rows_are_404():
    unit, sensor, reading = UnitFactory(), SensorFactory(), SensorDataFactory()
    Unit.objects.filter(pk=unit.pk).delete()
    Sensor.objects.filter(pk=sensor.pk).delete()
    SensorData.objects.filter(pk=reading.pk).delete()
    with pytest.raises(UnitNotFound):
        services.unit_delete(unit=unit, actor=None)
    with pytest.raises(SensorNotFound):
        services.sensor_delete(sensor=sensor, actor=None)
    with pytest.raises(SensorDataNotFound):
        services.sensordata_delete(sensordata=reading, actor=None)


def test_import_keeps_the_given_timestamps_and_the_physical_unit():
    sensor = SensorFactory(sensor_type="humidity")
    then = timezone.now() - timedelta(days=3)
    assert services.sensordata_import(sensor=sensor, readings=[(then, 55.0, "validated")], actor=None) == 1
    reading = SensorData.objects.get()
    assert (reading.timestamp, reading.unit, reading.status) == (then, "percent", "validated")
    with pytest.raises(InvalidDataStatus):
        services.sensordata_import(sensor=sensor, readings=[(then, 1.0, "lost")], actor=None)


# --- archiving old readings -----------------------------------------------------------------------
def _old(days: int, status: str, count: int = 1) -> list[SensorData]:
    return SensorDataFactory.create_batch(
        count, status=status, timestamp=timezone.now() - timedelta(days=days)
    )


def test_archive_older_than_in_batches_one_update_each():
    old = _old(100, "validated", 5) + _old(95, "pending", 2) + _old(91, "invalid", 1)
    already = _old(120, "archived", 2)
    recent = _old(10, "validated", 3)
    before = timezone.now() - timedelta(days=90)
    with CaptureQueriesContext(connection) as queries:
        batches = list(services.sensordata_archive_older_than(before=before, batch_size=3, actor=None))
    assert batches == [3, 3, 2]
    updates = [q for q in queries.captured_queries if q["sql"].upper().startswith("UPDATE")]
    assert len(updates) == 3
    assert set(SensorData.objects.filter(pk__in=[r.pk for r in old]).values_list("status", flat=True)) == {
        "archived"
    }
    assert {r.status for r in recent} == set(
        SensorData.objects.filter(pk__in=[r.pk for r in recent]).values_list("status", flat=True)
    )
    assert SensorData.objects.filter(status="archived").count() == len(old) + len(already)
    # Safe to re-run: nothing left to do.
    assert list(services.sensordata_archive_older_than(before=before, batch_size=3, actor=None)) == []


def test_archive_older_than_only_the_given_status():
    _old(100, "validated", 2)
    pending = _old(100, "pending", 2)
    before = timezone.now() - timedelta(days=90)
    batches = services.sensordata_archive_older_than(before=before, statuses=["validated"], actor=None)
    assert sum(batches) == 2
    assert set(
        SensorData.objects.filter(pk__in=[r.pk for r in pending]).values_list("status", flat=True)
    ) == {"pending"}


def test_archive_older_than_dry_run_changes_nothing():
    _old(100, "validated", 4)
    before = timezone.now() - timedelta(days=90)
    with CaptureQueriesContext(connection) as queries:
        batches = list(
            services.sensordata_archive_older_than(before=before, batch_size=3, dry_run=True, actor=None)
        )
    assert batches == [3, 1]
    assert not any(q["sql"].upper().startswith("UPDATE") for q in queries.captured_queries)
    assert not SensorData.objects.filter(status="archived").exists()


def test_archive_older_than_does_not_count_a_row_archived_between_its_select_and_update():
    first, second = _old(100, "pending", 2)
    before = timezone.now() - timedelta(days=90)

    def archive_second_just_before_the_update(execute, sql, params, many, context):
        # Another writer archives `second` after the batch's SELECT picked it, before its UPDATE.
        if sql.upper().startswith("UPDATE"):
            execute(
                "UPDATE sensors_sensordata SET status = %s WHERE id = %s",
                ["archived", second.pk],
                False,
                context,
            )
        return execute(sql, params, many, context)

    with connection.execute_wrapper(archive_second_just_before_the_update):
        batches = list(services.sensordata_archive_older_than(before=before, batch_size=10, actor=None))
    assert batches == [1]
    assert set(SensorData.objects.filter(status="archived").values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }


def test_archive_older_than_refuses_nonsense():
    _old(100, "pending")
    before = timezone.now()
    assert (
        list(services.sensordata_archive_older_than(before=before, statuses=["archived"], actor=None)) == []
    )
    assert list(services.sensordata_archive_older_than(before=before, batch_size=0, actor=None)) == []
    assert not SensorData.objects.filter(status="archived").exists()


@pytest.mark.django_db(transaction=True)
def test_a_sensor_deleted_between_the_check_and_the_insert_is_404():
    sensor_id = SensorFactory().pk

    def delete_the_sensor_just_before_the_insert(execute, sql, params, many, context):
        # Another request deletes the sensor after the existence check passed.
        if sql.upper().startswith('INSERT INTO "SENSORS_SENSORDATA"'):
            execute('DELETE FROM "sensors_sensor" WHERE "id" = %s', [sensor_id], False, context)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(delete_the_sensor_just_before_the_insert), pytest.raises(SensorNotFound):
        services.sensordata_create(sensor_id=sensor_id, value=1.0, actor=None)
    assert not SensorData.objects.exists()
    assert not Sensor.objects.filter(pk=sensor_id).exists()


@pytest.mark.django_db(transaction=True)
def test_a_unit_deleted_between_the_check_and_the_insert_is_404():
    unit_id = UnitFactory().pk

    def delete_the_unit_just_before_the_insert(execute, sql, params, many, context):
        if sql.upper().startswith('INSERT INTO "SENSORS_SENSOR"'):
            execute('DELETE FROM "sensors_unit" WHERE "id" = %s', [unit_id], False, context)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(delete_the_unit_just_before_the_insert), pytest.raises(UnitNotFound):
        services.sensor_create(name="S", sensor_type="light", unit_id=unit_id, actor=None)
    assert not Sensor.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_in_autocommit_the_insert_alone_answers_an_unknown_sensor():
    # An API request runs in autocommit: the deferred foreign key is checked as the INSERT commits,
    # so the hot path sends one statement, and a missing sensor is still the same 404.
    sensor_id = SensorFactory().pk
    with CaptureQueriesContext(connection) as captured:
        services.sensordata_create(sensor_id=sensor_id, value=1.0, actor=None)
    assert [q["sql"].split()[0] for q in captured.captured_queries] == ["INSERT"]
    with CaptureQueriesContext(connection) as captured, pytest.raises(SensorNotFound) as caught:
        services.sensordata_create(sensor_id=31337, value=1.0, actor=None)
    assert caught.value.detail == "Sensor with id 31337 not found"
    assert [q["sql"].split()[0] for q in captured.captured_queries] == ["INSERT"]
    assert SensorData.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_in_autocommit_an_unknown_sensor_is_404_before_a_bad_status():
    with pytest.raises(SensorNotFound):
        services.sensordata_create(sensor_id=31337, value=1.0, status="lost", actor=None)
    with pytest.raises(InvalidDataStatus):
        services.sensordata_create(sensor_id=SensorFactory().pk, value=1.0, status="lost", actor=None)
    assert not SensorData.objects.exists()


def test_inside_a_transaction_the_existence_check_comes_first():
    # The deferred foreign key would only fail at the outer commit: the check answers the 404 now.
    with CaptureQueriesContext(connection) as captured, pytest.raises(SensorNotFound):
        services.sensordata_create(sensor_id=31337, value=1.0, actor=None)
    assert [q["sql"].split()[0] for q in captured.captured_queries] == ["SELECT"]
