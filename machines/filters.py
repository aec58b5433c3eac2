"""Query parameters of the machines API, checked into typed values for the selectors.

Hand-parsed rather than config.api.filters' FilterSets: the machines clients parse every bad
parameter at once as `errors: [{parameter, error, value}]` under "Invalid query parameters" (and
`limit`/`offset` in ASCII digits), an answer django-filter's per-field messages cannot give.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from machines.checks import HistoryParams, int_param, parse_history_params, parse_uuid, text_error
from machines.choices import MachineStatus
from machines.exceptions import InvalidMachineId, InvalidQueryParameters
from machines.selectors import MachineListFilters

LIST_LIMIT = (100, 1, 1000)  # default, lowest, highest
MAX_OFFSET = 10**12


@dataclass(frozen=True, slots=True)
class MachineListParams:
    filters: MachineListFilters
    limit: int
    offset: int


def machine_list_params(params: Mapping[str, Any]) -> MachineListParams:
    """The machine list's filters and page, or InvalidQueryParameters naming every bad one."""
    errors: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    for name, (default, low, high) in (("limit", LIST_LIMIT), ("offset", (0, 0, MAX_OFFSET))):
        number, problem = int_param(params.get(name), default, low, high)
        if problem:
            errors.append({"parameter": name, "error": problem, "value": params.get(name)})
            continue
        values[name] = number
    status_filter = params.get("status")
    if status_filter is not None and status_filter not in MachineStatus.values:
        errors.append(
            {
                "parameter": "status",
                "error": "Must be one of: " + ", ".join(MachineStatus.values),
                "value": status_filter,
            }
        )
    values["status"] = status_filter
    for name, limit in (("location", 500), ("sensor_type", 100)):
        raw = params.get(name)
        # Exact-match filters: a value no machine can have (NUL, which PostgreSQL refuses) is a 400.
        if raw is not None and (problem := text_error(raw, limit)):
            errors.append({"parameter": name, "error": problem, "value": raw[:100]})
            continue
        values[name] = raw
    if errors:
        raise InvalidQueryParameters(errors=errors)
    filters = MachineListFilters(
        location=values["location"], status=values["status"], sensor_type=values["sensor_type"]
    )
    return MachineListParams(filters=filters, limit=values["limit"], offset=values["offset"])


def machine_id_param(raw: Any) -> uuid.UUID:
    """A machine id from the path; InvalidMachineId (400) when it is not a UUID."""
    parsed = raw if isinstance(raw, uuid.UUID) else parse_uuid(raw)
    if parsed is None:
        raise InvalidMachineId()
    return parsed


def history_params(params: Mapping[str, Any]) -> HistoryParams:
    """The history query's range, window, fields and page; InvalidQueryParameters naming every bad one."""
    parsed, errors = parse_history_params(params, timezone.now())
    if parsed is None:
        raise InvalidQueryParameters(errors=errors)
    return parsed
