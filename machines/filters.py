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
from machines.choices import AlertMetric, AlertSeverity, AlertStatus, MachineStatus
from machines.exceptions import InvalidMachineId, InvalidQueryParameters
from machines.selectors import AlertListFilters, MachineListFilters

LIST_LIMIT = (100, 1, 1000)  # default, lowest, highest
MAX_OFFSET = 10**12


@dataclass(frozen=True, slots=True)
class MachineListParams:
    filters: MachineListFilters
    limit: int
    offset: int


def _page_values(params: Mapping[str, Any], errors: list[dict[str, Any]]) -> dict[str, Any]:
    """`limit` and `offset` of a machines-API list, each bad one added to `errors`."""
    values: dict[str, Any] = {}
    for name, (default, low, high) in (("limit", LIST_LIMIT), ("offset", (0, 0, MAX_OFFSET))):
        number, problem = int_param(params.get(name), default, low, high)
        if problem:
            errors.append({"parameter": name, "error": problem, "value": params.get(name)})
            continue
        values[name] = number
    return values


def machine_list_params(params: Mapping[str, Any]) -> MachineListParams:
    """The machine list's filters and page, or InvalidQueryParameters naming every bad one."""
    errors: list[dict[str, Any]] = []
    values = _page_values(params, errors)
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


@dataclass(frozen=True, slots=True)
class AlertListParams:
    filters: AlertListFilters
    limit: int
    offset: int


_ALERT_CHOICES = {"status": AlertStatus, "severity": AlertSeverity, "metric": AlertMetric}


def alert_list_params(params: Mapping[str, Any]) -> AlertListParams:
    """The alert list's filters and page, or InvalidQueryParameters naming every bad one."""
    errors: list[dict[str, Any]] = []
    values = _page_values(params, errors)
    for name, choices in _ALERT_CHOICES.items():
        raw = params.get(name)
        if raw is not None and raw not in choices.values:
            errors.append(
                {
                    "parameter": name,
                    "error": "Must be one of: " + ", ".join(choices.values),
                    "value": raw[:100],
                }
            )
        values[name] = raw
    raw_machine = params.get("machine_id")
    values["machine_id"] = None if raw_machine is None else parse_uuid(raw_machine)
    if raw_machine is not None and values["machine_id"] is None:
        errors.append({"parameter": "machine_id", "error": "Must be a UUID", "value": raw_machine[:100]})
    if errors:
        raise InvalidQueryParameters(errors=errors)
    filters = AlertListFilters(
        status=values["status"],
        machine_id=values["machine_id"],
        severity=values["severity"],
        metric=values["metric"],
    )
    return AlertListParams(filters=filters, limit=values["limit"], offset=values["offset"])
