from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from sensors.models import Sensor, SensorData, Unit
from sensors.permissions import SensorPermissions
from sensors.tests.factories import SensorDataFactory, SensorFactory, UnitFactory
from staff.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def changelist(model: str) -> str:
    return reverse(f"admin:sensors_{model}_changelist")


# --- readings: bulk actions -----------------------------------------------------------------------
def test_validate_action_reports_changed_and_refused_with_reasons(admin_client):
    pending = SensorDataFactory(status="pending")
    invalid = SensorDataFactory(status="invalid")
    validated = SensorDataFactory(status="validated")
    archived = SensorDataFactory(status="archived")
    ids = [str(r.pk) for r in (pending, invalid, validated, archived)]
    response = admin_client.post(
        changelist("sensordata"), {"action": "validate_readings", "_selected_action": ids}, follow=True
    )
    changed, refused = messages_of(response)
    assert changed == "2 sensor readings validated."
    assert refused.startswith("2 refused: ")
    assert f"Sensor data {validated.pk} is already validated" in refused
    assert f"Cannot validate archived sensor data {archived.pk}" in refused
    statuses = dict(SensorData.objects.values_list("pk", "status"))
    assert statuses == {
        pending.pk: "validated",
        invalid.pk: "validated",
        validated.pk: "validated",
        archived.pk: "archived",
    }


def test_archive_action_refuses_the_archived_one(admin_client):
    rows = [SensorDataFactory(status=s) for s in ("pending", "validated", "archived")]
    response = admin_client.post(
        changelist("sensordata"),
        {"action": "archive_readings", "_selected_action": [str(r.pk) for r in rows]},
        follow=True,
    )
    changed, refused = messages_of(response)
    assert changed == "2 sensor readings archived."
    assert refused == f"1 refused: {rows[2]} (Sensor data {rows[2].pk} is already archived)"
    assert set(SensorData.objects.values_list("status", flat=True)) == {"archived"}


