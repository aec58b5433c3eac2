"""The PostgreSQL health check that polls the socket instead of sending `SELECT 1` per request."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _fresh_request_check() -> None:
    """What Django does between requests, then before the first query of the next one."""
    connection.health_check_enabled = True
    connection.health_check_done = False
    connection.close_if_health_check_failed()


def test_a_quiet_idle_connection_is_reused_without_a_round_trip(monkeypatch):
    connection.ensure_connection()
    before = connection.connection
    calls = []
    monkeypatch.setattr(connection, "is_usable", lambda: calls.append(1) or True)
    _fresh_request_check()
    assert calls == [] and connection.connection is before


def test_a_connection_the_server_killed_is_replaced_before_the_request_uses_it():
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**{**params, "autocommit": True}) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while connection.connection is not None and time.monotonic() < deadline:
        _fresh_request_check()
        if connection.connection is None:
            break
        time.sleep(0.05)
    # The next query reconnects instead of failing the request.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
