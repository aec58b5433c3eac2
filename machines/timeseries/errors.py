"""What a store error means for a writer that can retry: the store's outage (retry the batch later,
acknowledge nothing) or the data's refusal (find and drop the refused telemetry)."""

from __future__ import annotations

from django.db import DatabaseError, DataError, IntegrityError, InterfaceError
from influxdb_client.rest import ApiException
from urllib3.exceptions import HTTPError

from machines.exceptions import MachineLookupUnavailable, StoreUnavailable

# Influx answers these for a body it refuses (bad line, field type conflict, too large, outside the
# retention): the data's fault. Every other status (401, 404, 429, 5xx) is the store's.
_INFLUX_DATA_STATUSES = frozenset({400, 413, 422})


def is_outage(exc: BaseException) -> bool:
    """Whether a store error is the store's (retry the batch later, acknowledge nothing) rather
    than the data's (find and drop the refused messages). Reads the cause chain, since backends
    wrap the driver's error (the SQL store raises StoreUnavailable from a DataError). Only the
    explicit `__cause__`: the implicit context may be an unrelated error being handled up the stack."""
    chain = causes(exc)
    for error in chain:
        if isinstance(error, DataError | IntegrityError):
            return False
        if isinstance(error, ApiException) and isinstance(error.status, int):
            return error.status not in _INFLUX_DATA_STATUSES
    # Connection, server and schema errors (OperationalError, InterfaceError, ProgrammingError,
    # InternalError), sockets and timeouts: nothing one message causes or a retry of it could fix.
    if any(
        isinstance(error, DatabaseError | InterfaceError | HTTPError | OSError | TimeoutError)
        for error in chain
    ):
        return True
    # The machine lookup failing (its cache or database) is never one message's fault.
    if any(isinstance(error, MachineLookupUnavailable) for error in chain):
        return True
    # A StoreUnavailable of its own is the backend saying so; anything else came from the data.
    return isinstance(exc, StoreUnavailable) and len(chain) == 1


def causes(exc: BaseException) -> list[BaseException]:
    """The error and its explicit causes, outermost first (the driver's error last)."""
    chain = [exc]
    while chain[-1].__cause__ is not None and len(chain) < 10:
        chain.append(chain[-1].__cause__)
    return chain
