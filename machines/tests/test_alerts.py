"""Threshold alerts through the one ingest service: opened once, updated, escalated, closed with
the hysteresis; the rules read the cached settings; failures never lose stored points."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.db import OperationalError
from django.test.utils import CaptureQueriesContext

from machines import services
from machines.choices import AlertBound, AlertMetric, AlertSeverity
from machines.exceptions import InvalidSetting
from machines.models import Alert, SensorReading
from machines.services import alerts as alerts_module
from machines.services.ingest import TelemetryValues
from machines.tests.factories import MachineFactory

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def ingest(machine, *readings: tuple[int, float | None, float | None]):
    """Store (second, temperature, pressure) readings of one machine through the ingest service."""
    values = [TelemetryValues(machine.pk, at(s), "T", temperature=t, pressure=p) for s, t, p in readings]
    return services.telemetry_store(readings=values, source="test", actor=None)


def only_alert(**filters) -> Alert:
    (alert,) = Alert.objects.filter(**filters)
    return alert


LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(params=["locmem", "redis"])
def any_cache(request, settings):
    """Each cache: per-process (answer caches off) and Redis (shared, generation-keyed)."""
    if request.param == "redis":
        request.node.add_marker(pytest.mark.redis)
        request.getfixturevalue("redis_cache")
    else:
        settings.CACHES = LOCMEM


@pytest.fixture
def limits(db):
    """The defaults of the data migrations: max temperature 80, min 0, max pressure 150."""
    for name, value in (
        ("max_temperature_threshold", "80.0"),
        ("min_temperature_threshold", "0.0"),
        ("max_pressure_threshold", "150.0"),
    ):
        services.systemsetting_set(name=name, value=value, actor=None)


def test_readings_inside_the_limits_raise_nothing(limits, machine):
    result = ingest(machine, (0, 25.0, 100.0), (1, 80.0, 150.0), (2, 0.0, 0.0))
    assert result.stored == 3
    assert not Alert.objects.exists()


def test_above_the_maximum_opens_one_warning_updated_while_it_lasts(limits, machine):
    ingest(machine, (0, 81.0, None), (1, 84.0, None), (2, 82.0, None))
    alert = only_alert()
    assert (alert.metric, alert.bound, alert.severity) == (AlertMetric.TEMPERATURE, AlertBound.MAX, "warning")
    assert (alert.threshold, alert.last_value, alert.peak_value, alert.count) == (80.0, 82.0, 84.0, 3)
    assert (alert.first_seen, alert.last_seen, alert.closed_at) == (at(0), at(2), None)
    ingest(machine, (10, 83.0, None))
    alert.refresh_from_db()
    assert (alert.count, alert.last_value, alert.peak_value, alert.last_seen) == (4, 83.0, 84.0, at(10))
    assert Alert.objects.count() == 1


def test_past_110_percent_escalates_to_critical_and_never_back_while_open(limits, machine):
    ingest(machine, (0, 85.0, None))
    assert only_alert().severity == AlertSeverity.WARNING
    ingest(machine, (1, 88.5, None))  # 110 % of 80 is 88: critical
    assert only_alert().severity == AlertSeverity.CRITICAL
    ingest(machine, (2, 81.0, None))
    alert = only_alert()
    assert (alert.severity, alert.last_value, alert.peak_value, alert.count) == ("critical", 81.0, 88.5, 3)


def test_pressure_above_its_maximum_and_temperature_below_its_minimum(limits, machine):
    ingest(machine, (0, -5.0, 170.0), (1, -9.0, 151.0), (2, -2.0, None))
    low = only_alert(metric=AlertMetric.TEMPERATURE)
    assert (low.bound, low.severity, low.threshold) == (AlertBound.MIN, "warning", 0.0)
    assert (low.last_value, low.peak_value, low.count) == (-2.0, -9.0, 3)  # the peak is the lowest
    pressure = only_alert(metric=AlertMetric.PRESSURE)
    assert (pressure.severity, pressure.peak_value, pressure.last_value) == ("critical", 170.0, 151.0)


def test_closes_only_back_inside_the_limit_by_the_hysteresis(limits, machine, settings):
    settings.ALERT_HYSTERESIS_PERCENT = 5.0  # 80 - 5 % = 76
    ingest(machine, (0, 90.0, None))
    ingest(machine, (1, 79.0, None), (2, 76.5, None))  # inside the limit, not by the hysteresis
    assert only_alert().closed_at is None
    ingest(machine, (3, 76.0, None))
    closed = only_alert()
    assert closed.closed_at is not None and closed.count == 1
    ingest(machine, (4, 81.0, None))  # a new breach is a new alert
    assert Alert.objects.count() == 2
    assert only_alert(closed_at__isnull=True).first_seen == at(4)


def test_a_late_reading_inside_the_limit_does_not_close_a_later_breach(limits, machine):
    ingest(machine, (10, 90.0, None))
    ingest(machine, (5, 20.0, None))  # older than the last breach
    assert only_alert().closed_at is None


def test_breach_then_recovery_in_one_batch_is_opened_and_closed(limits, machine):
    ingest(machine, (0, 90.0, None), (1, 20.0, None))
    alert = only_alert()
    assert alert.closed_at is not None and alert.count == 1
    ingest(machine, (2, 95.0, None), (1, 20.0, None))  # recovered before the breach: stays open
    assert only_alert(closed_at__isnull=True).last_seen == at(2)


def test_other_machines_alerts_are_left_alone(limits, machine):
    other = MachineFactory()
    ingest(machine, (0, 90.0, None))
    ingest(other, (1, 20.0, None))
    assert only_alert().closed_at is None


def test_an_unset_threshold_raises_nothing_and_closes_what_it_had_opened(limits, machine):
    ingest(machine, (0, -3.0, None))
    from machines import cache as keys
    from machines.models import SystemConfig

    # Around the services (they refuse to delete a setting the system reads): bump it ourselves.
    SystemConfig.objects.filter(name="min_temperature_threshold").delete()
    keys.bump(keys.CONFIG)
    ingest(machine, (1, -50.0, None))
    alert = only_alert()
    assert alert.closed_at is not None and alert.count == 1


def test_a_threshold_change_applies_to_the_next_batch(
    any_cache, limits, machine, django_capture_on_commit_callbacks
):
    ingest(machine, (0, 85.0, None))
    with django_capture_on_commit_callbacks(execute=True):
        services.systemsetting_set(name="max_temperature_threshold", value="100", actor=None)
    ingest(machine, (1, 85.0, None))  # 85 <= 95: back inside the new limit
    assert only_alert().closed_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        services.systemsetting_set(name="max_temperature_threshold", value="50", actor=None)
    ingest(machine, (2, 60.0, None))
    assert only_alert(closed_at__isnull=True).threshold == 50.0


def test_min_temperature_setting_is_checked(db):
    services.systemsetting_set(name="min_temperature_threshold", value="-10.5", actor=None)
    for bad in ("-300", "cold", "1e3", " 5", "-"):
        with pytest.raises(InvalidSetting, match="Invalid value"):
            services.systemsetting_set(name="min_temperature_threshold", value=bad, actor=None)


def test_the_migration_sets_a_minimum_temperature(db):
    from machines.selectors import systemsetting_get

    assert systemsetting_get(name="min_temperature_threshold") == "0.0"


@pytest.mark.redis
def test_a_batch_without_breach_costs_no_query_with_a_shared_cache(redis_cache, limits, machine):
    from django.db import connection

    ingest(machine, (0, 20.0, None))  # fills the cache
    with CaptureQueriesContext(connection) as captured:
        ingest(machine, (1, 21.0, None), (2, 22.0, None))
    sqls = [q["sql"] for q in captured.captured_queries]
    assert not [sql for sql in sqls if "machines_alert" in sql or "machines_systemconfig" in sql]


@pytest.mark.redis
def test_an_open_alert_read_from_the_cache_still_closes(redis_cache, limits, machine):
    ingest(machine, (0, 90.0, None))
    ingest(machine, (1, 95.0, None))
    ingest(machine, (2, 20.0, None))
    assert only_alert().closed_at is not None
    ingest(machine, (3, 90.0, None))
    assert Alert.objects.filter(closed_at__isnull=True).count() == 1


def test_without_a_shared_cache_a_clean_batch_costs_two_small_reads(limits, machine, settings):
    from django.db import connection

    settings.CACHES = LOCMEM
    with CaptureQueriesContext(connection) as captured:
        ingest(machine, (1, 21.0, None))
    sqls = [q["sql"] for q in captured.captured_queries]
    assert len([sql for sql in sqls if "machines_alert" in sql]) == 1
    assert not [sql for sql in sqls if "INSERT INTO" in sql and "machines_alert" in sql]


def test_a_failed_check_is_logged_and_the_points_stay_stored(limits, machine, monkeypatch, caplog):
    def broken(**kwargs):
        raise ValueError("bug")

    monkeypatch.setattr("machines.services.ingest.alerts_check", broken)
    with caplog.at_level(logging.ERROR, logger="machines.services.ingest"):
        result = ingest(machine, (0, 90.0, None))
    assert result.stored == 1 and SensorReading.objects.count() == 1
    assert "threshold alert check failed" in caplog.text


def test_an_outage_of_the_check_is_one_warning_and_the_points_stay_stored(
    limits, machine, monkeypatch, caplog
):
    def down(**kwargs):
        raise OperationalError("connection lost")

    monkeypatch.setattr("machines.services.ingest.alerts_check", down)
    with caplog.at_level(logging.WARNING, logger="facility.dependencies"):
        result = ingest(machine, (0, 90.0, None))
    assert result.stored == 1 and SensorReading.objects.count() == 1
    assert "threshold alerts of a stored batch skipped" in caplog.text
    assert "Traceback" not in caplog.text


def test_alerts_check_of_nothing_does_nothing(db):
    assert alerts_module.alerts_check(points=[]) == services.AlertCheckResult()


def test_the_open_summary_counts_by_severity_and_lists_the_newest(limits, machine):
    from machines.selectors import alerts_open_summary

    empty = alerts_open_summary()
    assert (empty.counts, empty.total, empty.newest) == ({"warning": 0, "critical": 0}, 0, [])
    other = MachineFactory()
    ingest(machine, (0, 85.0, 200.0))  # a warning and a critical
    ingest(other, (5, -1.0, None), (6, 20.0, None))  # opened and closed
    ingest(other, (7, 81.0, None))
    summary = alerts_open_summary(newest=2)
    assert (summary.counts, summary.total) == ({"warning": 2, "critical": 1}, 3)
    assert [alert.last_seen for alert in summary.newest] == [at(7), at(0)]
    assert summary.newest[0].machine == other  # the machine comes with it
    assert alerts_open_summary(newest=0).newest == []


@pytest.mark.parametrize(
    ("value", "bound", "severity"),
    [(80.0, None, None), (80.01, "max", "warning"), (88.0, "max", "warning"), (88.01, "max", "critical")],
)
def test_the_rule_edges(value, bound, severity):
    from machines.alert_rules import AlertRules, breaches
    from machines.timeseries import Point

    rules = AlertRules.from_settings({"max_temperature_threshold": "80"}, 5)
    found = breaches([Point("m", T0, "T", "L", value, None, None)], rules)
    expected = [(bound, severity)] if bound else []
    assert [(key[2], breach.severity) for key, breach in found.items()] == expected


def test_unreadable_thresholds_are_no_rule():
    from machines.alert_rules import AlertRules

    unreadable = {"max_temperature_threshold": "hot", "max_pressure_threshold": "inf"}
    rules = AlertRules.from_settings(unreadable, -3)
    assert (rules.temperature_max, rules.pressure_max, rules.temperature_min) == (None, None, None)
    assert rules.hysteresis_percent == 0.0
    assert rules.clear_below(None) == float("inf") and rules.clear_above(-10.0) == -10.0


def mqtt_message(machine, second: int, **values) -> tuple:
    import orjson

    body = {"timestamp": at(second).isoformat(), "sensor_type": "T", **values}
    return (0, second + 1, 1, f"factory/F/machine/{machine.pk}/telemetry", orjson.dumps(body))


def subscriber():
    from machines.subscriber import Options, Subscriber
    from machines.timeseries.sql import SQLStore

    topic = "factory/+/machine/+/telemetry"
    options = Options(url="mqtt://127.0.0.1:1", topic=topic, client_id="alerts-unit")
    return Subscriber(options, store=SQLStore())


def test_mqtt_telemetry_is_checked_by_the_same_service(limits, machine):
    consumer = subscriber()
    consumer._process([mqtt_message(machine, 0, temperature=90.0), mqtt_message(machine, 1, pressure=151.0)])
    assert consumer.stored == 2
    assert sorted(Alert.objects.values_list("metric", "severity")) == [
        ("pressure", "warning"),
        ("temperature", "critical"),
    ]


def test_mqtt_neither_stalls_nor_drops_a_batch_whose_alert_check_is_down(limits, machine, monkeypatch):
    calls = []

    def down_once(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection")
        return alerts_module.alerts_check(**kwargs)

    monkeypatch.setattr("machines.services.ingest.alerts_check", down_once)
    consumer = subscriber()
    consumer._process([mqtt_message(machine, 0, temperature=90.0)])
    assert (consumer.stored, dict(consumer.dropped), consumer.acked, consumer.store_error) == (1, {}, 1, None)
    assert SensorReading.objects.count() == 1
    assert not Alert.objects.exists()  # skipped for that batch...
    consumer._process([mqtt_message(machine, 1, temperature=91.0)])
    assert only_alert().count == 1  # ...raised by the next one while the condition lasts
