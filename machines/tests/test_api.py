"""Every line of the machines API specification, through APIClient."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from machines.models import Machine, SensorReading, SystemConfigChange
from machines.tests.factories import MachineFactory

CREATE = reverse("machines-create")
LIST = reverse("machines-list")
INGEST = reverse("machines-ingest")
CONFIG = reverse("machines-config")
CONFIG_UPDATE = reverse("machines-config-update")


def history(machine_id) -> str:
    return reverse("machines-history", kwargs={"machine_id": machine_id})


def ingest_body(*items, gateway="gw-01") -> dict:
    return {"gateway_id": gateway, "timestamp": "2026-03-01T10:00:00Z", "batch": list(items)}


def item(machine_id, *readings, sensor_type="Temperature", location="Zone A") -> dict:
    return {
        "machine_id": str(machine_id),
        "sensor_type": sensor_type,
        "location": location,
        "readings": list(readings) or [{"timestamp": "2026-03-01T10:00:00Z", "temperature": 70.5}],
    }


# --- registry -----------------------------------------------------------------------------------
class TestCreate:
    body = {"name": "Press-9", "location": "Floor 3", "sensor_type": "Pressure"}

    def test_creates_with_default_status(self, supervisor_client):
        response = supervisor_client.post(CREATE, self.body)
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["status"] == "success"
        assert data["message"] == "Machine created successfully"
        machine = Machine.objects.get(pk=data["machine_id"])
        assert (machine.name, machine.status) == ("Press-9", "active")

    def test_path_without_slash_and_with(self, supervisor_client):
        assert supervisor_client.post("/api/v1/data/machine/", self.body).status_code == 201
        assert supervisor_client.post("/api/v1/data/machine", {**self.body, "name": "x2"}).status_code == 201

    def test_duplicate_name_is_409(self, supervisor_client, machine):
        response = supervisor_client.post(CREATE, {**self.body, "name": machine.name})
        assert response.status_code == 409
        body = response.json()
        assert body["detail"] == f"Machine with name {machine.name} already exists"
        assert body["status"] == "error"
        assert body["message"] == body["detail"]

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"status": "broken"}, "status"),
            ({"name": ""}, "name"),
            ({"name": "x" * 256}, "name"),
            ({"location": "x" * 501}, "location"),
            ({"sensor_type": "x" * 101}, "sensor_type"),
        ],
    )
    def test_bad_field_is_400_naming_it(self, supervisor_client, change, field):
        response = supervisor_client.post(CREATE, {**self.body, **change})
        assert response.status_code == 400
        body = response.json()
        assert body["detail"] == "Validation failed"
        assert body["status"] == "error"
        assert field in [e["field"] for e in body["errors"]]
        assert not Machine.objects.filter(name="Press-9").exists()

    def test_unknown_keys_are_ignored(self, supervisor_client):
        response = supervisor_client.post(CREATE, {**self.body, "colour": "red"})
        assert response.status_code == 201
        assert Machine.objects.filter(name="Press-9").exists()

    def test_missing_field_is_400(self, supervisor_client):
        response = supervisor_client.post(CREATE, {"name": "n"})
        assert response.status_code == 400
        assert {e["field"] for e in response.json()["errors"]} == {"location", "sensor_type"}

    def test_malformed_json_is_400(self, supervisor_client):
        response = supervisor_client.generic("POST", CREATE, "{not json", content_type="application/json")
        assert response.status_code == 400
        assert response.json()["status"] == "error"

    def test_operator_is_403_anonymous_401(self, operator_client, api_client):
        assert operator_client.post(CREATE, self.body).status_code == 403
        response = api_client.post(CREATE, self.body)
        assert response.status_code == 401
        assert response.json()["status"] == "error"
        assert not Machine.objects.exists()


class TestList:
    @pytest.fixture
    def fleet(self, db):
        return [
            MachineFactory(name="B", location="L1", sensor_type="Temperature"),
            MachineFactory(name="A", location="L1", sensor_type="Pressure", status="maintenance"),
            MachineFactory(name="C", location="L2", sensor_type="Temperature", status="error"),
        ]

    def test_envelope_ordered_by_name(self, operator_client, fleet):
        response = operator_client.get(LIST)
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "success"
        assert body["count"] == 3
        assert [m["name"] for m in body["machines"]] == ["A", "B", "C"]
        assert set(body["machines"][0]) == {"machine_id", "name", "location", "sensor_type", "status"}
        assert body["pagination"] == {"total_records": 3, "limit": 100, "offset": 0, "has_more": False}

    def test_filters_combine_with_and(self, operator_client, fleet):
        body = operator_client.get(LIST, {"location": "L1", "sensor_type": "Temperature"}).json()
        assert [m["name"] for m in body["machines"]] == ["B"]
        assert operator_client.get(LIST, {"status": "error"}).json()["machines"][0]["name"] == "C"
        assert operator_client.get(LIST, {"location": "l1"}).json()["count"] == 0

    def test_paging(self, operator_client, fleet):
        body = operator_client.get(LIST, {"limit": 2, "offset": 1}).json()
        assert [m["name"] for m in body["machines"]] == ["B", "C"]
        assert body["pagination"] == {"total_records": 3, "limit": 2, "offset": 1, "has_more": False}
        first = operator_client.get(LIST, {"limit": 1}).json()
        assert first["pagination"]["has_more"] is True
        assert first["pagination"]["total_records"] == 3
        beyond = operator_client.get(LIST, {"offset": 10}).json()
        assert beyond["count"] == 0
        assert beyond["pagination"]["total_records"] == 3

    @pytest.mark.parametrize(
        "params", [{"limit": 0}, {"limit": 1001}, {"limit": "x"}, {"offset": -1}, {"status": "on"}]
    )
    def test_bad_parameters_are_400(self, operator_client, params):
        response = operator_client.get(LIST, params)
        assert response.status_code == 400
        body = response.json()
        assert body["detail"] == "Invalid query parameters"
        assert [e["parameter"] for e in body["errors"]] == list(params)

    def test_every_role_reads_but_not_no_role(self, auth_client, reader, operator, manager, api_client):
        assert auth_client(operator).get(LIST).status_code == 200
        assert auth_client(manager).get(LIST).status_code == 200
        assert auth_client(reader).get(LIST).status_code == 403
        assert api_client.get(LIST).status_code == 401


# --- ingest -------------------------------------------------------------------------------------
class TestIngest:
    def test_all_known_is_201(self, supervisor_client, machine):
        other = MachineFactory()
        body = ingest_body(
            item(
                machine.pk,
                {"timestamp": "2026-03-01T10:00:00Z", "temperature": 70.5, "pressure": 101.0},
                {"timestamp": "2026-03-01T10:00:01+07:00", "speed": 1200},
            ),
            item(other.pk),
        )
        response = supervisor_client.post(INGEST, body)
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["status"] == "success"
        assert data["message"] == "Batch ingestion completed"
        assert data["summary"]["total_machines"] == 2
        assert data["summary"]["total_readings"] == 3
        assert data["summary"]["gateway_id"] == "gw-01"
        assert data["summary"]["processed_at"].endswith("Z")
        assert data["details"] == [
            {"machine_id": str(machine.pk), "readings_count": 2, "status": "success"},
            {"machine_id": str(other.pk), "readings_count": 1, "status": "success"},
        ]
        assert "errors" not in data
        stored = SensorReading.objects.get(machine=machine, speed=1200)
        assert stored.timestamp == datetime(2026, 3, 1, 3, 0, 1, tzinfo=UTC)
        # The location is the machine record's, not the one the client sent (issue 15, finding 14).
        assert (stored.location, stored.sensor_type) == (machine.location, "Temperature")
        assert SensorReading.objects.count() == 3

    def test_some_unknown_is_207(self, supervisor_client, machine):
        ghost = uuid.uuid4()
        response = supervisor_client.post(INGEST, ingest_body(item(ghost), item(machine.pk)))
        assert response.status_code == 207
        data = response.json()
        assert data["status"] == "partial_success"
        assert data["summary"]["total_readings"] == 1
        assert data["details"][0] == {"machine_id": str(ghost), "readings_count": 0, "status": "failed"}
        assert data["errors"] == [
            {"field": "batch[0].machine_id", "error": "Machine ID not found in database", "value": str(ghost)}
        ]
        assert SensorReading.objects.count() == 1

    def test_all_unknown_is_400(self, supervisor_client, db):
        ghost = uuid.uuid4()
        response = supervisor_client.post(INGEST, ingest_body(item(ghost)))
        assert response.status_code == 400
        data = response.json()
        assert data["detail"] == "Batch ingestion failed"
        assert data["status"] == "error"
        assert data["errors"][0]["field"] == "batch[0].machine_id"
        assert not SensorReading.objects.exists()

    def test_one_machine_lookup_and_one_write(
        self, supervisor_client, machine, django_assert_max_num_queries
    ):
        others = [MachineFactory() for _ in range(3)]
        readings = [{"timestamp": f"2026-03-01T10:00:{s:02d}Z", "temperature": 50.0} for s in range(50)]
        body = ingest_body(*[item(m.pk, *readings) for m in [machine, *others]])
        with django_assert_max_num_queries(10) as captured:
            assert supervisor_client.post(INGEST, body).status_code == 201
        sqls = [q["sql"] for q in captured.captured_queries]
        assert len([q for q in sqls if '"machines_machine"' in q]) == 1
        assert len([q for q in sqls if "INSERT INTO machines_sensorreading" in q]) == 1
        # The store's statements do not grow with the readings (PostgreSQL adds two for the rollup).
        assert len([q for q in sqls if "machines_sensor" in q]) <= 3
        assert SensorReading.objects.count() == 200

    def test_repeated_reading_overwrites(self, supervisor_client, machine):
        first = {"timestamp": "2026-03-01T10:00:00Z", "temperature": 1.0}
        again = {"timestamp": "2026-03-01T10:00:00.000Z", "temperature": 2.0}
        supervisor_client.post(INGEST, ingest_body(item(machine.pk, first)))
        supervisor_client.post(INGEST, ingest_body(item(machine.pk, again)))
        assert list(SensorReading.objects.values_list("temperature", flat=True)) == [2.0]

    @pytest.mark.parametrize(
        ("reading", "path", "error"),
        [
            ({"temperature": 1.0}, "batch.0.readings.0.timestamp", "This field is required"),
            ({"timestamp": "yesterday", "speed": 1}, "batch.0.readings.0.timestamp", "Must be an ISO 8601"),
            ({"timestamp": "2026-03-01T10:00:00Z"}, "batch.0.readings.0", "At least one"),
            (
                {"timestamp": "2026-03-01T10:00:00Z", "temperature": None, "speed": None},
                "batch.0.readings.0",
                "At least one",
            ),
            (
                {"timestamp": "2026-03-01T10:00:00Z", "temperature": -274},
                "batch.0.readings.0.temperature",
                "between",
            ),
            (
                {"timestamp": "2026-03-01T10:00:00Z", "temperature": 1000.01},
                "batch.0.readings.0.temperature",
                "betw",
            ),
            (
                {"timestamp": "2026-03-01T10:00:00Z", "pressure": -0.1},
                "batch.0.readings.0.pressure",
                "between",
            ),
            (
                {"timestamp": "2026-03-01T10:00:00Z", "pressure": 10001},
                "batch.0.readings.0.pressure",
                "between",
            ),
            ({"timestamp": "2026-03-01T10:00:00Z", "speed": 100001}, "batch.0.readings.0.speed", "between"),
            ({"timestamp": "2026-03-01T10:00:00Z", "speed": "fast"}, "batch.0.readings.0.speed", "number"),
            ({"timestamp": "2026-03-01T10:00:00Z", "speed": True}, "batch.0.readings.0.speed", "number"),
        ],
    )
    def test_reading_errors_name_their_path(self, supervisor_client, machine, reading, path, error):
        response = supervisor_client.post(INGEST, ingest_body(item(machine.pk, reading)))
        assert response.status_code == 400
        body = response.json()
        assert body["detail"] == body["message"] == "Validation failed"
        assert body["errors"][0]["field"] == path
        assert error in body["errors"][0]["error"]
        assert not SensorReading.objects.exists()

    def test_every_bad_field_reported_together(self, supervisor_client, machine):
        body = {
            "gateway_id": "",
            "batch": [
                {"machine_id": "nope", "sensor_type": "", "location": "x" * 501, "readings": []},
                item(machine.pk, {"timestamp": "2026-03-01T10:00:00Z", "pressure": 10001}),
            ],
        }
        errors = supervisor_client.post(INGEST, body).json()["errors"]
        assert [e["field"] for e in errors] == [
            "gateway_id",
            "timestamp",
            "batch.0.machine_id",
            "batch.0.sensor_type",
            "batch.0.location",
            "batch.0.readings",
            "batch.1.readings.0.pressure",
        ]
        assert errors[2]["value"] == "nope"
        assert errors[6]["value"] == 10001

    @pytest.mark.parametrize("batch", [[], [{}] * 1001, "x", None])
    def test_batch_size_and_type(self, supervisor_client, db, batch):
        body = {"gateway_id": "g", "timestamp": "2026-03-01T10:00:00Z"}
        if batch is not None:
            body["batch"] = batch
        response = supervisor_client.post(INGEST, body)
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "batch"

    def test_body_must_be_an_object(self, supervisor_client, db):
        response = supervisor_client.post(INGEST, [1, 2], format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "body"

    def test_malformed_json_is_400(self, supervisor_client, db):
        response = supervisor_client.generic("POST", INGEST, '{"batch": [', content_type="application/json")
        assert response.status_code == 400
        assert response.json()["status"] == "error"

    def test_store_down_is_503_and_reports_nothing_stored(self, supervisor_client, machine, monkeypatch):
        from machines.exceptions import StoreUnavailable
        from machines.timeseries.sql import SQLStore

        def refuse(self, points):
            raise StoreUnavailable()

        monkeypatch.setattr(SQLStore, "write", refuse)
        response = supervisor_client.post(INGEST, ingest_body(item(machine.pk)))
        assert response.status_code == 503
        body = response.json()
        assert body["detail"] == "Time-series store unavailable"
        assert "summary" not in body

    def test_roles(self, auth_client, reader, operator, api_client, machine):
        assert auth_client(reader).post(INGEST, ingest_body(item(machine.pk))).status_code == 403
        assert auth_client(operator).post(INGEST, ingest_body(item(machine.pk))).status_code == 403
        assert api_client.post(INGEST, ingest_body(item(machine.pk))).status_code == 401


# --- history ------------------------------------------------------------------------------------
class TestHistory:
    @pytest.fixture
    def readings(self, machine):
        from machines.timeseries import Point, get_store

        base = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
        get_store().write(
            [
                Point(machine.pk, base + timedelta(seconds=s), "T", "Z", temperature=float(s), speed=2.0 * s)
                for s in (0, 30, 60, 90, 150)
            ]
        )
        return machine

    def test_raw_in_ascending_time(self, operator_client, readings):
        response = operator_client.get(
            history(readings.pk),
            {
                "start_time": "2026-03-01T10:00:00Z",
                "end_time": "2026-03-01T11:00:00Z",
                "fields": "temperature",
            },
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == "success"
        assert body["machine"] == {
            "machine_id": str(readings.pk),
            "name": readings.name,
            "location": readings.location,
            "sensor_type": readings.sensor_type,
        }
        assert body["query"] == {
            "start_time": "2026-03-01T10:00:00Z",
            "end_time": "2026-03-01T11:00:00Z",
            "interval": "raw",
            "fields": ["temperature"],
        }
        assert body["data"][:2] == [
            {"timestamp": "2026-03-01T10:00:00Z", "temperature": 0.0},
            {"timestamp": "2026-03-01T10:00:30Z", "temperature": 30.0},
        ]
        assert body["pagination"] == {
            "total_records": 5,
            "returned_records": 5,
            "limit": 1000,
            "offset": 0,
            "has_more": False,
        }

    def test_offset_start_converted_to_utc_and_end_defaults_to_now(self, operator_client, readings):
        body = operator_client.get(history(readings.pk), {"start_time": "2026-03-01T17:01:00+07:00"}).json()
        assert body["query"]["start_time"] == "2026-03-01T10:01:00Z"
        assert body["query"]["fields"] == ["temperature", "pressure", "speed"]
        assert [d["timestamp"] for d in body["data"]] == [
            "2026-03-01T10:01:00Z",
            "2026-03-01T10:01:30Z",
            "2026-03-01T10:02:30Z",
        ]
        assert body["data"][0] == {"timestamp": "2026-03-01T10:01:00Z", "temperature": 60.0, "speed": 120.0}

    def test_aggregated_means_per_window(self, operator_client, readings):
        body = operator_client.get(
            history(readings.pk), {"start_time": "2026-03-01T10:00:00Z", "interval": "1m", "fields": "speed"}
        ).json()
        assert body["data"] == [
            {"timestamp": "2026-03-01T10:00:00Z", "speed": 30.0},
            {"timestamp": "2026-03-01T10:01:00Z", "speed": 150.0},
            {"timestamp": "2026-03-01T10:02:00Z", "speed": 300.0},
        ]
        paged = operator_client.get(
            history(readings.pk),
            {"start_time": "2026-03-01T10:00:00Z", "interval": "5m", "limit": 1, "offset": 0},
        ).json()
        assert paged["data"] == [{"timestamp": "2026-03-01T10:00:00Z", "temperature": 66.0, "speed": 132.0}]
        assert paged["pagination"]["has_more"] is False

    def test_paging(self, operator_client, readings):
        body = operator_client.get(
            history(readings.pk), {"start_time": "2026-03-01T10:00:00Z", "limit": 2, "offset": 2}
        ).json()
        assert [d["temperature"] for d in body["data"]] == [60.0, 90.0]
        assert body["pagination"] == {
            "total_records": 5,
            "returned_records": 2,
            "limit": 2,
            "offset": 2,
            "has_more": True,
        }

    def test_non_uuid_is_400_before_parameters(self, operator_client, db):
        response = operator_client.get(history("not-a-uuid"), {"interval": "7m"})
        assert response.status_code == 400
        assert response.json()["detail"] == "Invalid machine ID format"

    def test_unknown_machine_is_404(self, operator_client, db):
        response = operator_client.get(history(uuid.uuid4()), {"start_time": "2026-03-01T10:00:00Z"})
        assert response.status_code == 404
        assert response.json()["detail"] == response.json()["message"] == "Machine not found"

    def test_every_parameter_error_at_once(self, operator_client, machine):
        response = operator_client.get(
            history(machine.pk),
            {
                "end_time": "soon",
                "interval": "2m",
                "fields": "temperature,humidity",
                "limit": 0,
                "offset": -1,
            },
        )
        assert response.status_code == 400
        body = response.json()
        assert body["detail"] == "Invalid query parameters"
        assert [e["parameter"] for e in body["errors"]] == [
            "start_time",
            "end_time",
            "interval",
            "fields",
            "limit",
            "offset",
        ]
        fields_error = body["errors"][3]
        assert (
            fields_error["error"] == "Invalid fields: humidity. Must be one of: temperature, pressure, speed"
        )
        assert fields_error["value"] == "temperature,humidity"

    @pytest.mark.parametrize(
        ("params", "parameter"),
        [
            ({"start_time": "2026-03-02T00:00:00Z", "end_time": "2026-03-01T00:00:00Z"}, "start_time"),
            ({"start_time": "2026-03-01", "limit": 10001}, "limit"),
            ({"start_time": "2026-03-01", "limit": "ten"}, "limit"),
            ({"start_time": "2026-03-01", "offset": "1.5"}, "offset"),
            ({"start_time": "03/01/2026"}, "start_time"),
        ],
    )
    def test_single_parameter_errors(self, operator_client, machine, params, parameter):
        response = operator_client.get(history(machine.pk), params)
        assert response.status_code == 400
        assert [e["parameter"] for e in response.json()["errors"]] == [parameter]

    def test_fields_all_and_limit_max(self, operator_client, readings):
        response = operator_client.get(
            history(readings.pk), {"start_time": "2026-03-01T10:00:00Z", "fields": "all", "limit": 10000}
        )
        assert response.status_code == 200
        assert response.json()["query"]["fields"] == ["temperature", "pressure", "speed"]

    def test_roles(self, auth_client, reader, api_client, machine):
        params = {"start_time": "2026-03-01T10:00:00Z"}
        assert auth_client(reader).get(history(machine.pk), params).status_code == 403
        assert api_client.get(history(machine.pk), params).status_code == 401


# --- config -------------------------------------------------------------------------------------
class TestConfig:
    def test_defaults_from_the_migration(self, manager_client, manager):
        response = manager_client.get(CONFIG)
        assert response.status_code == 200
        assert response.json() == {
            "status": "success",
            "config": {
                "alert_email": "alerts@factory.com",
                "data_retention_days": "365",
                "max_pressure_threshold": "150.0",
                "max_temperature_threshold": "80.0",
                "min_temperature_threshold": "0.0",  # machines 0007 (threshold alerts)
            },
            "accessed_by": manager.username,
        }

    def test_update_existing_is_recorded(self, manager_client, manager):
        response = manager_client.post(
            CONFIG_UPDATE, {"setting_name": "max_temperature_threshold", "setting_value": "85.5"}
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == "success"
        assert body["message"] == "Configuration updated successfully"
        updated = body["updated_setting"]
        assert updated["name"] == "max_temperature_threshold"
        assert (updated["old_value"], updated["new_value"]) == ("80.0", "85.5")
        assert updated["updated_by"] == manager.username
        assert updated["updated_at"].endswith("Z")
        change = SystemConfigChange.objects.filter(name="max_temperature_threshold").first()
        assert (change.old_value, change.new_value, change.changed_by_id) == ("80.0", "85.5", manager.pk)
        assert manager_client.get(CONFIG).json()["config"]["max_temperature_threshold"] == "85.5"

    def test_new_name_has_null_old_value(self, manager_client):
        body = manager_client.post(
            CONFIG_UPDATE, {"setting_name": "dashboard_title", "setting_value": ""}
        ).json()
        assert body["updated_setting"]["old_value"] is None
        assert manager_client.get(CONFIG).json()["config"]["dashboard_title"] == ""

    @pytest.mark.parametrize(
        "body",
        [
            {"setting_name": "", "setting_value": "1"},
            {"setting_value": "1"},
            {"setting_name": "x"},
            {"setting_name": "x", "setting_value": "1", "extra": True},
            {"setting_name": "x" * 101, "setting_value": "1"},
            {"setting_name": "x", "setting_value": 5},
            {"setting_name": "data_retention_days", "setting_value": "-3"},
            {"setting_name": "alert_email", "setting_value": "not-an-email"},
            {"setting_name": "max_pressure_threshold", "setting_value": "high"},
        ],
    )
    def test_bad_updates_are_400(self, manager_client, body):
        response = manager_client.post(CONFIG_UPDATE, body, format="json")
        assert response.status_code == 400, response.content
        assert response.json()["status"] == "error"
        assert SystemConfigChange.objects.filter(source="api").count() == 0

    def test_other_roles_are_403(self, auth_client, operator, supervisor, api_client):
        for user in (operator, supervisor):
            client = auth_client(user)
            assert client.get(CONFIG).status_code == 403
            response = client.post(CONFIG_UPDATE, {"setting_name": "a", "setting_value": "b"})
            assert response.status_code == 403
            assert response.json()["status"] == "error"
        assert api_client.get(CONFIG).status_code == 401
