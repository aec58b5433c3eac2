"""Dependency fault tests (issue 20): PostgreSQL, Redis, the MQTT broker, S3 and the time-series
store made unreachable for real (a closed port, a socket that never answers, a private redis-server
that is killed or SIGSTOPped), with what clients see asserted: a 503 naming the dependency with
Retry-After, or the answer degraded to the database; never a 500, never a hang; one log line.

README "Failure behaviour" has the table these tests measure. Marked `faults` (and the service
each needs), so `make test` runs them, and REQUIRE_SERVICES=1 fails rather than skips them.
"""

from __future__ import annotations

import logging
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from config.roles import Role
from conftest import REQUIRE_SERVICES
from sensors.models import SensorData
from sensors.tests.factories import SensorFactory
from staff.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.faults


def free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, deadline: float = 10.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


class PrivateRedis:
    """A redis-server of this test alone, on a free port: killed or frozen without touching the
    shared one."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            if REQUIRE_SERVICES:
                pytest.fail("redis-server is not installed (required because CI=true or REQUIRE_SERVICES=1)")
            pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="fault-redis-")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)

    def freeze(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def redis_caches(url: str) -> dict:
    """Both aliases on `url`, with the project's timeouts (settings: REDIS_*_TIMEOUT)."""
    from django.conf import settings

    options = {
        "CLIENT_CLASS": "django_redis.client.DefaultClient",
        "SOCKET_CONNECT_TIMEOUT": settings.REDIS_CONNECT_TIMEOUT,
        "SOCKET_TIMEOUT": settings.REDIS_TIMEOUT,
    }
    alias = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "OPTIONS": options,
        "KEY_PREFIX": "f",
    }
    return {"default": dict(alias), "security": dict(alias)}


