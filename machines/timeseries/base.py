"""The time-series store's one interface (docs/architecture.md §9.2): `write(points)` and `query(...)`.

Both backends keep the same contract (machines/tests/test_timeseries_contract.py):
- a repeated (machine, timestamp) overwrites, never duplicates;
- a query covers [start, end) of one machine, in ascending time, only points (or windows) where at
  least one requested field has a value, each row carrying only the requested fields that have one;
- aggregation is the mean per UTC-aligned window labelled with its start, empty windows omitted;
- the store pages (`limit`/`offset`) and counts; nothing loads every point into Python.
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Point:
    """One reading: measurement `sensor_readings`, tags machine/sensor_type/location, three fields."""

    machine_id: uuid.UUID
    timestamp: datetime
    sensor_type: str
    location: str
    temperature: float | None = None
    pressure: float | None = None
    speed: float | None = None


@dataclass(frozen=True, slots=True)
class Query:
    machine_id: uuid.UUID
    start: datetime
    end: datetime
    fields: tuple[str, ...]
    interval_seconds: int | None = None  # None: raw points
    limit: int = 1000
    offset: int = 0


@dataclass(slots=True)
class Page:
    """Rows `{"timestamp": datetime, <field>: float, ...}` in ascending time, and the total count."""

    rows: list[dict] = field(default_factory=list)
    total: int = 0


def dedupe(points: Sequence[Point]) -> list[Point]:
    """The last point per (machine, timestamp): one batch may repeat a key (upsert semantics), and
    PostgreSQL refuses an ON CONFLICT statement that touches one row twice."""
    latest: dict[tuple[uuid.UUID, datetime], Point] = {}
    for point in points:
        latest[(point.machine_id, point.timestamp)] = point
    return list(latest.values())


class TimeSeriesStore(abc.ABC):
    """What ingest, the subscriber, history and retention need from a store."""

    name = "store"

    @abc.abstractmethod
    def write(self, points: Sequence[Point]) -> int:
        """Store the points synchronously (all or none); return how many distinct points were written.

        Raises machines.exceptions.StoreUnavailable when the store cannot take them.
        """

    @abc.abstractmethod
    def query(self, query: Query) -> Page:
        """One page of a machine's history (see the module docstring for the contract)."""

    @abc.abstractmethod
    def delete_before(self, cutoff: datetime) -> int | None:
        """Drop every point older than `cutoff` (retention); the count when the store knows it."""

    @abc.abstractmethod
    def check(self) -> str:
        """Raise when the store is not usable; return a short description for /health/ready."""

    def close(self) -> None:  # noqa: B027  (optional hook)
        """Flush and release what the backend holds (the subscriber calls it on shutdown)."""
