"""Security round 2 (issue 15), machines: findings 6, 9, 14, 19, 20 and 22, through APIClient,
the admin and the shared parsers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse

from config.roles import Role
from machines import services
from machines.checks import TIMESTAMP_MAX, TIMESTAMP_MIN, parse_timestamp, value_error
from machines.exceptions import InvalidSetting
from machines.models import Machine, SensorReading, SystemConfig, SystemConfigChange
from machines.mqtt import Reason, Rejected, parse_message
from machines.permissions import TELEMETRY_GATEWAY_GROUP, MachinePermissions

INGEST = reverse("machines-ingest")
LIST = reverse("machines-list")
CREATE = reverse("machines-create")
CONFIG_UPDATE = reverse("machines-config-update")
TOPIC = "factory/f1/machine/{}/telemetry"
HUGE = 18446744073709551616  # 2**64: more than orjson renders


def history(machine_id) -> str:
    return reverse("machines-history", kwargs={"machine_id": machine_id})


def reading(timestamp="2026-03-01T10:00:00Z", **values) -> dict:
    return {"timestamp": timestamp, **(values or {"temperature": 20.0})}


def body(*items, gateway="gw-01") -> dict:
    return {"gateway_id": gateway, "timestamp": "2026-03-01T10:00:00Z", "batch": list(items)}


def item(machine_id, *readings, sensor_type="Temperature", location="Zone A") -> dict:
    return {
        "machine_id": str(machine_id),
        "sensor_type": sensor_type,
        "location": location,
        "readings": list(readings) or [reading()],
    }


# --- 6: every parse path refuses out-of-range input, never raises -------------------------------
class TestParseNeverRaises:
    @pytest.mark.parametrize(
        "raw",
        [
            "0001-01-01T00:00:00+01:00",  # OverflowError converting to UTC
            "9999-12-31T23:59:59-01:00",
            "0001-01-01T00:00:00Z",
            "1677-09-20T23:59:59Z",
            "2262-04-12T00:00:00Z",
            "9999-12-31T23:59:59Z",
        ],
    )
    def test_timestamps_outside_what_the_stores_hold_are_none(self, raw):
        assert parse_timestamp(raw) is None

    def test_bounds_are_inside_both_stores(self):
        # InfluxDB: signed 64-bit nanoseconds since the epoch.
        assert datetime(1677, 9, 21, 0, 12, 44, tzinfo=UTC) <= TIMESTAMP_MIN
        assert datetime(2262, 4, 11, 23, 47, 16, tzinfo=UTC) >= TIMESTAMP_MAX
        assert parse_timestamp(TIMESTAMP_MIN.isoformat()) == TIMESTAMP_MIN
        assert parse_timestamp(TIMESTAMP_MAX.isoformat()) == TIMESTAMP_MAX

    @pytest.mark.parametrize("value", [10**400, -(10**400), HUGE])
    def test_huge_integers_are_out_of_range_not_overflow(self, value):
        assert value_error("temperature", value).startswith("Must be between")

    @pytest.mark.parametrize(
        ("payload", "reason"),
        [
            (b'{"timestamp":"0001-01-01T00:00:00+01:00","sensor_type":"P","pressure":7}', Reason.BAD_VALUE),
            (b'{"timestamp":"2300-01-01T00:00:00Z","sensor_type":"P","pressure":7}', Reason.BAD_VALUE),
            (b'{"timestamp":"2030-01-01T00:01:00Z","sensor_type":"P\\u0000","pressure":7}', Reason.BAD_VALUE),
            (b'{"timestamp":"2030-01-01T00:01:00Z","sensor_type":"P\\u0007","pressure":7}', Reason.BAD_VALUE),
            (b'{"timestamp":"2030-01-01T00:01:00Z","sensor_type":"P","pressure":1' + b"0" * 400 + b"}", None),
        ],
    )
    def test_mqtt_parse_drops_instead_of_raising(self, payload, reason):
        import uuid

        result = parse_message(TOPIC.format(uuid.uuid4()), payload)
        assert isinstance(result, Rejected)
        if reason is not None:
            assert result.reason == reason
        assert result.detail

    @pytest.mark.parametrize(
        "change",
        [
            {"timestamp": "0001-01-01T00:00:00+01:00"},
            {"timestamp": "9999-12-31T23:59:59Z"},
            {"temperature": 10**400},
            {"pressure": -(10**400)},
        ],
    )
    def test_http_ingest_refuses_out_of_range_readings(self, supervisor_client, machine, change):
        response = supervisor_client.post(INGEST, body(item(machine.pk, {**reading(), **change})))
        assert response.status_code == 400, response.content
        errors = response.json()["errors"]
        assert errors[0]["field"].startswith("batch.0.readings.0.")
        assert not SensorReading.objects.exists()

    def test_http_ingest_refuses_an_out_of_range_batch_timestamp(self, supervisor_client, machine):
        response = supervisor_client.post(
            INGEST, {**body(item(machine.pk)), "timestamp": "0001-01-01T00:00:00+01:00"}
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "timestamp"

    @pytest.mark.parametrize(
        "params",
        [
            {"start_time": "0001-01-01T00:00:00+01:00"},
            {"start_time": "2026-01-01T00:00:00Z", "end_time": "9999-12-31T23:59:59-01:00"},
            {"start_time": "9999-12-31T23:30:00Z", "end_time": "9999-12-31T23:59:59Z", "interval": "1h"},
            {"start_time": "0001-01-01T00:00:00Z", "interval": "1d"},
        ],
    )
    def test_history_refuses_out_of_range_times(self, auth_client, operator, machine, params):
        response = auth_client(operator).get(history(machine.pk), params)
        assert response.status_code == 400, response.content
        assert response.json()["detail"] == "Invalid query parameters"

    def test_history_at_the_bounds_answers(self, auth_client, operator, machine):
        params = {
            "start_time": TIMESTAMP_MIN.isoformat(),
            "end_time": TIMESTAMP_MAX.isoformat(),
            "interval": "1h",
        }
        assert auth_client(operator).get(history(machine.pk), params).status_code == 200

    @pytest.mark.parametrize("raw", ["\uff11\uff10", "1_000", "\u0663", "+5", " 5"])
    def test_history_integers_are_ascii_digits(self, auth_client, operator, machine, raw):
        response = auth_client(operator).get(
            history(machine.pk), {"start_time": "2026-03-01T00:00:00Z", "limit": raw}
        )
        assert response.status_code == 400
        assert [e["parameter"] for e in response.json()["errors"]] == ["limit"]


# --- 20: NUL and control characters are a 400, before any store ---------------------------------
class TestControlCharacters:
    @pytest.mark.parametrize("name", ["location", "sensor_type"])
    @pytest.mark.parametrize("text", ["\x00", "a\x00b", "a\x1bb"])
    def test_machine_list_filter(self, auth_client, operator, db, name, text):
        response = auth_client(operator).get(LIST, {name: text})
        assert response.status_code == 400, response.content
        # Refused by the platform's URL guard (config.middleware) before the machines parser.
        assert name in response.json()["detail"]

    @pytest.mark.parametrize("name", ["sensor_type", "location"])
    def test_ingest_text_fields(self, supervisor_client, machine, name):
        response = supervisor_client.post(INGEST, body({**item(machine.pk), name: "P\x00"}))
        assert response.status_code == 400, response.content
        assert response.json()["errors"][0]["field"] == f"batch.0.{name}"
        assert not SensorReading.objects.exists()

    def test_ingest_gateway_id(self, supervisor_client, machine):
        response = supervisor_client.post(INGEST, body(item(machine.pk), gateway="gw\x00"))
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "gateway_id"

    @pytest.mark.parametrize("field", ["name", "location", "sensor_type"])
    def test_machine_create(self, auth_client, supervisor, field):
        machine = {"name": "Press-7", "location": "Floor 1", "sensor_type": "Pressure", field: "x\x07y"}
        response = auth_client(supervisor).post(CREATE, machine)
        assert response.status_code == 400, response.content
        assert field in [e["field"] for e in response.json()["errors"]]
        assert not Machine.objects.exists()

    def test_admin_machine_form(self, client, superuser):
        client.force_login(superuser)
        response = client.post(
            reverse("admin:machines_machine_add"),
            {"name": "Press\x1b", "location": "Floor 9", "sensor_type": "Pressure", "status": "active"},
        )
        assert response.status_code == 200
        assert not Machine.objects.exists()

    def test_config_value(self, auth_client, manager):
        response = auth_client(manager).post(
            CONFIG_UPDATE, {"setting_name": "note", "setting_value": "a\x01b"}, format="json"
        )
        assert response.status_code == 400
        assert not SystemConfig.objects.filter(name="note").exists()


# --- 9: bounded work per ingest request ---------------------------------------------------------
class TestIngestBounds:
    def test_more_readings_than_the_cap_is_413_and_nothing_stored(self, supervisor_client, machine, settings):
        assert settings.INGEST_MAX_READINGS == 10_000
        start = datetime(2026, 3, 1, 10, tzinfo=UTC)
        readings = [
            {"timestamp": (start + timedelta(seconds=s)).isoformat(), "temperature": 20.0}
            for s in range(10_001)
        ]
        items = [item(machine.pk, *readings[:5000]), item(machine.pk, *readings[5000:])]
        response = supervisor_client.post(INGEST, body(*items))
        assert response.status_code == 413, response.content
        detail = response.json()["detail"]
        assert "10001 readings" in detail and "10000" in detail
        assert response.json()["status"] == "error"
        assert not SensorReading.objects.exists()

    def test_the_cap_is_a_setting(self, supervisor_client, machine, settings):
        settings.INGEST_MAX_READINGS = 2
        three = item(machine.pk, reading("2026-03-01T10:00:00Z"), reading("2026-03-01T10:00:01Z"), reading())
        assert supervisor_client.post(INGEST, body(three)).status_code == 413
        assert supervisor_client.post(INGEST, body(item(machine.pk, reading()))).status_code == 201

    def test_too_many_rollup_hours_is_413_and_nothing_stored(self, supervisor_client, machine, settings):
        settings.INGEST_MAX_HOURS = 24
        start = datetime(2026, 3, 1, tzinfo=UTC)
        spread = [reading((start + timedelta(hours=h)).isoformat()) for h in range(25)]
        response = supervisor_client.post(INGEST, body(item(machine.pk, *spread)))
        assert response.status_code == 413, response.content
        assert "25 distinct" in response.json()["detail"]
        assert not SensorReading.objects.exists()
        assert supervisor_client.post(INGEST, body(item(machine.pk, *spread[:24]))).status_code == 201

    def test_error_list_is_capped_with_a_count(self, supervisor_client, machine):
        bad = [{"timestamp": "nope", "temperature": "hot"} for _ in range(3000)]
        response = supervisor_client.post(INGEST, body(item(machine.pk, *bad)))
        assert response.status_code == 400
        data = response.json()
        assert len(data["errors"]) == 100
        assert data["error_count"] == 6000
        assert len(response.content) < 20_000

    def test_serializer_error_list_is_capped_too(self, auth_client, manager):
        sent = {"setting_name": "note", "setting_value": "x", **{f"k{n}": n for n in range(5000)}}
        response = auth_client(manager).post(CONFIG_UPDATE, sent, format="json")
        assert response.status_code == 400
        assert len(response.json()["errors"]) == 100
        assert response.json()["error_count"] == 5000

    def test_echoed_values_are_short(self, supervisor_client, machine):
        response = supervisor_client.post(INGEST, body(item(machine.pk, sensor_type="x" * 100_000)))
        assert response.status_code == 400
        assert len(response.content) < 2_000

    def test_throttled_per_user(self, auth_client, supervisor, manager, machine, settings):
        settings.THROTTLE_INGEST = "2/min"
        client = auth_client(supervisor)
        assert client.post(INGEST, body(item(machine.pk))).status_code == 201
        assert client.post(INGEST, body(item(machine.pk))).status_code == 201
        refused = client.post(INGEST, body(item(machine.pk)))
        assert refused.status_code == 429
        assert refused.json()["status"] == "error"
        assert "Retry-After" in refused
        # Another user has a budget of their own.
        assert auth_client(manager).post(INGEST, body(item(machine.pk))).status_code == 201


# --- 14: ingest is its own permission; the location comes from the registry ---------------------
class TestIngestPermission:
    def test_operator_may_not_ingest(self, auth_client, operator, machine):
        response = auth_client(operator).post(INGEST, body(item(machine.pk)))
        assert response.status_code == 403
        assert not SensorReading.objects.exists()

    def test_roles_and_the_gateway_group(self, auth_client, supervisor, manager, machine):
        from staff.tests.factories import UserFactory

        gateway = UserFactory(username="gateway-7")
        gateway.groups.add(Group.objects.get(name=TELEMETRY_GATEWAY_GROUP))
        for user in (supervisor, manager, gateway):
            assert auth_client(user).post(INGEST, body(item(machine.pk))).status_code == 201, user
        assert gateway.has_perm(MachinePermissions.INGEST_TELEMETRY)
        assert not gateway.has_perm(MachinePermissions.VIEW_MACHINE)

    def test_migration_grants(self, db):
        codename = MachinePermissions.INGEST_TELEMETRY.codename
        holders = set(Group.objects.filter(permissions__codename=codename).values_list("name", flat=True))
        assert holders == {Role.SUPERVISOR, Role.MANAGEMENT, TELEMETRY_GATEWAY_GROUP}

    def test_location_comes_from_the_machine_record(self, supervisor_client, machine):
        response = supervisor_client.post(INGEST, body(item(machine.pk, location="Somewhere else")))
        assert response.status_code == 201
        stored = SensorReading.objects.get()
        assert stored.location == machine.location == "Factory Floor 1 - Zone A"
        assert stored.sensor_type == "Temperature"

    def test_location_may_be_left_out(self, supervisor_client, machine):
        sent = item(machine.pk)
        del sent["location"]
        assert supervisor_client.post(INGEST, body(sent)).status_code == 201
        assert SensorReading.objects.get().location == machine.location


# --- 19: integers no renderer can write are a 400, not a 500 ------------------------------------
class TestHugeIntegers:
    def test_ingest_gateway_id(self, supervisor_client, machine):
        response = supervisor_client.post(INGEST, {**body(item(machine.pk)), "gateway_id": HUGE})
        assert response.status_code == 400, response.content
        error = response.json()["errors"][0]
        assert error["field"] == "gateway_id"
        assert error["value"] is None

    def test_ingest_reading_value_and_machine_id(self, supervisor_client, machine):
        sent = {**item(machine.pk, reading(speed=HUGE)), "machine_id": HUGE}
        response = supervisor_client.post(INGEST, body(sent))
        assert response.status_code == 400, response.content
        assert {e["field"] for e in response.json()["errors"]} == {
            "batch.0.machine_id",
            "batch.0.readings.0.speed",
        }

    def test_config_update(self, auth_client, manager):
        response = auth_client(manager).post(
            CONFIG_UPDATE, {"setting_name": "note", "setting_value": HUGE}, format="json"
        )
        assert response.status_code == 400, response.content
        assert response.json()["errors"][0]["field"] == "setting_value"

    def test_machine_create(self, auth_client, supervisor):
        response = auth_client(supervisor).post(
            CREATE, {"name": "P", "location": "L", "sensor_type": "S", "status": HUGE}, format="json"
        )
        assert response.status_code == 400, response.content
        assert response.json()["errors"][0]["field"] == "status"
        assert not Machine.objects.exists()


# --- 22: system settings are ASCII, typed and bounded -------------------------------------------
class TestSettingValues:
    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("data_retention_days", "²"),
            ("data_retention_days", "1000000"),
            ("data_retention_days", "0"),
            ("data_retention_days", "3651"),
            ("data_retention_days", "1_000"),
            ("data_retention_days", " 30"),
            ("max_temperature_threshold", "\uff15"),
            ("max_temperature_threshold", "1_000"),
            ("max_temperature_threshold", "1e3"),
            ("max_temperature_threshold", "nan"),
            ("max_temperature_threshold", "1001"),
            ("max_pressure_threshold", "inf"),
            ("max_pressure_threshold", "10000.5"),
            ("max_pressure_threshold", "0"),
        ],
    )
    def test_api_refuses(self, auth_client, manager, name, value):
        before = SystemConfig.objects.get(name=name).value
        response = auth_client(manager).post(
            CONFIG_UPDATE, {"setting_name": name, "setting_value": value}, format="json"
        )
        assert response.status_code == 400, response.content
        assert name in response.json()["detail"]
        assert SystemConfig.objects.get(name=name).value == before
        assert not SystemConfigChange.objects.filter(source="api").exists()

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("data_retention_days", "1"),
            ("data_retention_days", "3650"),
            ("max_temperature_threshold", "1000"),
            ("max_temperature_threshold", "85.5"),
            ("max_pressure_threshold", "0.25"),
        ],
    )
    def test_api_accepts_the_bounds(self, auth_client, manager, name, value):
        response = auth_client(manager).post(CONFIG_UPDATE, {"setting_name": name, "setting_value": value})
        assert response.status_code == 200, response.content

    @pytest.mark.parametrize("value", ["²", "1000000"])
    def test_admin_refuses_through_the_same_service(self, client, superuser, value):
        client.force_login(superuser)
        setting = SystemConfig.objects.get(name="data_retention_days")
        response = client.post(
            reverse("admin:machines_systemconfig_change", args=[setting.pk]),
            {
                "value": value,
                "changes-TOTAL_FORMS": "1",
                "changes-INITIAL_FORMS": "1",
                "changes-MIN_NUM_FORMS": "0",
                "changes-MAX_NUM_FORMS": "1000",
            },
            follow=True,
        )
        assert response.status_code == 200
        # Refused by the service: the value typed comes back with the service's message beside it.
        form = response.context["adminform"].form
        assert form["value"].value() == value
        assert form.errors["value"] == [
            "Invalid value for data_retention_days: Must be a whole number of days from 1 to 3650"
        ]
        setting.refresh_from_db()
        assert setting.value == "365"

    @pytest.mark.parametrize("stored", ["²", "1000000"])
    def test_purge_refuses_a_bad_stored_value_without_deleting(self, db, machine, stored):
        from machines.timeseries import Point, get_store

        get_store().write([Point(machine.pk, datetime(2020, 1, 1, tzinfo=UTC), "T", "Z", speed=1.0)])
        # A value stored before these checks existed (or written around the service).
        SystemConfig.objects.filter(name="data_retention_days").update(value=stored)
        with pytest.raises(InvalidSetting):
            services.telemetry_purge()
        with pytest.raises(CommandError, match="data_retention_days"):
            call_command("purge_telemetry", stdout=StringIO())
        assert SensorReading.objects.count() == 1

    def test_purge_days_option_is_bounded(self, db):
        with pytest.raises(CommandError):
            call_command("purge_telemetry", "--days", "1000000", stdout=StringIO())
