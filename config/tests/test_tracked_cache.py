"""The in-process mirror of auth state (config.tracked_cache) against a real Redis: what it serves
without a round trip, and every way it stops serving (a write, a flush, a raced read, a frozen or
killed server, a fork), plus a logout seen by another process on its very next request."""

from __future__ import annotations

import multiprocessing
import os
import time
from decimal import Decimal

import pytest
import redis
from django.core.cache import caches
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from config.cache import MIRRORED_ANSWER_PREFIXES, Generations
from config.roles import Role
from config.tests.test_faults import PrivateRedis
from config.tracked_cache import TrackedMirror, alias_mirror, reset_mirrors, security_mirror
from staff.auth.authentication import MIRRORED_PREFIXES
from staff.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.redis


def make_mirror(server: PrivateRedis, **options) -> tuple[TrackedMirror, redis.Redis]:
    raw = redis.Redis.from_url(server.url)
    options = {"max_age": 60.0, "liveness": 0.5, **options}
    mirror = TrackedMirror(location=server.url, prefixes=["k:"], make_key=lambda key: key, **options)
    return mirror, raw


class Loads:
    """A `load` for the mirror that reads Redis itself and counts its calls."""

    def __init__(self, raw: redis.Redis) -> None:
        self.raw = raw
        self.calls = 0

    def __call__(self, keys: list[str]) -> dict:
        self.calls += 1
        return {key: value for key, value in zip(keys, self.raw.mget(keys), strict=True) if value is not None}


