"""Query counts pinned: every list is one SELECT (plus a COUNT when the page is full), whatever the
page size (a join for `?with_details=true`, never a query per row); statistics are two aggregates."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sensors.models import SensorData
from sensors.tests.factories import SensorDataFactory, SensorFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(auth_client, operator):
    """The shared Operator client, its permissions loaded once as the JWT authentication's cached
    record does in production: the counts below are the view's queries, not the role lookup."""
    operator.get_all_permissions()
    return auth_client(operator)


@pytest.fixture
def data():
    units = UnitFactory.create_batch(3)
    sensors = [SensorFactory(unit=unit) for unit in units for _ in range(3)]
    for sensor in sensors:
        SensorDataFactory.create_batch(4, sensor=sensor)
    return units, sensors


@pytest.mark.parametrize(
    "url",
    [
        "/api/units/",
        "/api/sensors/",
        "/api/sensors/?unit_id=1",
        "/api/sensor-data/",
        "/api/sensor-data/?limit=50",
        "/api/sensor-data/?status=pending&sensor_id=2",
        "/api/sensor-data/?with_details=true",
    ],
)
def test_a_short_page_is_one_select_its_length_is_the_total(
    operator_client, data, django_assert_num_queries, url
):
    with django_assert_num_queries(1):
        response = operator_client.get(url)
    assert response.status_code == 200
    assert response["X-Total-Count"] == str(len(response.json()))


@pytest.mark.parametrize(
    ("url", "total"),
    [
        ("/api/units/?limit=2", 3),
        ("/api/sensors/?limit=9", 9),
        ("/api/sensor-data/?limit=5&skip=3", 36),
        ("/api/sensor-data/?skip=100", 36),
        ("/api/sensor-data/?with_details=true&status=pending&limit=5", 36),
    ],
)
def test_a_full_or_past_the_end_page_adds_one_count(
    operator_client, data, django_assert_num_queries, url, total
):
    with django_assert_num_queries(2):
        response = operator_client.get(url)
    assert response["X-Total-Count"] == str(total)


def test_a_short_page_after_skip_counts_from_skip(operator_client, data, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = operator_client.get("/api/sensor-data/?skip=30&limit=10")
    assert len(response.json()) == 6
    assert response["X-Total-Count"] == "36"


def test_an_empty_list_is_one_select(operator_client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = operator_client.get("/api/sensor-data/")
    assert (response.json(), response["X-Total-Count"]) == ([], "0")


def test_with_details_is_a_join_in_the_same_query_and_the_count_has_none(operator_client, data):
    with CaptureQueriesContext(connection) as queries:
        response = operator_client.get("/api/sensor-data/?with_details=true&limit=10")
    assert len(response.json()) == 10
    assert response["X-Total-Count"] == "36"
    select_sql, count_sql = (q["sql"] for q in queries.captured_queries)
    assert "JOIN" not in count_sql.upper()
    assert select_sql.upper().count("INNER JOIN") == 2


@pytest.mark.parametrize("url", ["/api/units/{unit}", "/api/sensors/{sensor}", "/api/sensor-data/{reading}"])
def test_each_detail_is_one_query(operator_client, data, django_assert_num_queries, url):
    units, sensors = data
    reading = sensors[0].readings.first()
    with django_assert_num_queries(1):
        response = operator_client.get(url.format(unit=units[0].pk, sensor=sensors[0].pk, reading=reading.pk))
    assert response.status_code == 200


def test_statistics_are_two_aggregate_queries(operator_client, data, django_assert_num_queries):
    units, _ = data
    with django_assert_num_queries(2):
        response = operator_client.get(f"/api/units/{units[0].pk}/statistics")
    assert response.json()["total_data_points"] == 12


def test_reading_create_is_an_existence_check_and_an_insert(auth_client, operator, data):
    _, sensors = data
    operator_client = auth_client(operator)
    # force_authenticate: the permission check reads the operator's groups once.
    operator_client.post("/api/sensor-data/", {"sensor_id": sensors[0].pk, "value": 1})
    with CaptureQueriesContext(connection) as queries:
        response = operator_client.post("/api/sensor-data/", {"sensor_id": sensors[0].pk, "value": 1})
    assert response.status_code == 201
    writes = [q["sql"] for q in queries.captured_queries if "sensors_" in q["sql"]]
    assert len(writes) == 2
    assert writes[1].upper().startswith("INSERT")


@pytest.mark.parametrize("action", ["validate", "archive"])
def test_a_transition_is_one_update_its_change_record_and_one_read(auth_client, superuser, data, action):
    """A pending reading: one conditional UPDATE, the change record (config.history) in the same
    transaction, and the read of the answer."""
    _, sensors = data
    reading = sensors[0].readings.first()
    ContentType.objects.get_for_model(SensorData)  # cached per process, as in production
    with CaptureQueriesContext(connection) as queries:
        response = auth_client(superuser).put(f"/api/sensor-data/{reading.pk}/{action}")
    assert response.status_code == 200
    statements = [q["sql"].upper() for q in queries.captured_queries if "SAVEPOINT" not in q["sql"].upper()]
    assert len(statements) == 3, statements
    assert statements[0].startswith("UPDATE")
    assert statements[1].startswith('INSERT INTO "PLATFORM_CHANGERECORD"')
    assert statements[2].startswith("SELECT")
