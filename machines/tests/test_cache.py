"""Cache correctness: keys cover everything that changes an answer, nobody gets another user's
answer, and every write is visible to the next read once it commits (local memory and Redis)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from machines import cache as keys
from machines import selectors, services
from machines.exceptions import MachineNotFound
from machines.tests.factories import MachineFactory

LIST = reverse("machines-list")
CONFIG = reverse("machines-config")


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def any_cache(request):
    if request.param == "redis":
        request.getfixturevalue("machines_redis_cache")


def machine_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if '"machines_machine"' in q["sql"]]


@pytest.mark.redis
def test_list_is_served_from_the_cache(
    machines_redis_cache, auth_client, operator, django_assert_max_num_queries
):
    MachineFactory(name="A")
    client = auth_client(operator)
    client.get(LIST)
    with django_assert_max_num_queries(5) as captured:
        assert client.get(LIST).json()["count"] == 1
    assert machine_queries(captured) == []


def test_a_per_process_cache_keeps_no_answer(settings, auth_client, operator, django_assert_max_num_queries):
    """config.cache.answer_ttl: on local memory another worker's write could not invalidate this
    process's entries, so every list is read from the registry."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    MachineFactory(name="A")
    client = auth_client(operator)
    client.get(LIST)
    with django_assert_max_num_queries(5) as captured:
        assert client.get(LIST).json()["count"] == 1
    assert machine_queries(captured) != []


@pytest.mark.django_db(transaction=True)
def test_create_then_list_at_once_shows_the_new_machine(any_cache, auth_client, supervisor):
    client = auth_client(supervisor)
    assert client.get(LIST).json()["count"] == 0
    created = client.post(reverse("machines-create"), {"name": "N", "location": "L", "sensor_type": "S"})
    assert created.status_code == 201
    names = [m["name"] for m in client.get(LIST).json()["machines"]]
    assert names == ["N"]


def test_every_parameter_is_part_of_the_key(any_cache, auth_client, operator):
    MachineFactory(name="A", location="L1")
    MachineFactory(name="B", location="L2", status="error")
    client = auth_client(operator)
    assert client.get(LIST, {"location": "L1"}).json()["machines"][0]["name"] == "A"
    assert client.get(LIST, {"location": "L2"}).json()["machines"][0]["name"] == "B"
    assert client.get(LIST, {"status": "error"}).json()["count"] == 1
    assert client.get(LIST, {"limit": 1, "offset": 1}).json()["machines"][0]["name"] == "B"


def test_two_managers_each_see_themselves_as_accessed_by(any_cache, db, auth_client):
    from config.roles import Role
    from staff.tests.factories import UserFactory

    first, second = UserFactory(role=Role.MANAGEMENT), UserFactory(role=Role.MANAGEMENT)
    assert auth_client(first).get(CONFIG).json()["accessed_by"] == first.username
    assert auth_client(second).get(CONFIG).json()["accessed_by"] == second.username
    assert auth_client(first).get(CONFIG).json()["accessed_by"] == first.username


@pytest.mark.django_db(transaction=True)
def test_config_update_is_visible_at_once(any_cache, auth_client, manager):
    client = auth_client(manager)
    assert client.get(CONFIG).json()["config"]["alert_email"] == "alerts@factory.com"
    response = client.post(
        reverse("machines-config-update"), {"setting_name": "alert_email", "setting_value": "ops@factory.com"}
    )
    assert response.status_code == 200
    assert client.get(CONFIG).json()["config"]["alert_email"] == "ops@factory.com"


@pytest.mark.redis
def test_invalidation_waits_for_the_commit(machines_redis_cache, db, django_capture_on_commit_callbacks):
    def names():
        return [m.name for m in selectors.machine_list(**LIST_ARGS).machines]

    assert names() == []
    with django_capture_on_commit_callbacks() as callbacks:
        services.machine_create(name="X", location="L", sensor_type="S", actor=None)
        # Not committed yet: the cached answer still holds (no other reader can see X either).
        assert names() == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert names() == ["X"]


def test_a_rolled_back_write_invalidates_nothing(any_cache, db):
    selectors.machine_list(**LIST_ARGS)
    token = keys.generation(keys.MACHINES)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.machine_create(name="Y", location="L", sensor_type="S", actor=None)
        raise RuntimeError("roll back")
    assert keys.generation(keys.MACHINES) == token


@pytest.mark.django_db(transaction=True)
def test_machine_record_change_reaches_history_and_ingest(any_cache):
    machine = MachineFactory(name="Old")
    assert selectors.machine_get(machine_id=machine.pk).name == "Old"
    services.machine_update(machine=machine, name="New", actor=None)
    assert selectors.machine_get(machine_id=machine.pk).name == "New"
    services.machine_delete(machine=machine, actor=None)
    with pytest.raises(MachineNotFound):
        selectors.machine_get(machine_id=machine.pk)


LIST_ARGS = {"filters": selectors.MachineListFilters(), "limit": 100, "offset": 0}


def test_an_entry_stored_by_a_reader_that_raced_a_write_is_never_served(any_cache, db):
    MachineFactory(name="Fresh")
    key = keys.list_key(("page", None, None, None, 100, 0))
    old_token = keys.generation(keys.MACHINES)
    # The write commits and replaces the token ...
    keys.bump(keys.MACHINES)
    # ... after which a reader that started before it stores what it read (stale) under the old token.
    keys.write(old_token, {key: selectors.MachinePage(machines=[], total=0, limit=100, offset=0)})
    assert [m.name for m in selectors.machine_list(**LIST_ARGS).machines] == ["Fresh"]
