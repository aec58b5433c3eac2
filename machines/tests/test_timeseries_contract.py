"""The store contract (machines/timeseries/base.py), run against every backend.

`sql` runs on the suite's database (SQLite zero-env, PostgreSQL with DATABASE_URL); `influx` runs
the InfluxDB backend against an HTTP fake of InfluxDB 2 (machines/tests/influx_fake.py): the
backend's real line protocol is parsed, its Flux and params are checked and the answer comes back
as annotated CSV. No InfluxDB server can be installed here.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from machines.tests.factories import MachineFactory
from machines.timeseries import Point, Query

T0 = datetime(2026, 3, 1, 10, 0, 0, tzinfo=UTC)
ALL = ("temperature", "pressure", "speed")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def point(machine_id: uuid.UUID, seconds: float, **values) -> Point:
    return Point(machine_id, at(seconds), "Temperature", "Zone A", **values)


def query(machine_id, start=T0, end=None, fields=ALL, interval=None, limit=1000, offset=0) -> Query:
    return Query(
        machine_id=machine_id,
        start=start,
        end=end or at(86400 * 3),
        fields=tuple(fields),
        interval_seconds=interval,
        limit=limit,
        offset=offset,
    )


@pytest.fixture
def mid(db):
    return MachineFactory().pk


def test_write_returns_distinct_count_and_repeat_overwrites(store, mid):
    assert store.write([point(mid, 0, temperature=1.0), point(mid, 0, temperature=2.0)]) == 1
    store.write([point(mid, 0, temperature=3.0, speed=5.0)])
    page = store.query(query(mid))
    assert page.total == 1
    assert page.rows == [{"timestamp": at(0), "temperature": 3.0, "speed": 5.0}]


def test_raw_rows_ascend_and_carry_only_requested_fields_with_values(store, mid):
    store.write(
        [
            point(mid, 20, pressure=120.5),
            point(mid, 0, temperature=70.0, pressure=110.0),
            point(mid, 10, temperature=71.0),
        ]
    )
    page = store.query(query(mid, fields=["pressure"]))
    assert page.rows == [
        {"timestamp": at(0), "pressure": 110.0},
        {"timestamp": at(20), "pressure": 120.5},
    ]
    assert page.total == 2
    everything = store.query(query(mid))
    assert [r["timestamp"] for r in everything.rows] == [at(0), at(10), at(20)]
    assert everything.rows[1] == {"timestamp": at(10), "temperature": 71.0}


def test_range_is_half_open_and_per_machine(store, mid):
    other = MachineFactory().pk
    store.write([point(mid, 0, speed=1.0), point(mid, 60, speed=2.0), point(mid, 30, speed=9.0)])
    store.write([point(other, 30, speed=100.0)])
    page = store.query(query(mid, start=at(0), end=at(60)))
    assert [r["speed"] for r in page.rows] == [1.0, 9.0]
    assert page.total == 2


def test_aggregation_is_the_mean_per_utc_window_labelled_with_its_start(store, mid):
    store.write(
        [
            point(mid, 10, temperature=10.0, pressure=100.0),
            point(mid, 50, temperature=20.0),
            point(mid, 90, temperature=30.0),
            point(mid, 180, temperature=40.0, speed=7.0),
        ]
    )
    page = store.query(query(mid, interval=60))
    assert page.total == 3
    assert page.rows == [
        {"timestamp": at(0), "temperature": 15.0, "pressure": 100.0},
        {"timestamp": at(60), "temperature": 30.0},
        {"timestamp": at(180), "temperature": 40.0, "speed": 7.0},
    ]


def test_aggregated_paging_happens_in_the_store(store, mid):
    store.write([point(mid, minute * 60 + 5, temperature=float(minute)) for minute in range(10)])
    page = store.query(query(mid, interval=60, limit=3, offset=4))
    assert [r["temperature"] for r in page.rows] == [4.0, 5.0, 6.0]
    assert page.total == 10
    beyond = store.query(query(mid, interval=60, limit=3, offset=20))
    assert beyond.rows == []
    assert beyond.total == 10


def test_raw_paging(store, mid):
    store.write([point(mid, s, pressure=float(s)) for s in range(7)])
    page = store.query(query(mid, limit=2, offset=5))
    assert [r["pressure"] for r in page.rows] == [5.0, 6.0]
    assert page.total == 7
    assert store.query(query(mid, limit=2, offset=9)).total == 7


def test_windows_without_the_requested_field_are_omitted(store, mid):
    store.write([point(mid, 5, temperature=1.0), point(mid, 65, speed=2.0), point(mid, 70, speed=4.0)])
    page = store.query(query(mid, fields=["speed"], interval=60))
    assert page.rows == [{"timestamp": at(60), "speed": 3.0}]
    assert page.total == 1


def test_daily_windows_align_to_utc_midnight(store, mid):
    plus7 = timezone(timedelta(hours=7))
    # 2026-03-02 03:00 at +07:00 is 2026-03-01 20:00 UTC: it belongs to the UTC day of March 1st.
    store.write(
        [
            Point(mid, datetime(2026, 3, 2, 3, 0, tzinfo=plus7), "T", "Z", temperature=10.0),
            Point(mid, datetime(2026, 3, 1, 23, 0, tzinfo=UTC), "T", "Z", temperature=20.0),
            Point(mid, datetime(2026, 3, 2, 1, 0, tzinfo=UTC), "T", "Z", temperature=40.0),
        ]
    )
    page = store.query(query(mid, start=datetime(2026, 3, 1, tzinfo=UTC), interval=86400))
    assert page.rows == [
        {"timestamp": datetime(2026, 3, 1, tzinfo=UTC), "temperature": 15.0},
        {"timestamp": datetime(2026, 3, 2, tzinfo=UTC), "temperature": 40.0},
    ]


def test_delete_before_drops_older_points_only(store, mid):
    store.write([point(mid, 0, speed=1.0), point(mid, 3600, speed=2.0)])
    store.delete_before(at(1800))
    page = store.query(query(mid))
    assert page.rows == [{"timestamp": at(3600), "speed": 2.0}]


def test_check_answers(store):
    assert store.check()


def test_hourly_windows_count_only_readings_inside_an_unaligned_range(store, mid):
    # 09:50 (outside), 10:10 and 10:50 (inside), 11:20 (inside), 11:40 (after the end).
    store.write(
        [
            point(mid, -600, temperature=100.0),
            point(mid, 600, temperature=10.0),
            point(mid, 3000, temperature=20.0),
            point(mid, 4800, temperature=30.0),
            point(mid, 6000, temperature=200.0),
        ]
    )
    page = store.query(query(mid, start=at(300), end=at(5400), interval=3600))
    assert page.rows == [
        {"timestamp": at(0), "temperature": 15.0},
        {"timestamp": at(3600), "temperature": 30.0},
    ]
    assert page.total == 2
    within_one_hour = store.query(query(mid, start=at(900), end=at(3300), interval=3600))
    assert within_one_hour.rows == [{"timestamp": at(0), "temperature": 20.0}]


def test_hourly_means_follow_overwrites_and_deletes(store, mid):
    store.write([point(mid, 60, pressure=10.0), point(mid, 120, pressure=20.0)])
    store.write([point(mid, 60, pressure=40.0)])
    page = store.query(query(mid, interval=3600))
    assert page.rows == [{"timestamp": at(0), "pressure": 30.0}]
    store.delete_before(at(90))
    assert store.query(query(mid, interval=86400, start=at(-86400))).rows == [
        {"timestamp": at(-36000), "pressure": 20.0}
    ]
