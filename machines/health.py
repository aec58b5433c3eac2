"""Readiness checks of the machines app, registered with config.health on app load."""

from __future__ import annotations

from config.health import register_check
from machines.heartbeat import check_subscriber


def check_timeseries() -> str:
    from machines.timeseries import get_store

    return get_store().check()


register_check("timeseries", check_timeseries)
register_check("mqtt_subscriber", check_subscriber)