def test_actions_need_the_custom_permissions(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(*_perms(SensorPermissions.VIEW_SENSORDATA))
    client.force_login(viewer)
    reading = SensorDataFactory()
    response = client.get(changelist("sensordata"))
    assert response.status_code == 200
    assert "validate_readings" not in response.text
    client.post(
        changelist("sensordata"), {"action": "validate_readings", "_selected_action": [str(reading.pk)]}
    )
    reading.refresh_from_db()
    assert reading.status == "pending"

    viewer.user_permissions.add(*_perms(SensorPermissions.VALIDATE_SENSORDATA))
    response = client.get(changelist("sensordata"))
    assert "validate_readings" in response.text
    assert "archive_readings" not in response.text


def test_csv_export_of_readings(admin_client):
    reading = SensorDataFactory(sensor__name="Temp 1", sensor__unit__name="Data Center", value=21.5)
    response = admin_client.post(
        changelist("sensordata"), {"action": "export_csv", "_selected_action": [str(reading.pk)]}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["id", "unit", "sensor", "sensor_type", "value", "physical_unit", "status", "timestamp"]
    assert rows[1][:7] == [
        str(reading.pk),
        "Data Center",
        "Temp 1",
        "temperature",
        "21.5",
        "celsius",
        "pending",
    ]


# --- readings: list and forms ---------------------------------------------------------------------
def test_reading_changelist_filters_search_and_date_hierarchy(admin_client, django_assert_max_num_queries):
    SensorDataFactory.create_batch(30, sensor__name="Hum 1", sensor__sensor_type="humidity")
    SensorDataFactory(sensor__name="Temp 9", status="validated")
    url = changelist("sensordata")
    with django_assert_max_num_queries(12):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert "&#9679; Pending" in response.text
    assert "Temp 9" in admin_client.get(url, {"q": "temp"}).text
    assert "Hum 1" not in admin_client.get(url, {"q": "temp"}).text
    for params in (
        {"status__exact": "validated"},
        {"sensor__sensor_type__exact": "humidity"},
        {"sensor__unit__id__exact": str(Unit.objects.first().pk)},
        {"timestamp__year": "2026"},
    ):
        assert admin_client.get(url, params).status_code == 200


def test_reading_changelist_does_not_count_the_whole_table_twice(admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    SensorDataFactory.create_batch(3, status="pending")
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(changelist("sensordata"), {"status__exact": "pending"})
    counts = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(" in q["sql"].upper() and "sensordata" in q["sql"]
    ]
    assert len(counts) == 1  # the filtered count only; no full-table "N total" count


def test_reading_change_form_shows_the_status_read_only(admin_client):
    reading = SensorDataFactory(status="pending", value=1.0)
    url = reverse("admin:sensors_sensordata_change", args=[reading.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert 'name="status"' not in response.text
    # A forged status in the POST is ignored; value goes through the service.
    response = admin_client.post(url, {"value": "2.5", "unit": "kelvin", "status": "validated"})
    assert response.status_code == 302
    reading.refresh_from_db()
    assert (reading.value, reading.unit, reading.status) == (2.5, "kelvin", "pending")


def test_reading_add_through_the_service(admin_client):
    sensor = SensorFactory()
    response = admin_client.post(
        reverse("admin:sensors_sensordata_add"),
        {"sensor": sensor.pk, "value": "3.5", "unit": "celsius", "status": "invalid"},
    )
    assert response.status_code == 302
    reading = SensorData.objects.get()
    assert (reading.sensor_id, reading.value, reading.status) == (sensor.pk, 3.5, "invalid")


def test_reading_delete_through_the_service(admin_client):
    reading = SensorDataFactory()
    response = admin_client.post(
        reverse("admin:sensors_sensordata_delete", args=[reading.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not SensorData.objects.exists()


# --- units and sensors ----------------------------------------------------------------------------
def test_unit_change_page_shows_statistics_and_the_sensor_inline(admin_client):
    unit = UnitFactory(name="Data Center")
    SensorFactory(unit=unit, name="Rack temp", status="active")
    SensorFactory(unit=unit, name="Door motion", status="maintenance")
    SensorDataFactory.create_batch(3, sensor=unit.sensors.first())
    response = admin_client.get(reverse("admin:sensors_unit_change", args=[unit.pk]))
    assert response.status_code == 200
    assert "<th>Sensors</th><td>2</td>" in response.text
    assert "<th>Maintenance</th><td>1</td>" in response.text
    assert "<th>Readings</th><td>3</td>" in response.text
    assert "Rack temp" in response.text


def _unit_form(admin_client, unit: Unit, **changes) -> dict:
    response = admin_client.get(reverse("admin:sensors_unit_change", args=[unit.pk]))
    form = response.context["adminform"].form
    data = {name: form[name].value() or "" for name in ["name", "location", "description"]}
    [inline] = response.context["inline_admin_formsets"]
    formset = inline.formset
    for key, value in formset.management_form.initial.items():
        data[f"{formset.prefix}-{key}"] = value
    for index, inline_form in enumerate(formset.initial_forms):
        for name in ["id", "name", "sensor_type", "status", "description"]:
            value = inline_form[name].value()
            data[f"{formset.prefix}-{index}-{name}"] = "" if value is None else value
        data[f"{formset.prefix}-{index}-unit"] = unit.pk
    data.update(changes)
    return data


def test_unit_inline_edits_creates_and_deletes_through_the_services(admin_client):
    unit = UnitFactory()
    keep = SensorFactory(unit=unit, name="Keep")
    drop = SensorFactory(unit=unit, name="Drop")
    SensorDataFactory(sensor=drop)
    data = _unit_form(admin_client, unit, name="Renamed unit")
    index = {data[f"sensors-{i}-id"]: i for i in range(2)}
    data[f"sensors-{index[keep.pk]}-status"] = "maintenance"
    data[f"sensors-{index[drop.pk]}-DELETE"] = "on"
    data.update(
        {
            "sensors-TOTAL_FORMS": 3,
            "sensors-2-name": "New",
            "sensors-2-sensor_type": "light",
            "sensors-2-status": "active",
            "sensors-2-description": "",
            "sensors-2-unit": unit.pk,
        }
    )
    response = admin_client.post(reverse("admin:sensors_unit_change", args=[unit.pk]), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    unit.refresh_from_db()
    assert unit.name == "Renamed unit"
    assert dict(Sensor.objects.values_list("name", "status")) == {"Keep": "maintenance", "New": "active"}
    assert not SensorData.objects.exists()


def test_unit_add_and_delete_through_the_services(admin_client):
    response = admin_client.post(
        reverse("admin:sensors_unit_add"),
        {
            "name": "Office Building C",
            "location": "Building 2, All Floors",
            "description": "",
            "sensors-TOTAL_FORMS": 0,
            "sensors-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    unit = Unit.objects.get()
    SensorDataFactory(sensor=SensorFactory(unit=unit))
    response = admin_client.post(reverse("admin:sensors_unit_delete", args=[unit.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Unit.objects.exists() and not SensorData.objects.exists()


def test_sensor_changelist_filters(admin_client):
    SensorFactory(name="Lux 1", sensor_type="light", status="inactive")
    url = changelist("sensor")
    for params in ({"sensor_type__exact": "light"}, {"status__exact": "inactive"}, {"q": "lux"}):
        response = admin_client.get(url, params)
        assert response.status_code == 200
        assert "Lux 1" in response.text
    unit = Unit.objects.get()
    assert "Lux 1" in admin_client.get(url, {"unit__id__exact": unit.pk}).text


def test_sensor_save_through_the_service(admin_client):
    sensor = SensorFactory(name="Temp")
    url = reverse("admin:sensors_sensor_change", args=[sensor.pk])
    response = admin_client.post(
        url, {"name": "Temp 2", "sensor_type": "sound", "unit": sensor.unit_id, "status": "active"}
    )
    assert response.status_code == 302
    sensor.refresh_from_db()
    assert (sensor.name, sensor.sensor_type) == ("Temp 2", "sound")


def _perms(*members: SensorPermissions):
    return Permission.objects.filter(
        content_type__app_label="sensors", codename__in=[m.codename for m in members]
    )


@pytest.mark.postgres
def test_unfiltered_big_reading_list_takes_its_count_from_the_table_statistics(admin_client, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sensors import admin as sensors_admin

    SensorDataFactory.create_batch(7)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sensors_sensordata")
    monkeypatch.setattr(sensors_admin, "EXACT_COUNT_BELOW", 5)  # "big" from 5 rows on
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(changelist("sensordata"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 7
    sqls = [q["sql"] for q in queries.captured_queries]
    assert any("reltuples" in sql for sql in sqls)
    assert not any("COUNT(*)" in sql.upper() and "sensors_sensordata" in sql for sql in sqls)
    # Filtered, the count is exact.
    response = admin_client.get(changelist("sensordata"), {"status__exact": "pending"})
    assert response.context["cl"].result_count == 7
