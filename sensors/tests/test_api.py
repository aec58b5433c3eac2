"""Every line of the specification through APIClient: paging, ids, units, sensors, readings."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sensors.models import Sensor, SensorData, Unit
from sensors.tests.factories import SensorDataFactory, SensorFactory, UnitFactory

pytestmark = pytest.mark.django_db

UNITS, SENSORS, DATA = "/api/units/", "/api/sensors/", "/api/sensor-data/"


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()]


# --- paging ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [UNITS, SENSORS, DATA])
def test_lists_default_to_100_newest_first_with_ties_by_id_descending(superuser_client, url):
    now = timezone.now()
    unit = UnitFactory(created_at=now - timedelta(days=1))
    sensor = SensorFactory(unit=unit, created_at=now - timedelta(days=1))
    if url == UNITS:
        rows = [UnitFactory(created_at=now - timedelta(minutes=i // 2)) for i in range(103)]
    elif url == SENSORS:
        rows = [SensorFactory(unit=unit, created_at=now - timedelta(minutes=i // 2)) for i in range(103)]
    else:
        rows = [
            SensorDataFactory(sensor=sensor, timestamp=now - timedelta(minutes=i // 2)) for i in range(103)
        ]
    response = superuser_client.get(url)
    assert response.status_code == 200
    model = type(rows[0])
    key = "timestamp" if url == DATA else "created_at"
    expected = list(model.objects.order_by(f"-{key}", "-id").values_list("id", flat=True)[:100])
    assert ids(response) == expected
    # Pairs share a timestamp: the higher id of each pair comes first.
    assert ids(response)[:2] == sorted([rows[0].pk, rows[1].pk], reverse=True)
    assert response["X-Total-Count"] == str(model.objects.count())
    assert 'rel="next"' in response["Link"]


def test_skip_and_limit_page_through(superuser_client):
    units = [UnitFactory() for _ in range(5)]
    newest_first = [u.pk for u in sorted(units, key=lambda u: (u.created_at, u.pk), reverse=True)]
    response = superuser_client.get(UNITS, {"skip": 1, "limit": 2})
    assert response.status_code == 200
    assert ids(response) == newest_first[1:3]
    assert response["X-Total-Count"] == "5"


@pytest.mark.parametrize("url", [UNITS, SENSORS, DATA])
@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"skip": -1}, "skip"),
        ({"skip": "x"}, "skip"),
    ],
)
def test_bad_paging_is_400_naming_the_parameter(superuser_client, url, params, name):
    response = superuser_client.get(url, params)
    assert response.status_code == 400
    assert list(response.json()) == [name]


def test_limit_100_is_allowed(superuser_client):
    UnitFactory()
    assert superuser_client.get(UNITS, {"limit": 100, "skip": 0}).status_code == 200


# --- ids ------------------------------------------------------------------------------------------
def _id_requests(superuser_client, base: str, raw: str) -> list:
    responses = [
        superuser_client.get(f"{base}{raw}"),
        superuser_client.put(f"{base}{raw}", {}),
        superuser_client.delete(f"{base}{raw}"),
    ]
    if base == UNITS:
        responses.append(superuser_client.get(f"{base}{raw}/statistics"))
    if base == DATA:
        responses += [
            superuser_client.put(f"{base}{raw}/validate"),
            superuser_client.put(f"{base}{raw}/archive"),
        ]
    return responses


@pytest.mark.parametrize(
    ("base", "label"), [(UNITS, "Unit"), (SENSORS, "Sensor"), (DATA, "Data")], ids=["unit", "sensor", "data"]
)
@pytest.mark.parametrize("raw", ["0", "-1", "-42"])
def test_zero_or_negative_path_id_is_400_must_be_positive(superuser_client, base, label, raw):
    for response in _id_requests(superuser_client, base, raw):
        assert response.status_code == 400, response.request
        assert response.json() == {"detail": f"{label} ID must be positive"}


@pytest.mark.parametrize(
    ("base", "thing"),
    [(UNITS, "Unit"), (SENSORS, "Sensor"), (DATA, "Sensor data")],
    ids=["unit", "sensor", "data"],
)
def test_unknown_id_is_404_naming_it(superuser_client, base, thing):
    for response in _id_requests(superuser_client, base, "987654"):
        assert response.status_code == 404, response.request
        assert response.json() == {"detail": f"{thing} with id 987654 not found"}


@pytest.mark.parametrize("base", [UNITS, SENSORS, DATA])
@pytest.mark.parametrize("raw", ["abc", "1.5", "1e3", "9" * 30, "9" * 5000, "%C2%B2"])
def test_non_integer_or_impossible_id_is_404(superuser_client, base, raw):
    for response in _id_requests(superuser_client, base, raw):
        assert response.status_code == 404, response.request
        assert response.json()["detail"].endswith("not found")


@pytest.mark.parametrize(
    ("url", "param", "label"),
    [(SENSORS, "unit_id", "Unit"), (DATA, "sensor_id", "Sensor")],
)
def test_zero_or_negative_filter_id_is_400_must_be_positive(superuser_client, url, param, label):
    for raw in ("0", "-5"):
        response = superuser_client.get(url, {param: raw})
        assert response.status_code == 400
        assert response.json() == {"detail": f"{label} ID must be positive"}


@pytest.mark.parametrize(("url", "param"), [(SENSORS, "unit_id"), (DATA, "sensor_id")])
@pytest.mark.parametrize("raw", ["abc", "1.5", "9" * 30, "9" * 5000])
def test_non_integer_filter_id_is_400_naming_the_parameter(superuser_client, url, param, raw):
    response = superuser_client.get(url, {param: raw})
    assert response.status_code == 400
    assert list(response.json()) == [param]


@pytest.mark.parametrize("suffix", ["", "/"])
def test_paths_work_with_and_without_trailing_slash(superuser_client, sensor, suffix):
    reading = SensorDataFactory(sensor=sensor)
    assert superuser_client.get(f"/api/units{suffix}").status_code == 200
    assert superuser_client.get(f"/api/units/{sensor.unit_id}{suffix}").status_code == 200
    assert superuser_client.get(f"/api/units/{sensor.unit_id}/statistics{suffix}").status_code == 200
    assert superuser_client.get(f"/api/sensors{suffix}").status_code == 200
    assert superuser_client.get(f"/api/sensor-data{suffix}").status_code == 200
    assert superuser_client.put(f"/api/sensor-data/{reading.pk}/validate{suffix}").status_code == 200


# --- units ----------------------------------------------------------------------------------------
def test_create_unit_answers_201_with_the_unit(superuser_client):
    body = {"name": "Data Center", "location": "Building 4, Basement", "description": "Racks"}
    response = superuser_client.post(UNITS, body)
    assert response.status_code == 201
    data = response.json()
    assert set(data) == {"id", "name", "location", "description", "created_at"}
    unit = Unit.objects.get()
    assert data["id"] == unit.pk
    assert (data["name"], data["location"], data["description"]) == (
        "Data Center",
        "Building 4, Basement",
        "Racks",
    )
    assert datetime.fromisoformat(data["created_at"]) == unit.created_at


def test_create_unit_description_is_optional(superuser_client):
    response = superuser_client.post(UNITS, {"name": "Office Building C", "location": "Building 2"})
    assert response.status_code == 201
    assert response.json()["description"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"location": "B1"}, "name"),
        ({"name": "A"}, "location"),
        ({"name": "", "location": "B1"}, "name"),
        ({"name": "x" * 256, "location": "B1"}, "name"),
        ({"name": "A", "location": ""}, "location"),
        ({"name": "A", "location": "x" * 501}, "location"),
        ({"name": None, "location": "B1"}, "name"),
    ],
)
def test_create_unit_bad_fields_are_400_naming_them(superuser_client, body, field):
    response = superuser_client.post(UNITS, body)
    assert response.status_code == 400
    assert field in response.json()
    assert not Unit.objects.exists()


def test_create_unit_at_the_length_limits(superuser_client):
    response = superuser_client.post(UNITS, {"name": "x" * 255, "location": "y" * 500})
    assert response.status_code == 201


def test_get_unit(superuser_client, unit):
    response = superuser_client.get(f"{UNITS}{unit.pk}")
    assert response.status_code == 200
    assert response.json() == {
        "id": unit.pk,
        "name": "Factory A - Production Floor",
        "location": "Building 1, Floor 2",
        "description": None,
        "created_at": response.json()["created_at"],
    }
    assert datetime.fromisoformat(response.json()["created_at"]) == unit.created_at


def test_put_unit_changes_only_the_fields_sent(superuser_client, unit):
    response = superuser_client.put(f"{UNITS}{unit.pk}", {"location": "Building 1, Floor 3"})
    assert response.status_code == 200
    assert response.json()["location"] == "Building 1, Floor 3"
    assert response.json()["name"] == "Factory A - Production Floor"
    unit.refresh_from_db()
    assert (unit.name, unit.location) == ("Factory A - Production Floor", "Building 1, Floor 3")


def test_put_unit_empty_body_changes_nothing_and_answers_the_unit(superuser_client, unit):
    before = Unit.objects.filter(pk=unit.pk).values().get()
    response = superuser_client.put(f"{UNITS}{unit.pk}", {})
    assert response.status_code == 200
    assert response.json()["id"] == unit.pk
    assert response.json()["name"] == unit.name
    assert Unit.objects.filter(pk=unit.pk).values().get() == before


def test_put_unit_bad_field_is_400(superuser_client, unit):
    response = superuser_client.put(f"{UNITS}{unit.pk}", {"name": ""})
    assert response.status_code == 400
    assert "name" in response.json()


def test_delete_unit_removes_its_sensors_and_readings(superuser_client, unit):
    sensors = SensorFactory.create_batch(2, unit=unit)
    for sensor in sensors:
        SensorDataFactory.create_batch(3, sensor=sensor)
    other = SensorDataFactory()
    response = superuser_client.delete(f"{UNITS}{unit.pk}")
    assert response.status_code == 200
    assert response.json() == {
        "message": f"Unit with id {unit.pk} deleted successfully",
        "deleted_id": unit.pk,
    }
    assert list(Unit.objects.all()) == [other.sensor.unit]
    assert list(Sensor.objects.all()) == [other.sensor]
    assert list(SensorData.objects.all()) == [other]
    assert superuser_client.get(f"{UNITS}{unit.pk}").status_code == 404


# --- statistics -----------------------------------------------------------------------------------
def test_statistics_against_hand_computed_numbers(superuser_client, unit):
    active = SensorFactory(unit=unit, status="active")
    SensorFactory(unit=unit, status="active")
    maintenance = SensorFactory(unit=unit, status="maintenance")
    SensorFactory(unit=unit, status="inactive")
    SensorFactory(unit=unit, status="maintenance")
    latest = timezone.now() - timedelta(hours=1)
    SensorDataFactory(sensor=active, timestamp=latest - timedelta(days=2))
    SensorDataFactory(sensor=active, timestamp=latest - timedelta(minutes=5), status="archived")
    SensorDataFactory(sensor=maintenance, timestamp=latest)
    # Another unit's sensors and readings do not count.
    SensorDataFactory.create_batch(4, timestamp=timezone.now())

    response = superuser_client.get(f"{UNITS}{unit.pk}/statistics")
    assert response.status_code == 200
    body = response.json()
    assert datetime.fromisoformat(body.pop("latest_data_timestamp")) == latest
    assert body == {
        "unit_id": unit.pk,
        "unit_name": "Factory A - Production Floor",
        "total_sensors": 5,
        "active_sensors": 2,
        "inactive_sensors": 1,
        "maintenance_sensors": 2,
        "total_data_points": 3,
    }


def test_statistics_of_a_unit_without_readings(superuser_client, unit):
    SensorFactory(unit=unit, status="inactive")
    body = superuser_client.get(f"{UNITS}{unit.pk}/statistics").json()
    assert body == {
        "unit_id": unit.pk,
        "unit_name": unit.name,
        "total_sensors": 1,
        "active_sensors": 0,
        "inactive_sensors": 1,
        "maintenance_sensors": 0,
        "total_data_points": 0,
        "latest_data_timestamp": None,
    }


def test_statistics_of_an_empty_unit(superuser_client, unit):
    body = superuser_client.get(f"{UNITS}{unit.pk}/statistics").json()
    assert (body["total_sensors"], body["total_data_points"], body["latest_data_timestamp"]) == (0, 0, None)


# --- sensors --------------------------------------------------------------------------------------
def test_create_sensor_answers_201(superuser_client, unit):
    body = {"name": "Temp 1", "sensor_type": "temperature", "unit_id": unit.pk, "description": "Line 1"}
    response = superuser_client.post(SENSORS, body)
    assert response.status_code == 201
    data = response.json()
    sensor = Sensor.objects.get()
    assert data["id"] == sensor.pk
    assert datetime.fromisoformat(data["created_at"]) == sensor.created_at
    assert {k: data[k] for k in ("name", "sensor_type", "unit_id", "status", "description")} == {
        "name": "Temp 1",
        "sensor_type": "temperature",
        "unit_id": unit.pk,
        "status": "active",
        "description": "Line 1",
    }


@pytest.mark.parametrize("sensor_type", ["temperature", "humidity", "pressure", "motion", "light", "sound"])
@pytest.mark.parametrize("status", ["active", "inactive", "maintenance"])
def test_every_sensor_type_and_status_is_accepted(superuser_client, unit, sensor_type, status):
    body = {"name": "S", "sensor_type": sensor_type, "unit_id": unit.pk, "status": status}
    response = superuser_client.post(SENSORS, body)
    assert response.status_code == 201
    assert (response.json()["sensor_type"], response.json()["status"]) == (sensor_type, status)


def test_create_sensor_in_unknown_unit_is_404(superuser_client):
    response = superuser_client.post(SENSORS, {"name": "S", "sensor_type": "light", "unit_id": 4242})
    assert response.status_code == 404
    assert response.json() == {"detail": "Unit with id 4242 not found"}
    assert not Sensor.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sensor_type": "radiation"}, "sensor_type"),
        ({"status": "broken"}, "status"),
        ({"name": ""}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"unit_id": "abc"}, "unit_id"),
        ({"unit_id": None}, "unit_id"),
    ],
)
def test_create_sensor_bad_fields_are_400(superuser_client, unit, changes, field):
    body = {"name": "S", "sensor_type": "light", "unit_id": unit.pk, **changes}
    response = superuser_client.post(SENSORS, body)
    assert response.status_code == 400
    assert field in response.json()
    assert not Sensor.objects.exists()


def test_create_sensor_with_zero_unit_id_is_400_must_be_positive(superuser_client):
    response = superuser_client.post(SENSORS, {"name": "S", "sensor_type": "light", "unit_id": 0})
    assert response.status_code == 400
    assert response.json() == {"unit_id": ["Unit ID must be positive"]}


def test_sensor_list_filters_by_unit(superuser_client, unit):
    mine = SensorFactory.create_batch(2, unit=unit)
    SensorFactory()
    response = superuser_client.get(SENSORS, {"unit_id": unit.pk})
    assert sorted(ids(response)) == sorted(s.pk for s in mine)
    assert response["X-Total-Count"] == "2"
    assert superuser_client.get(SENSORS, {"unit_id": 99999}).json() == []


def test_put_sensor_changes_the_fields_sent(superuser_client, sensor):
    other_unit = UnitFactory()
    body = {
        "name": "Renamed",
        "sensor_type": "humidity",
        "status": "maintenance",
        "description": "moved",
        "unit_id": other_unit.pk,
    }
    response = superuser_client.put(f"{SENSORS}{sensor.pk}", body)
    assert response.status_code == 200
    assert {k: response.json()[k] for k in body} == body
    sensor.refresh_from_db()
    assert (sensor.name, sensor.sensor_type, sensor.status, sensor.description, sensor.unit_id) == (
        "Renamed",
        "humidity",
        "maintenance",
        "moved",
        other_unit.pk,
    )


def test_put_sensor_one_field_leaves_the_others(superuser_client, sensor):
    response = superuser_client.put(f"{SENSORS}{sensor.pk}", {"status": "inactive"})
    assert response.status_code == 200
    sensor.refresh_from_db()
    assert (sensor.name, sensor.status, sensor.sensor_type) == ("Temp 1", "inactive", "temperature")


def test_put_sensor_to_unknown_unit_is_404_and_changes_nothing(superuser_client, sensor):
    response = superuser_client.put(f"{SENSORS}{sensor.pk}", {"unit_id": 5555, "name": "x"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Unit with id 5555 not found"}
    sensor.refresh_from_db()
    assert sensor.name == "Temp 1"


def test_put_sensor_bad_status_is_400(superuser_client, sensor):
    assert superuser_client.put(f"{SENSORS}{sensor.pk}", {"status": "exploded"}).status_code == 400


def test_delete_sensor_removes_its_readings(superuser_client, sensor):
    SensorDataFactory.create_batch(3, sensor=sensor)
    kept = SensorDataFactory()
    response = superuser_client.delete(f"{SENSORS}{sensor.pk}")
    assert response.status_code == 200
    assert response.json() == {
        "message": f"Sensor with id {sensor.pk} deleted successfully",
        "deleted_id": sensor.pk,
    }
    assert list(SensorData.objects.all()) == [kept]
    assert Unit.objects.filter(pk=sensor.unit_id).exists()


# --- readings -------------------------------------------------------------------------------------
def test_create_reading_answers_201_with_a_server_timestamp(superuser_client, sensor):
    before = timezone.now()
    response = superuser_client.post(
        DATA,
        {"sensor_id": sensor.pk, "value": 23.5, "unit": "celsius", "timestamp": "2000-01-01T00:00:00Z"},
    )
    assert response.status_code == 201
    body = response.json()
    reading = SensorData.objects.get()
    assert set(body) == {"id", "sensor_id", "value", "unit", "status", "timestamp"}
    assert (body["id"], body["sensor_id"], body["value"], body["unit"], body["status"]) == (
        reading.pk,
        sensor.pk,
        23.5,
        "celsius",
        "pending",
    )
    assert before <= datetime.fromisoformat(body["timestamp"]) <= timezone.now()


def test_create_reading_unit_is_optional_and_status_may_be_given(superuser_client, sensor):
    response = superuser_client.post(DATA, {"sensor_id": sensor.pk, "value": -3, "status": "invalid"})
    assert response.status_code == 201
    assert (response.json()["unit"], response.json()["status"], response.json()["value"]) == (
        None,
        "invalid",
        -3.0,
    )


def test_create_reading_of_unknown_sensor_is_404(superuser_client):
    response = superuser_client.post(DATA, {"sensor_id": 777, "value": 1})
    assert response.status_code == 404
    assert response.json() == {"detail": "Sensor with id 777 not found"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"value": "NaN"}, "value"),
        ({"value": "Infinity"}, "value"),
        ({"value": "-inf"}, "value"),
        ({"value": "warm"}, "value"),
        ({"value": True}, "value"),
        ({"value": None}, "value"),
        ({"status": "lost"}, "status"),
        ({"sensor_id": "x"}, "sensor_id"),
        ({"sensor_id": 0}, "sensor_id"),
        ({"unit": "u" * 51}, "unit"),
    ],
)
def test_create_reading_bad_fields_are_400(superuser_client, sensor, changes, field):
    response = superuser_client.post(DATA, {"sensor_id": sensor.pk, "value": 1.0, **changes})
    assert response.status_code == 400
    assert field in response.json()
    assert not SensorData.objects.exists()


def test_create_reading_missing_value_is_400(superuser_client, sensor):
    response = superuser_client.post(DATA, {"sensor_id": sensor.pk})
    assert response.status_code == 400
    assert "value" in response.json()


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_create_reading_with_a_non_finite_json_number_is_400(superuser_client, sensor, raw):
    response = superuser_client.generic(
        "POST", DATA, f'{{"sensor_id": {sensor.pk}, "value": {raw}}}', content_type="application/json"
    )
    assert response.status_code == 400
    assert not SensorData.objects.exists()


def test_reading_list_filters_combine_newest_first(superuser_client, sensor):
    other = SensorFactory(unit=sensor.unit)
    now = timezone.now()
    wanted = [
        SensorDataFactory(sensor=sensor, status="validated", timestamp=now - timedelta(minutes=m))
        for m in (5, 1, 3)
    ]
    SensorDataFactory(sensor=sensor, status="pending")
    SensorDataFactory(sensor=other, status="validated")
    response = superuser_client.get(DATA, {"sensor_id": sensor.pk, "status": "validated"})
    assert response.status_code == 200
    assert ids(response) == [wanted[1].pk, wanted[2].pk, wanted[0].pk]
    assert response["X-Total-Count"] == "3"
    assert len(superuser_client.get(DATA, {"sensor_id": sensor.pk}).json()) == 4
    assert len(superuser_client.get(DATA, {"status": "validated"}).json()) == 4


def test_reading_list_unknown_status_is_400(superuser_client):
    response = superuser_client.get(DATA, {"status": "lost"})
    assert response.status_code == 400
    assert list(response.json()) == ["status"]


def test_reading_list_items_have_the_contract_fields(superuser_client, sensor):
    reading = SensorDataFactory(sensor=sensor, value=12.25, unit="celsius")
    [item] = superuser_client.get(DATA).json()
    assert set(item) == {"id", "sensor_id", "value", "unit", "status", "timestamp"}
    assert (item["id"], item["sensor_id"], item["value"], item["unit"], item["status"]) == (
        reading.pk,
        sensor.pk,
        12.25,
        "celsius",
        "pending",
    )
    assert datetime.fromisoformat(item["timestamp"]) == reading.timestamp


def test_with_details_adds_sensor_and_unit_names(superuser_client, sensor):
    SensorDataFactory(sensor=sensor)
    [item] = superuser_client.get(DATA, {"with_details": "true"}).json()
    assert (item["sensor_name"], item["sensor_type"], item["unit_name"]) == (
        "Temp 1",
        "temperature",
        "Factory A - Production Floor",
    )
    [plain] = superuser_client.get(DATA, {"with_details": "false"}).json()
    assert "sensor_name" not in plain


def test_with_details_bad_value_is_400(superuser_client):
    response = superuser_client.get(DATA, {"with_details": "maybe"})
    assert response.status_code == 400
    assert list(response.json()) == ["with_details"]


def test_get_reading(superuser_client, sensor):
    reading = SensorDataFactory(sensor=sensor, value=7.5)
    body = superuser_client.get(f"{DATA}{reading.pk}").json()
    assert (body["id"], body["value"], body["sensor_id"]) == (reading.pk, 7.5, sensor.pk)


def test_put_reading_changes_value_and_unit(superuser_client, sensor):
    reading = SensorDataFactory(sensor=sensor, value=1.0, unit="celsius")
    response = superuser_client.put(f"{DATA}{reading.pk}", {"value": 2.5})
    assert response.status_code == 200
    assert (response.json()["value"], response.json()["unit"]) == (2.5, "celsius")
    response = superuser_client.put(f"{DATA}{reading.pk}", {"unit": "kelvin"})
    assert (response.json()["value"], response.json()["unit"]) == (2.5, "kelvin")
    reading.refresh_from_db()
    assert (reading.value, reading.unit, reading.status) == (2.5, "kelvin", "pending")


def test_put_reading_cannot_change_the_status(superuser_client, sensor):
    reading = SensorDataFactory(sensor=sensor, status="pending")
    response = superuser_client.put(f"{DATA}{reading.pk}", {"status": "validated", "value": 3})
    assert response.status_code == 400
    assert list(response.json()) == ["status"]
    reading.refresh_from_db()
    assert (reading.status, reading.value) == ("pending", 21.5)


def test_put_reading_bad_value_is_400(superuser_client, sensor):
    reading = SensorDataFactory(sensor=sensor)
    assert superuser_client.put(f"{DATA}{reading.pk}", {"value": "NaN"}).status_code == 400


def test_delete_reading(superuser_client, sensor):
    reading = SensorDataFactory(sensor=sensor)
    response = superuser_client.delete(f"{DATA}{reading.pk}")
    assert response.status_code == 200
    assert response.json() == {
        "message": f"Sensor data with id {reading.pk} deleted successfully",
        "deleted_id": reading.pk,
    }
    assert not SensorData.objects.exists()


# --- workflow through the API ---------------------------------------------------------------------
WORKFLOW = [
    ("validate", "pending", 200, "validated"),
    ("validate", "invalid", 200, "validated"),
    ("validate", "validated", 409, "Sensor data {id} is already validated"),
    ("validate", "archived", 409, "Cannot validate archived sensor data {id}"),
    ("archive", "pending", 200, "archived"),
    ("archive", "invalid", 200, "archived"),
    ("archive", "validated", 200, "archived"),
    ("archive", "archived", 409, "Sensor data {id} is already archived"),
]


@pytest.mark.parametrize(("action", "start", "code", "outcome"), WORKFLOW)
def test_workflow_table(superuser_client, sensor, action, start, code, outcome):
    reading = SensorDataFactory(sensor=sensor, status=start)
    response = superuser_client.put(reverse(f"sensordata-{action}", args=[reading.pk]))
    assert response.status_code == code
    reading.refresh_from_db()
    if code == 200:
        body = response.json()
        assert (body["id"], body["status"]) == (reading.pk, outcome)
        assert set(body) == {"id", "sensor_id", "value", "unit", "status", "timestamp"}
        assert reading.status == outcome
    else:
        assert response.json() == {"detail": outcome.format(id=reading.pk)}
        assert reading.status == start


def test_validate_then_validate_again_is_409(superuser_client, sensor):
    reading = SensorDataFactory(sensor=sensor)
    url = reverse("sensordata-validate", args=[reading.pk])
    assert superuser_client.put(url).status_code == 200
    second = superuser_client.put(url)
    assert second.status_code == 409
    assert second.json() == {"detail": f"Sensor data {reading.pk} is already validated"}


# --- the browsable API ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/api/units/",
        "/api/units/{unit}",
        "/api/units/{unit}/statistics",
        "/api/sensors/",
        "/api/sensors/{sensor}",
        "/api/sensor-data/?with_details=true",
        "/api/sensor-data/{reading}",
    ],
)
def test_browsable_api_pages_render(superuser_client, sensor, path):
    reading = SensorDataFactory(sensor=sensor)
    url = path.format(unit=sensor.unit_id, sensor=sensor.pk, reading=reading.pk)
    response = superuser_client.get(url, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Facility Operations API" in response.content.decode()
