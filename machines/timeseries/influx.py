"""InfluxDB 2 backend (influxdb-client).

- Points: measurement `sensor_readings`, tags machine_id/sensor_type/location, fields
  temperature/pressure/speed, microsecond timestamps. InfluxDB keys a point by measurement, tag
  set and time, so a repeat of one (machine, timestamp) with the same tags overwrites.
- Writes are synchronous (`SYNCHRONOUS` WriteApi) for HTTP ingest *and* the MQTT subscriber: the
  subscriber batches messages itself and acknowledges them only after this write returns, which a
  background batching WriteApi cannot tell it. Errors are raised as StoreUnavailable, never
  swallowed.
- Queries are one constant Flux script with every user value bound through the client's `params`
  (sent as `extern` option statements, never formatted into the text);
  `aggregateWindow(every:, fn: mean, createEmpty: false, timeSrc: "_start")` aggregates, and the
  page and its total come back as two yields of one request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from django.utils.translation import gettext as _
from influxdb_client import InfluxDBClient, WritePrecision
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.rest import ApiException
from urllib3.exceptions import HTTPError

from machines.choices import FIELDS
from machines.exceptions import StoreUnavailable
from machines.timeseries.base import Page, Point, Query, TimeSeriesStore, dedupe

MEASUREMENT = "sensor_readings"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_SOURCE = """data = from(bucket: p_bucket)
  |> range(start: p_start, stop: p_stop)
  |> filter(fn: (r) => r._measurement == "sensor_readings" and r.machine_id == p_machine_id)
  |> filter(fn: (r) => contains(value: r._field, set: p_fields))
  |> group(columns: ["_field"])
"""
_TAIL = """  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
  |> group()

data
  |> sort(columns: ["_time"])
  |> limit(n: p_limit, offset: p_offset)
  |> yield(name: "page")

data
  |> count(column: "_time")
  |> yield(name: "total")
"""
RAW_FLUX = _SOURCE + _TAIL
AGGREGATE_FLUX = (
    _SOURCE
    + '  |> aggregateWindow(every: p_every, fn: mean, createEmpty: false, timeSrc: "_start")\n'
    + _TAIL
)


def _escape_tag(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace("=", "\\=")
        .replace(" ", "\\ ")
        .replace("\n", "\\n")
    )


def line_protocol(point: Point) -> str:
    """One point in InfluxDB line protocol, microsecond precision."""
    tags = (
        f"machine_id={_escape_tag(str(point.machine_id))},"
        f"sensor_type={_escape_tag(point.sensor_type)},location={_escape_tag(point.location)}"
    )
    fields = ",".join(
        f"{name}={float(value)!r}" for name in FIELDS if (value := getattr(point, name)) is not None
    )
    delta = point.timestamp.astimezone(UTC) - EPOCH
    micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{MEASUREMENT},{tags} {fields} {micros}"


class InfluxStore(TimeSeriesStore):
    name = "influx"

    def __init__(self, *, url: str, token: str, org: str, bucket: str, timeout_ms: int = 10_000) -> None:
        self.url, self.org, self.bucket = url, org, bucket
        self.client = InfluxDBClient(url=url, token=token, org=org, timeout=timeout_ms)
        self.write_api = self.client.write_api(write_options=SYNCHRONOUS)
        self.query_api = self.client.query_api()

    def _unavailable(self, exc: Exception) -> StoreUnavailable:
        if isinstance(exc, ApiException):
            reason = f"InfluxDB answered {exc.status} {exc.reason}"
        else:
            reason = exc.__class__.__name__
        return StoreUnavailable(_("Time-series store unavailable: %(reason)s") % {"reason": reason})

    def write(self, points: Sequence[Point]) -> int:
        unique = dedupe(points)
        if not unique:
            return 0
        body = "\n".join(line_protocol(point) for point in unique)
        try:
            self.write_api.write(
                bucket=self.bucket, org=self.org, record=body, write_precision=WritePrecision.US
            )
        except (ApiException, HTTPError, OSError) as exc:
            raise self._unavailable(exc) from exc
        return len(unique)

    def query(self, query: Query) -> Page:
        # influxdb-client sends these as `option p_<name> = <literal>` in the request's `extern` AST:
        # values never become Flux text. The prefix keeps them from shadowing builtins (limit, range).
        params = {
            "p_bucket": self.bucket,
            "p_start": query.start,
            "p_stop": query.end,
            "p_machine_id": str(query.machine_id),
            "p_fields": list(query.fields),
            "p_limit": query.limit,
            "p_offset": query.offset,
        }
        flux = RAW_FLUX
        if query.interval_seconds is not None:
            params["p_every"] = timedelta(seconds=query.interval_seconds)
            flux = AGGREGATE_FLUX
        try:
            tables = self.query_api.query(flux, org=self.org, params=params)
        except (ApiException, HTTPError, OSError) as exc:
            raise self._unavailable(exc) from exc
        page = Page()
        for table in tables:
            for record in table.records:
                values = record.values
                if values.get("result") == "total":
                    page.total = int(values["_time"])
                    continue
                row = {"timestamp": values["_time"].astimezone(UTC)}
                for name in query.fields:
                    if values.get(name) is not None:
                        row[name] = float(values[name])
                page.rows.append(row)
        return page

    def delete_before(self, cutoff: datetime) -> None:
        try:
            self.client.delete_api().delete(
                start=EPOCH,
                stop=cutoff,
                predicate=f'_measurement="{MEASUREMENT}"',
                bucket=self.bucket,
                org=self.org,
            )
        except (ApiException, HTTPError, OSError) as exc:
            raise self._unavailable(exc) from exc
        return None

    def check(self) -> str:
        if not self.client.ping():
            raise RuntimeError(f"InfluxDB at {self.url} did not answer /ping")
        return f"influxdb ({self.url}, bucket {self.bucket})"

    def close(self) -> None:
        self.write_api.close()
        self.client.close()
