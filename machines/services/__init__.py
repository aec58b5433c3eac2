"""Business rules of the machines app, one module per concern (reads are in machines.selectors):

- `registry`: register, change and delete machines;
- `ingest`: checked telemetry to stored points, for HTTP and MQTT (`telemetry_store`);
- `system_config`: change and remove system settings, recorded and checked;
- `retention`: drop points older than the configured retention;
- `alerts`: the threshold check of stored points (called by `ingest`), acknowledging an alert;
- `alert_mail`: the batched mail of new and escalated alerts.

Views, the admin, the MQTT subscriber and the commands call these; they take typed arguments and
return domain objects (model instances, dataclasses), never HTTP envelopes.
"""

from machines.services.alert_mail import AlertMailResult, alert_mail_send
from machines.services.alerts import AlertCheckResult, alert_acknowledge, alerts_check
from machines.services.ingest import CheckedTelemetry, IngestResult, TelemetryValues, telemetry_store
from machines.services.registry import MACHINE_FIELDS, machine_create, machine_delete, machine_update
from machines.services.retention import telemetry_purge
from machines.services.system_config import (
    RETENTION_DAYS,
    SETTING_CHECKS,
    retention_days_error,
    systemsetting_delete,
    systemsetting_set,
)

__all__ = [
    "MACHINE_FIELDS",
    "RETENTION_DAYS",
    "SETTING_CHECKS",
    "AlertCheckResult",
    "AlertMailResult",
    "CheckedTelemetry",
    "IngestResult",
    "TelemetryValues",
    "alert_acknowledge",
    "alert_mail_send",
    "alerts_check",
    "machine_create",
    "machine_delete",
    "machine_update",
    "retention_days_error",
    "systemsetting_delete",
    "systemsetting_set",
    "telemetry_purge",
    "telemetry_store",
]
