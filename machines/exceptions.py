"""Domain errors of the machines app; config.api.exceptions turns them into HTTP answers.

The machines API keeps the envelopes its existing clients parse: errors carry `errors` lists
beside `detail`; `status` and `message` come from the views' declared envelope (config.api.envelope)."""

from django.utils.translation import gettext_lazy as _

from config.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PayloadTooLargeError,
    ServiceUnavailableError,
)


class MachineNotFound(NotFoundError):
    default_detail = _("Machine not found")


class InvalidMachineId(DomainError):
    default_detail = _("Invalid machine ID format")


class MachineDuplicate(ConflictError):
    default_detail = _("Machine with this name already exists")


class ValidationFailed(DomainError):
    """400 with `errors: [{field, error, value}]` naming every bad field by its path."""

    default_detail = _("Validation failed")


class InvalidQueryParameters(DomainError):
    """400 with `errors: [{parameter, error, value}]`: every bad parameter of a query at once."""

    default_detail = _("Invalid query parameters")


class BatchIngestionFailed(DomainError):
    """400: no machine of the batch is known, so nothing was stored."""

    default_detail = _("Batch ingestion failed")


class IngestTooLarge(PayloadTooLargeError):
    """413: the batch asks for more work than one request may (readings, rollup hours); nothing
    was stored. The message names the limit and says to split the batch."""

    default_detail = _("Batch too large")


class InvalidSetting(DomainError):
    default_detail = _("Invalid configuration setting")


class StoreUnavailable(ServiceUnavailableError):
    """503: the time-series store did not take the write (or answer the query); nothing was stored."""

    default_detail = _("Time-series store unavailable")


class MachineLookupUnavailable(ServiceUnavailableError):
    """503: the machine registry (its cache or database) did not answer the ingest's lookup;
    nothing was stored (the MQTT subscriber retries the batch as an outage)."""

    default_detail = _("Machine registry unavailable")


class AlertNotFound(NotFoundError):
    default_detail = _("Alert not found")


class AlertAlreadyAcknowledged(ConflictError):
    default_detail = _("Alert is already acknowledged")


__all__ = [
    "AlertAlreadyAcknowledged",
    "AlertNotFound",
    "BatchIngestionFailed",
    "IngestTooLarge",
    "InvalidMachineId",
    "InvalidQueryParameters",
    "InvalidSetting",
    "MachineDuplicate",
    "MachineLookupUnavailable",
    "MachineNotFound",
    "StoreUnavailable",
    "ValidationFailed",
]
