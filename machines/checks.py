"""Pure input checks shared by HTTP ingest, the MQTT parser and the history query.

Hand-written rather than nested DRF serializers: a 1,000-item batch is checked in one pass, and
every error is reported with its path (`batch.0.readings.0.timestamp`) and the value sent.
None of these functions raises on any input: every problem is a message (a 400 over HTTP, a
dropped `bad_value` over MQTT).
"""

from __future__ import annotations

import math
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _

from config.limits import IntegerParamError, integer_param
from machines.choices import FIELDS, RANGES
from machines.exceptions import IngestTooLarge

MAX_BATCH_ITEMS = 1000
MAX_READINGS_PER_ITEM = 10000
# Validation answers list this many problems (and count them all): a 2.5 MB body of bad readings
# must not answer with ten times that.
MAX_REPORTED_ERRORS = 100
# An echoed string is cut to this length; containers and unrenderable numbers are not echoed.
MAX_ECHO_LENGTH = 100

# What both time-series stores hold: InfluxDB keeps signed 64-bit nanoseconds since the epoch
# (1677-09-21T00:12:43Z .. 2262-04-11T23:47:16Z); whole days inside that, so the hour and day
# windows of a history query around them stay inside too.
TIMESTAMP_MIN = datetime(1677, 9, 22, tzinfo=UTC)
TIMESTAMP_MAX = datetime(2262, 4, 10, tzinfo=UTC)


def timestamp_range_error() -> str:
    """The range problem, in the active language."""
    bounds = {"low": TIMESTAMP_MIN.date().isoformat(), "high": TIMESTAMP_MAX.date().isoformat()}
    return _("Must be between %(low)s and %(high)s (UTC)") % bounds


def timestamp_error(value: Any) -> tuple[datetime | None, str | None]:
    """An ISO 8601 string (`Z` or an offset; none means UTC) as an aware UTC datetime within the
    stores' range, else why not ("Must be an ISO 8601 datetime" or the range)."""
    if not isinstance(value, str) or not value or len(value) > 64:
        return None, _("Must be an ISO 8601 datetime")
    try:
        parsed = datetime.fromisoformat(value)
        # Converting an offset near year 1 or 9999 to UTC overflows the datetime range.
        parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except ValueError:
        return None, _("Must be an ISO 8601 datetime")
    except OverflowError:
        return None, timestamp_range_error()
    if not TIMESTAMP_MIN <= parsed <= TIMESTAMP_MAX:
        return None, timestamp_range_error()
    return parsed, None


def iso(value: datetime) -> str:
    """ISO 8601 in UTC with `Z`, the form every machines answer uses."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO 8601 string as an aware UTC datetime within the stores' range, else None. Never raises."""
    return timestamp_error(value)[0]


def parse_uuid(value: Any) -> uuid.UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


# The machines clients' integers: ASCII digits, an optional `-` (never `+`), at most 15 digits;
# `int()` would also take "1_000", " 5" and other scripts' digits (config.limits.parse_integer).
INTEGER_GRAMMAR: dict[str, Any] = {"max_digits": 15, "plus_sign": False}