def warm(mirror: TrackedMirror, load: Loads, keys: list[str]) -> dict:
    """Read until the mirror serves (the first PING's answer must have come back)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        before = load.calls
        found = mirror.get_many(keys, load)
        if load.calls == before:
            return found
        time.sleep(0.01)
    raise AssertionError("the mirror never served a read")


def test_a_repeated_read_is_answered_in_process_absent_keys_included(private_redis):
    mirror, raw = make_mirror(private_redis)
    raw.set("k:record", b"r1")
    load = Loads(raw)
    assert warm(mirror, load, ["k:record", "k:deny"]) == {"k:record": b"r1"}
    calls = load.calls
    for _ in range(100):
        assert mirror.get_many(["k:record", "k:deny"], load) == {"k:record": b"r1"}
    assert load.calls == calls


@pytest.mark.parametrize("write", ["set", "delete", "expire-now", "set-absent-key"])
def test_a_write_from_another_connection_is_seen_on_the_next_read(private_redis, write):
    mirror, raw = make_mirror(private_redis)
    raw.set("k:record", b"r1")
    load = Loads(raw)
    warm(mirror, load, ["k:record", "k:deny"])
    other = redis.Redis.from_url(private_redis.url)
    expected = {
        "set": {"k:record": b"r2"},
        "delete": {},
        "expire-now": {},
        "set-absent-key": {"k:record": b"r1", "k:deny": b"1"},
    }[write]
    if write == "set":
        other.set("k:record", b"r2")
    elif write == "delete":
        other.delete("k:record")
    elif write == "expire-now":
        other.pexpire("k:record", 1)
        time.sleep(0.01)
        other.exists("k:record")  # the server notices the expiry when the key is touched
    else:
        other.set("k:deny", b"1")
    # No sleep: the invalidation was sent before the writer's reply.
    assert mirror.get_many(["k:record", "k:deny"], load) == expected


def test_a_flush_drops_everything(private_redis):
    mirror, raw = make_mirror(private_redis)
    raw.set("k:a", b"1")
    load = Loads(raw)
    warm(mirror, load, ["k:a"])
    raw.flushall()
    # Redis writes a flush's reply before the flush's invalidation (a key write's broadcast goes
    # out first, as above): the next request of a real client comes long after both.
    time.sleep(0.01)
    calls = load.calls
    assert mirror.get_many(["k:a"], load) == {}
    assert load.calls == calls + 1


def test_a_read_that_raced_a_write_is_not_kept(private_redis):
    mirror, raw = make_mirror(private_redis)
    raw.set("k:a", b"old")
    load = Loads(raw)
    warm(mirror, load, ["k:b"])  # the link is up and proven

    def racing_load(keys):
        values = load(keys)  # reads "old"
        redis.Redis.from_url(private_redis.url).set("k:a", b"new")  # a writer commits meanwhile
        return values

    assert mirror.get_many(["k:a"], racing_load) == {"k:a": b"old"}
    assert "k:a" not in mirror.entries
    assert mirror.get_many(["k:a"], load) == {"k:a": b"new"}


def test_an_entry_older_than_max_age_is_read_again(private_redis):
    mirror, raw = make_mirror(private_redis, max_age=0.2)
    raw.set("k:a", b"1")
    load = Loads(raw)
    warm(mirror, load, ["k:a"])
    calls = load.calls
    time.sleep(0.25)
    mirror.get_many(["k:a"], load)
    assert load.calls == calls + 1


def test_a_frozen_server_stops_the_mirror_within_its_liveness(private_redis):
    mirror, raw = make_mirror(private_redis, liveness=0.3)
    raw.set("k:a", b"1")
    load = Loads(raw)
    warm(mirror, load, ["k:a"])
    private_redis.freeze()
    time.sleep(0.35)

    def frozen_load(keys):
        raise redis.exceptions.TimeoutError("frozen")

    # The writer's own call to the frozen server would have taken REDIS_TIMEOUT: by then, no PONG.
    with pytest.raises(redis.exceptions.TimeoutError):
        mirror.get_many(["k:a"], frozen_load)


def test_a_killed_server_stops_the_mirror_and_a_restarted_link_serves_again(private_redis):
    mirror, raw = make_mirror(private_redis, retry_seconds=0.0)
    raw.set("k:a", b"1")
    load = Loads(raw)
    warm(mirror, load, ["k:a"])
    # The server closes the tracking connection (as a restart does): the next read goes to Redis.
    for client in raw.client_list():
        if client["cmd"] in ("ping", "client|tracking", "hello"):
            raw.client_kill_filter(_id=client["id"])
    calls = load.calls
    assert mirror.get_many(["k:a"], load) == {"k:a": b"1"}
    assert load.calls == calls + 1
    assert mirror.link is not None or mirror.retry_at  # reconnected, or due to
    assert warm(mirror, load, ["k:a"]) == {"k:a": b"1"}
    private_redis.kill()

    def dead_load(keys):
        raise redis.exceptions.ConnectionError("refused")

    with pytest.raises(redis.exceptions.ConnectionError):
        mirror.get_many(["k:a"], dead_load)


def test_a_forked_child_opens_its_own_link(private_redis):
    mirror, raw = make_mirror(private_redis)
    raw.set("k:a", b"1")
    load = Loads(raw)
    warm(mirror, load, ["k:a"])
    parent_link = mirror.link
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its first read must go to Redis, on a link of its own
        calls = load.calls
        mirror.get_many(["k:a"], load)
        ok = load.calls == calls + 1 and mirror.link is not parent_link
        os.write(writer, b"1" if ok else b"0")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(reader, 1) == b"1"
    # The parent's link is untouched by the child's.
    assert mirror.get_many(["k:a"], load) == {"k:a": b"1"}


def test_the_auth_mirror_follows_the_settings(settings, private_redis):
    assert security_mirror(MIRRORED_PREFIXES) is not None
    settings.CACHE_MIRROR_SECONDS = 0
    assert security_mirror(MIRRORED_PREFIXES) is None
    settings.CACHE_MIRROR_SECONDS = 10
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "security": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    assert security_mirror(MIRRORED_PREFIXES) is None


# --- End to end: another process ------------------------------------------------------------------
def _serve(requests, answers) -> None:
    """A second process (forked): authenticates each token it is sent and answers: the status,
    whether authentication came from its mirror with a user's record in it, whether an answer cache
    was served from its mirror, and the body."""
    connections.close_all()
    reset_mirrors()
    while (job := requests.get()) is not None:
        token, path = job
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        mirror = security_mirror(MIRRORED_PREFIXES)
        answers_mirror = alias_mirror("default", MIRRORED_ANSWER_PREFIXES)
        before = mirror.loads if mirror else -1
        hits = answers_mirror.hits if answers_mirror else -1
        held = mirror is not None and any(
            ":authz:u:" in key and isinstance(value, dict) for key, (value, _) in mirror.entries.items()
        )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        # From the mirror, and nothing recomputed from the database.
        answered = answers_mirror is not None and answers_mirror.hits > hits and not queries.captured_queries
        answers.put((response.status_code, held and mirror.loads == before, answered, response.content))
    connections.close_all()


@pytest.fixture
def other_process(private_redis, settings):
    # Liveness long enough that the other process's mirror, once proven, would still answer after
    # the change below: only the invalidation can make it read again.
    settings.REDIS_TIMEOUT = 10
    context = multiprocessing.get_context("fork")
    requests, answers = context.Queue(), context.Queue()
    connections.close_all()
    process = context.Process(target=_serve, args=(requests, answers), daemon=True)
    process.start()

    def ask(token: str, path: str) -> tuple[int, bool]:
        """(status, answered from the mirror holding the record) of a request in the other process."""
        return ask_all(token, path)[:2]

    def ask_all(token: str, path: str) -> tuple[int, bool, bool, bytes]:
        requests.put((token, path))
        return answers.get(timeout=30)

    def ask_until_mirrored(token: str, path: str) -> int:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            status, mirrored = ask(token, path)
            if mirrored:
                return status
            time.sleep(0.02)
        raise AssertionError("the other process never answered from its mirror")

    ask.until_mirrored = ask_until_mirrored
    ask.all = ask_all
    yield ask
    requests.put(None)
    process.join(timeout=30)


def _login(username: str) -> tuple[str, str]:
    response = APIClient().post(reverse("auth-login"), {"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 200, response.content
    body = response.json()
    return body["access_token"], body["refresh_token"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_logout_here_refuses_the_token_on_the_next_request_in_another_process(other_process):
    UserFactory(username="twoproc", role=Role.SUPERVISOR)
    access, refresh = _login("twoproc")
    units = reverse("unit-list")
    assert other_process.until_mirrored(access, units) == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert client.post(reverse("auth-logout"), {"refresh_token": refresh}, format="json").status_code in (
        200,
        204,
    )
    assert other_process(access, units)[0] == 401


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_password_change_and_a_deactivation_are_seen_on_the_next_request_in_another_process(other_process):
    from staff.auth import services as auth_services

    user = UserFactory(username="pwproc", role=Role.SUPERVISOR)
    access, _ = _login("pwproc")
    units = reverse("unit-list")
    assert other_process.until_mirrored(access, units) == 200
    auth_services.tokens_revoke_user(user=user, actor=user)
    assert other_process(access, units)[0] == 401

    access, _ = _login("pwproc")
    assert other_process.until_mirrored(access, units) == 200
    user.is_active = False
    user.save()
    assert other_process(access, units)[0] == 401


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_role_change_is_seen_on_the_next_request_in_another_process(other_process):
    from staff.records import services as records_services

    manager = UserFactory(username="boss", role=Role.MANAGEMENT)
    user = UserFactory(username="roleproc")
    access, _ = _login("roleproc")
    positions = reverse("jabatan-list")  # every role's; refused to an account without one
    assert other_process.until_mirrored(access, positions) == 403
    records_services.user_set_role(user=user, role=Role.OPERATOR, actor=manager)
    assert other_process(access, positions)[0] == 200
    records_services.user_set_role(user=user, role=None, actor=manager)
    assert other_process(access, positions)[0] == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_logout_during_a_redis_freeze_still_refuses_the_token_next(private_redis):
    """The mirror cannot hear a frozen Redis: it stops answering before the logout's own Redis
    call has timed out, so the next request reads the revoked login from the database."""
    UserFactory(username="frozen", role=Role.SUPERVISOR)
    access, refresh = _login("frozen")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    units = reverse("unit-list")
    mirror = security_mirror(MIRRORED_PREFIXES)
    deadline = time.monotonic() + 10
    while True:
        before = mirror.loads
        assert client.get(units).status_code == 200
        if mirror.loads == before:
            break
        assert time.monotonic() < deadline, "never answered from the mirror"
        time.sleep(0.02)
    private_redis.freeze()
    logout = client.post(reverse("auth-logout"), {"refresh_token": refresh}, format="json")
    assert logout.status_code == 503  # the login's row is revoked; the deny key could not be written
    assert client.get(units).status_code == 401


# --- Answer caches that ask for the mirror -----------------------------------------------------------
def test_a_mirrored_generation_read_sees_a_bump_and_a_write_at_once(private_redis):
    generations = Generations(caches["default"], alias="default")
    name, key = "maintenance:parts:version", "maintenance:parts:version:page"
    token, _ = generations.read(name, [key], mirrored=True)
    generations.write(token, {key: b"page-1"}, timeout=60)
    mirror = alias_mirror("default", MIRRORED_ANSWER_PREFIXES)
    deadline = time.monotonic() + 5
    while True:
        loads = mirror.loads
        assert generations.read(name, [key], mirrored=True)[1] == {key: b"page-1"}
        if mirror.loads == loads:
            break
        assert time.monotonic() < deadline, "never answered from the mirror"
        time.sleep(0.01)
    Generations(caches["default"]).bump(name)  # as another process's write does
    new_token, fresh = generations.read(name, [key], mirrored=True)
    assert new_token != token and fresh == {}
    generations.write(new_token, {key: b"page-2"}, timeout=60)
    assert generations.read(name, [key], mirrored=True)[1] == {key: b"page-2"}


def test_keys_outside_the_mirrored_prefixes_are_always_read_from_redis(private_redis):
    generations = Generations(caches["default"], alias="default")
    name, key = "elsewhere:gen", "elsewhere:entry"
    token, _ = generations.read(name, [key], mirrored=True)
    generations.write(token, {key: 1}, timeout=60)
    for _ in range(5):
        generations.read(name, [key], mirrored=True)
    mirror = alias_mirror("default", MIRRORED_ANSWER_PREFIXES)
    assert mirror.entries == {} and mirror.hits == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_part_created_here_is_listed_on_the_next_request_in_another_process(other_process, settings):
    from maintenance import services as maintenance_services

    settings.MAINTENANCE_PARTS_CACHE_TTL = 60
    UserFactory(username="parts", role=Role.OPERATOR)
    manager = UserFactory(username="partsboss", role=Role.MANAGEMENT)
    access, _ = _login("parts")
    items = reverse("maintenance-item-list")
    deadline = time.monotonic() + 10
    while True:
        status, _, answered, body = other_process.all(access, items)
        assert status == 200
        if answered:
            break
        assert time.monotonic() < deadline, "the other process never answered the list from its mirror"
        time.sleep(0.02)
    assert b"MIR-STL-M1-10" not in body
    maintenance_services.sparepart_create(
        name="Mirror bolt", sku="MIR-STL-M1-10", price=Decimal("1.50"), stock=3, actor=manager
    )
    status, _, _, body = other_process.all(access, items)
    assert status == 200 and b"MIR-STL-M1-10" in body