def login(username: str) -> str:
    response = APIClient().post(reverse("auth-login"), {"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def outage_lines(caplog, dependency: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "facility.dependencies" and dependency in r.getMessage()]


def assert_no_traceback(caplog) -> None:
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


# --- Redis ----------------------------------------------------------------------------------------
@pytest.mark.redis
@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["killed", "frozen"])
def test_redis_down_auth_degrades_to_the_database_and_cache_reads_answer_503(private_redis, fault, caplog):
    user = UserFactory(username="faulty", role=Role.SUPERVISOR)
    token = login(user.username)
    sensor = SensorFactory()
    getattr(private_redis, "kill" if fault == "killed" else "freeze")()
    client = bearer(token)
    caplog.clear()

    # The auth record rebuilds from the database: an endpoint that needs no cache still answers.
    assert client.get(reverse("unit-list")).status_code == 200
    # A write whose invalidation meets the dead cache answers its 201, stored once.
    created = client.post(reverse("sensordata-list"), {"sensor_id": sensor.pk, "value": 1.5}, format="json")
    assert created.status_code == 201
    assert SensorData.objects.filter(sensor=sensor).count() == 1
    # A read that needs the cache (the machines list is served from it) answers 503 naming it.
    caplog.clear()
    listed = client.get(reverse("machines-list"))
    assert listed.status_code == 503
    assert listed.json()["detail"] == "cache unavailable"
    assert int(listed["Retry-After"]) >= 1
    assert len(outage_lines(caplog, "cache")) == 1
    assert_no_traceback(caplog)


@pytest.mark.redis
@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["killed", "frozen"])
def test_redis_down_login_and_otp_fail_closed_with_503(private_redis, fault, caplog):
    user = UserFactory(username="door")
    getattr(private_redis, "kill" if fault == "killed" else "freeze")()
    caplog.clear()
    response = APIClient().post(reverse("auth-login"), {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 503
    assert response.json()["detail"] == "cache unavailable"
    assert response["Retry-After"]
    otp = APIClient().post(reverse("otp-generate"), {"email": "someone@example.com"}, format="json")
    assert otp.status_code == 503
    assert otp.json()["detail"] == "cache unavailable"
    # Valid input reaches the OTP script, where the per-IP window is counted: the same answer.
    for name, body in (("otp-generate", {"id": 5}), ("otp-verify", {"id": 5, "otp": "123456"})):
        otp = APIClient().post(reverse(name), body, format="json")
        assert otp.status_code == 503, name
        assert otp.json()["detail"] == "cache unavailable"
        assert otp["Retry-After"]
    assert_no_traceback(caplog)


@pytest.mark.redis
@pytest.mark.django_db
def test_redis_down_a_revoked_login_stays_revoked(private_redis):
    """Degrading to the database keeps revocation: logout revokes the token's family row."""
    user = UserFactory(username="leaver", role=Role.SUPERVISOR)
    token = login(user.username)
    assert bearer(token).post(reverse("auth-logout"), {}, format="json").status_code in (200, 204)
    private_redis.kill()
    assert bearer(token).get(reverse("unit-list")).status_code == 401


@pytest.mark.redis
@pytest.mark.django_db
def test_redis_down_admin_login_page_answers_503_not_500(private_redis, client):
    user = UserFactory(username="admin-door", is_staff=True)
    private_redis.kill()
    response = client.post("/admin/login/", {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 503
    assert response.json()["detail"] == "cache unavailable"


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_redis_down_machine_create_answers_201_after_commit(private_redis, caplog):
    from machines.models import Machine

    user = UserFactory(username="mach", role=Role.MANAGEMENT)
    token = login(user.username)
    private_redis.kill()
    caplog.clear()
    body = {"name": "Press 9", "location": "Zone A", "sensor_type": "S"}
    response = bearer(token).post(reverse("machines-create"), body, format="json")
    assert response.status_code == 201, response.content
    assert Machine.objects.filter(name="Press 9").count() == 1
    assert any("invalidation" in r.getMessage() for r in caplog.records)
    assert_no_traceback(caplog)


@pytest.mark.redis
@pytest.mark.django_db
def test_redis_down_health_is_alive_and_ready_names_the_cache(private_redis):
    private_redis.freeze()
    assert APIClient().get("/health").status_code == 200
    response = APIClient().get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert "cache" in body["failed"]
    # Anonymous: names and states only, no host, port or error text.
    assert body["checks"]["cache"] == {"status": "error", "latency_ms": body["checks"]["cache"]["latency_ms"]}
    assert str(private_redis.port) not in response.content.decode()


# --- PostgreSQL -----------------------------------------------------------------------------------
@pytest.fixture
def database_at(db):
    """`database_at(port)`: point the default connection (every thread's) at 127.0.0.1:`port`
    until the test ends; the real database is restored after."""
    saved = dict(connection.settings_dict)
    saved_options = dict(saved.get("OPTIONS") or {})

    def move(port: int, connect_timeout: int = 1) -> None:
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(port))
        connection.settings_dict["OPTIONS"] = {**saved_options, "connect_timeout": connect_timeout}

    yield move
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)
    connection.settings_dict["OPTIONS"] = saved_options


class SilentServer:
    """A listening socket that accepts connections and never says a word: a frozen server (the
    kernel completes the handshake; nothing answers the startup packet)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fault", ["closed port", "frozen"])
def test_postgres_down_answers_503_and_health_stays_alive(database_at, fault, caplog):
    user = UserFactory(username="pg", role=Role.SUPERVISOR)
    silent = SilentServer()
    try:
        database_at(free_port() if fault == "closed port" else silent.port)
        client = APIClient()
        client.force_authenticate(user)
        caplog.clear()
        response = client.get(reverse("unit-list"))
        assert response.status_code == 503
        assert response.json() == {"detail": "database unavailable"}
        assert response["Retry-After"]
        assert len(outage_lines(caplog, "database")) == 1
        assert_no_traceback(caplog)
        assert APIClient().get("/health").status_code == 200
        ready = APIClient().get("/health/ready")
        assert ready.status_code == 503
        assert "database" in ready.json()["failed"]
    finally:
        silent.close()


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_connections_carry_the_statement_timeout(settings):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        shown = cursor.fetchone()[0]
    expected = int(settings.DATABASE_STATEMENT_TIMEOUT * 1000)
    assert shown in (f"{expected}ms", f"{expected // 1000}s", f"{expected // 60000}min")


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_statement_timeout_answers_503(caplog):
    """A statement cut by the server's statement_timeout is a 503, not a 500."""
    from django.db import OperationalError

    from config.api.exceptions import exception_handler

    with connection.cursor() as cursor:
        cursor.execute("SAVEPOINT s")
        cursor.execute("SET LOCAL statement_timeout = 50")
        with pytest.raises(OperationalError) as raised:
            cursor.execute("SELECT pg_sleep(1)")
        cursor.execute("ROLLBACK TO SAVEPOINT s")
    response = exception_handler(raised.value, {})
    assert response.status_code == 503
    assert response.data == {"detail": "database unavailable"}


def test_readiness_check_has_its_own_deadline(settings, db):
    """A check that hangs (a frozen dependency) fails readiness at READINESS_CHECK_TIMEOUT."""
    import threading

    from config import health

    release = threading.Event()
    settings.READINESS_CHECK_TIMEOUT = 0.3
    health.register_check("frozen", lambda: release.wait(30))
    try:
        response = APIClient().get("/health/ready")
        assert response.status_code == 503
        assert response.json()["failed"] == ["frozen"]
        # The hung check is not started twice.
        again = APIClient().get("/health/ready").json()
        assert again["failed"] == ["frozen"]
    finally:
        release.set()
        health._CHECKS.pop("frozen", None)


@pytest.mark.django_db
def test_readiness_details_are_for_staff_only(client, settings, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    settings.MEDIA_ROOT = str(blocker)
    anonymous = APIClient().get("/health/ready").json()
    assert anonymous["checks"]["storage"] == {
        "status": "error",
        "latency_ms": anonymous["checks"]["storage"]["latency_ms"],
    }
    assert str(tmp_path) not in str(anonymous)
    staff = UserFactory(username="ops", is_staff=True)
    client.force_login(staff)
    detailed = client.get("/health/ready").json()
    assert "error" in detailed["checks"]["storage"]
    token = login(staff.username)
    assert "error" in bearer(token).get("/health/ready").json()["checks"]["storage"]
    # A non-staff token is anonymous here.
    UserFactory(username="plain", role=Role.SUPERVISOR)
    assert "error" not in bearer(login("plain")).get("/health/ready").json()["checks"]["storage"]


# --- the time-series store and the broker ---------------------------------------------------------
@pytest.mark.django_db
def test_timeseries_store_unreachable_answers_503(settings, caplog):
    from machines.tests.factories import MachineFactory

    settings.INFLUXDB_URL = f"http://127.0.0.1:{free_port()}"
    settings.INFLUXDB_TOKEN = "t"
    user = UserFactory(username="gw", role=Role.SUPERVISOR)
    machine = MachineFactory()
    client = APIClient()
    client.force_authenticate(user)
    body = {
        "gateway_id": "gw",
        "timestamp": "2026-03-01T10:00:00Z",
        "batch": [
            {
                "machine_id": str(machine.pk),
                "sensor_type": "Temperature",
                "location": "Zone A",
                "readings": [{"timestamp": "2026-03-01T10:00:10Z", "temperature": 10}],
            }
        ],
    }
    response = client.post(reverse("machines-ingest"), body, format="json")
    assert response.status_code == 503
    assert "127.0.0.1" not in response.content.decode()
    settings.INFLUXDB_URL = ""


@pytest.mark.django_db
def test_broker_unreachable_a_required_subscriber_fails_readiness_within_seconds(settings, monkeypatch):
    """The subscriber beats every MQTT_HEARTBEAT_SECONDS whatever the broker does; with the broker
    at a closed port it says disconnected, and a required subscriber fails readiness."""
    import threading

    from machines import heartbeat
    from machines.subscriber import Options, Subscriber
    from machines.timeseries import get_store

    settings.MQTT_SUBSCRIBER_REQUIRED = True
    settings.MQTT_HEARTBEAT_SECONDS = 0.1
    beats: list[dict] = []
    real_beat = heartbeat.beat
    monkeypatch.setattr(heartbeat, "beat", lambda stats: (beats.append(stats), real_beat(stats)))
    options = Options(
        url=f"mqtt://127.0.0.1:{free_port()}",
        topic="factory/+/machine/+/telemetry",
        client_id="fault",
        progress_seconds=60,
    )
    subscriber = Subscriber(options, store=get_store())
    thread = threading.Thread(target=subscriber.run, daemon=True)
    thread.start()
    try:
        end = time.monotonic() + 10
        while len(beats) < 3 and time.monotonic() < end:
            time.sleep(0.05)
        # Several beats while the progress line (every 60 s) has not been written once.
        assert len(beats) >= 3
        response = APIClient().get("/health/ready")
        assert response.status_code == 503
        assert response.json()["checks"]["mqtt_subscriber"]["state"] == "disconnected"
    finally:
        subscriber.stop()
        thread.join(10)


def test_a_killed_subscribers_heartbeat_is_stale_after_the_max_age(settings):
    """Killed: no more beats; the record is stale once older than MQTT_HEARTBEAT_MAX_AGE (5 s by
    default), which readiness reports."""
    from machines.heartbeat import subscriber_state

    assert settings.MQTT_HEARTBEAT_MAX_AGE <= 5
    now = time.time()
    record = {"at": now - settings.MQTT_HEARTBEAT_MAX_AGE - 1, "state": "running", "connected": True}
    assert subscriber_state(record, now)[0] == "stale"


@pytest.mark.django_db
def test_subscriber_retries_as_soon_as_the_store_answers_again(settings, monkeypatch):
    """After an outage the subscriber probes the store while it backs off: the retry follows the
    recovery within one probe and the backoff restarts, instead of sleeping out a long delay."""
    from machines.exceptions import StoreUnavailable
    from machines.tests.factories import MachineFactory
    from machines.tests.test_mqtt_subscriber_store import make_subscriber, reading

    settings.MQTT_STORE_PROBE_SECONDS = 0.05
    machine = MachineFactory()

    class FlakyStore:
        name = "flaky"

        def __init__(self, ref) -> None:
            self.down = 5  # write attempts refused before the store recovers
            self.checks = 0
            self.points: list = []

        def write(self, points) -> int:
            if self.down:
                self.down -= 1
                raise StoreUnavailable("down")
            self.points.extend(points)
            return len(points)

        def check(self) -> str:
            self.checks += 1
            if self.down:
                raise StoreUnavailable("down")
            return "ok"

        def close(self) -> None:
            pass

    subscriber, store = make_subscriber(FlakyStore)
    waits: list[float] = []
    real_wait = subscriber.stopping.wait
    monkeypatch.setattr(subscriber.stopping, "wait", lambda t: (waits.append(t), real_wait(0))[1])
    subscriber.in_hand = 1
    assert subscriber._store([reading(machine.pk, 0)]) == 1
    # No single sleep was longer than one probe, although the backoff had grown past it.
    assert max(waits) <= settings.MQTT_STORE_PROBE_SECONDS + 1e-9
    assert store.checks >= 1


# --- S3 -------------------------------------------------------------------------------------------
@pytest.mark.s3
@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["closed port", "frozen"])
def test_s3_down_upload_answers_503_without_the_address(settings, fault, caplog):
    from botocore.config import Config

    from maintenance import services
    from maintenance.models import ServiceOrderImage
    from maintenance.tests.factories import SparePartFactory

    silent = SilentServer()
    port = free_port() if fault == "closed port" else silent.port
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "orders",
                "endpoint_url": f"http://127.0.0.1:{port}",
                "client_config": Config(retries={"max_attempts": 1}, connect_timeout=0.5, read_timeout=0.5),
                "access_key": "testing",
                "secret_key": "testing",
            },
        },
    }
    try:
        part = SparePartFactory(stock=10)
        order = services.order_create(
            request_id=1, items=[{"spare_part_id": part.pk, "quantity": 1}], actor=None
        ).order
        user = UserFactory(username="img", role=Role.OPERATOR)
        client = APIClient()
        client.force_authenticate(user)
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
        from django.core.files.uploadedfile import SimpleUploadedFile

        caplog.clear()
        response = client.post(
            f"/api/v1/orders/{order.pk}/image/",
            {"file": SimpleUploadedFile("a.png", png)},
            format="multipart",
        )
        assert response.status_code == 503
        assert response.json() == {"detail": "storage unavailable"}
        assert str(port) not in response.content.decode()
        assert not ServiceOrderImage.objects.exists()
        assert len(outage_lines(caplog, "storage")) == 1
        assert_no_traceback(caplog)
    finally:
        silent.close()