def value_error(name: str, value: Any) -> str | None:
    """Why a reading value is unacceptable, or None (null is acceptable: the field is optional)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _("Must be a number")
    # An int is compared exactly (math.isfinite would convert it to float and overflow past 1e308).
    if isinstance(value, float) and not math.isfinite(value):
        return _("Must be a number")
    low, high = RANGES[name]
    if not low <= value <= high:
        return _("Must be between %(low)s and %(high)s") % {"low": f"{low:g}", "high": f"{high:g}"}
    return None


def required_or(value: Any, message: str) -> str:
    return _("This field is required") if value is None else message


def has_control_characters(value: str) -> bool:
    """NUL and other control characters (PostgreSQL refuses NUL; none belongs in a name or tag),
    and lone surrogates (which no store can encode)."""
    return any(unicodedata.category(char) in ("Cc", "Cs") for char in value)


def refuse_control_characters(value: Any) -> None:
    """Model and form validator: a name or tag with control characters is refused (the admin, the API)."""
    if isinstance(value, str) and has_control_characters(value):
        from django.core.exceptions import ValidationError

        raise ValidationError(_("Must not contain control characters."), code="control_characters")


def text_error(value: Any, max_length: int) -> str | None:
    if value is None:
        return _("This field is required")
    if not isinstance(value, str):
        return _("Must be a string")
    if not value.strip():
        return _("Must not be empty")
    if len(value) > max_length:
        return _("Must be at most %(max)s characters") % {"max": max_length}
    if has_control_characters(value):
        return _("Must not contain control characters")
    return None


def echo(value: Any) -> Any:
    """A sent value as an error answer may repeat it: short strings and renderable numbers only.

    orjson renders integers up to 64 bits; a longer one (or a whole object) is not repeated.
    """
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**64 else None
    if isinstance(value, str):
        return value if len(value) <= MAX_ECHO_LENGTH else value[:MAX_ECHO_LENGTH] + "…"
    return None


@dataclass(slots=True)
class Reading:
    timestamp: datetime
    temperature: float | None = None
    pressure: float | None = None
    speed: float | None = None


@dataclass(slots=True)
class BatchItem:
    machine_id: uuid.UUID
    raw_machine_id: str
    sensor_type: str
    readings: list[Reading]


@dataclass(slots=True)
class IngestBatch:
    gateway_id: str
    timestamp: datetime
    items: list[BatchItem] = field(default_factory=list)


class _Errors(list):
    """The first MAX_REPORTED_ERRORS problems; `total` counts all of them."""

    def __init__(self) -> None:
        super().__init__()
        self.total = 0

    def add(self, path: str, error: str, value: Any) -> None:
        self.total += 1
        if len(self) < MAX_REPORTED_ERRORS:
            self.append({"field": path, "error": error, "value": echo(value)})


def _reading(raw: Any, path: str, errors: _Errors) -> Reading | None:
    if not isinstance(raw, dict):
        errors.add(path, _("Must be an object"), raw)
        return None
    ok = True
    timestamp, problem = timestamp_error(raw.get("timestamp"))
    if timestamp is None:
        ok = False
        errors.add(f"{path}.timestamp", required_or(raw.get("timestamp"), problem), raw.get("timestamp"))
    values = {}
    for name in FIELDS:
        value = raw.get(name)
        problem = value_error(name, value)
        if problem:
            ok = False
            errors.add(f"{path}.{name}", problem, value)
        values[name] = None if value is None else float(value) if not problem else None
    if ok and all(raw.get(name) is None for name in FIELDS):
        errors.add(path, _("At least one of temperature, pressure, speed is required"), None)
        return None
    return Reading(timestamp, **values) if ok else None


def count_readings(data: Any) -> int:
    """How many readings a body carries, counted before any of them is checked (the request cap)."""
    if not isinstance(data, dict) or not isinstance(data.get("batch"), list):
        return 0
    return sum(
        len(item["readings"])
        for item in data["batch"]
        if isinstance(item, dict) and isinstance(item.get("readings"), list)
    )


def parse_ingest(data: Any, *, max_readings: int | None = None) -> tuple[IngestBatch | None, _Errors]:
    """The ingest body as an IngestBatch, or its problems (then the batch is None): the first
    MAX_REPORTED_ERRORS of them, with `errors.total` counting all.

    More than `max_readings` readings raise IngestTooLarge before any of them is checked.
    """
    if max_readings is not None and (count := count_readings(data)) > max_readings:
        raise IngestTooLarge(
            _(
                "Batch too large: %(count)s readings in one request; at most %(max)s "
                "(INGEST_MAX_READINGS). Split the batch."
            )
            % {"count": count, "max": max_readings}
        )
    errors = _Errors()
    if not isinstance(data, dict):
        errors.add("body", _("Must be a JSON object"), None)
        return None, errors
    gateway_id = data.get("gateway_id")
    if problem := text_error(gateway_id, 255):
        errors.add("gateway_id", problem, gateway_id)
    raw_time = data.get("timestamp")
    sent_at, problem = timestamp_error(raw_time)
    if sent_at is None:
        errors.add("timestamp", required_or(raw_time, problem), raw_time)
    batch = data.get("batch")
    items: list[BatchItem] = []
    if not isinstance(batch, list):
        errors.add("batch", required_or(batch, _("Must be a list")), batch)
    elif not 1 <= len(batch) <= MAX_BATCH_ITEMS:
        errors.add(
            "batch", _("Must contain between 1 and %(max)s items") % {"max": MAX_BATCH_ITEMS}, len(batch)
        )
    else:
        for index, raw_item in enumerate(batch):
            item = _batch_item(raw_item, f"batch.{index}", errors)
            if item is not None:
                items.append(item)
    if errors.total:
        return None, errors
    return IngestBatch(gateway_id=gateway_id, timestamp=sent_at, items=items), errors


def _batch_item(raw: Any, path: str, errors: _Errors) -> BatchItem | None:
    if not isinstance(raw, dict):
        errors.add(path, _("Must be an object"), raw)
        return None
    before = errors.total
    machine_id = parse_uuid(raw.get("machine_id"))
    if machine_id is None:
        value = raw.get("machine_id")
        errors.add(f"{path}.machine_id", required_or(value, _("Must be a UUID")), value)
    if problem := text_error(raw.get("sensor_type"), 100):
        errors.add(f"{path}.sensor_type", problem, raw.get("sensor_type"))
    # `location` is optional and not stored (the machine record's is): checked when sent, so a
    # malformed body is still refused whole.
    if raw.get("location") is not None and (problem := text_error(raw["location"], 500)):
        errors.add(f"{path}.location", problem, raw["location"])
    readings_raw = raw.get("readings")
    readings: list[Reading] = []
    if not isinstance(readings_raw, list):
        errors.add(
            f"{path}.readings",
            required_or(readings_raw, _("Must be a list")),
            readings_raw,
        )
    elif not 1 <= len(readings_raw) <= MAX_READINGS_PER_ITEM:
        errors.add(
            f"{path}.readings",
            _("Must contain between 1 and %(max)s readings") % {"max": MAX_READINGS_PER_ITEM},
            len(readings_raw),
        )
    else:
        for index, reading in enumerate(readings_raw):
            parsed = _reading(reading, f"{path}.readings.{index}", errors)
            if parsed is not None:
                readings.append(parsed)
    if errors.total != before:
        return None
    return BatchItem(
        machine_id=machine_id,
        raw_machine_id=raw["machine_id"],
        sensor_type=raw["sensor_type"],
        readings=readings,
    )


@dataclass(slots=True)
class HistoryParams:
    start: datetime
    end: datetime
    interval: str
    fields: tuple[str, ...]
    limit: int
    offset: int


def int_param(raw: str | None, default: int, low: int, high: int) -> tuple[int | None, str | None]:
    """config.limits.integer_param in the machines grammar, its error reshaped into the clients'
    `{parameter, error, value}` text: (value, None) or (None, the problem)."""
    try:
        return integer_param(raw, name="", default=default, low=low, high=high, **INTEGER_GRAMMAR), None
    except IntegerParamError as exc:
        if exc.code == "invalid":
            return None, _("Must be an integer")
        return None, _("Must be between %(low)s and %(high)s") % {"low": low, "high": high}


def parse_history_params(params: Any, now: datetime) -> tuple[HistoryParams | None, list[dict]]:
    """The history query's parameters, or every problem with them at once."""
    from machines.choices import Interval

    errors: list[dict] = []

    def bad(parameter: str, error: str, value: Any) -> None:
        errors.append({"parameter": parameter, "error": error, "value": echo(value)})

    def time_problem(problem: str, example: str) -> str:
        if problem == timestamp_range_error():
            return problem
        return _("%(problem)s (e.g. %(example)s)") % {"problem": problem, "example": example}

    raw_start = params.get("start_time")
    start, problem = timestamp_error(raw_start)
    if raw_start in (None, ""):
        bad("start_time", _("start_time is required"), raw_start)
    elif start is None:
        bad("start_time", time_problem(problem, "2026-01-31T08:00:00Z"), raw_start)
    raw_end = params.get("end_time")
    end, problem = (now, None) if raw_end in (None, "") else timestamp_error(raw_end)
    if end is None:
        bad("end_time", time_problem(problem, "2026-01-31T09:00:00Z"), raw_end)
    if start is not None and end is not None and start > end:
        bad("start_time", _("start_time must be before end_time"), raw_start)
    interval = params.get("interval") or Interval.RAW
    if interval not in Interval.values:
        bad("interval", _("Must be one of: %(values)s") % {"values": ", ".join(Interval.values)}, interval)
    raw_fields = params.get("fields")
    fields: tuple[str, ...] = FIELDS
    if raw_fields not in (None, "", "all"):
        names = [name.strip() for name in raw_fields.split(",") if name.strip()]
        unknown = [name for name in names if name not in FIELDS]
        if unknown or not names:
            bad(
                "fields",
                _("Invalid fields: %(fields)s. Must be one of: %(values)s")
                % {"fields": ", ".join(unknown) or raw_fields, "values": ", ".join(FIELDS)},
                raw_fields,
            )
        else:
            fields = tuple(name for name in FIELDS if name in names)
    limit, problem = int_param(params.get("limit"), 1000, 1, 10000)
    if problem:
        bad("limit", problem, params.get("limit"))
    offset, problem = int_param(params.get("offset"), 0, 0, 10**12)
    if problem:
        bad("offset", problem, params.get("offset"))
    if errors:
        return None, errors
    return HistoryParams(start, end, interval, fields, limit, offset), errors
