"""Business rules of the machines app, one module per concern (reads are in machines.selectors):

- `registry`: register, change and delete machines;
- `ingest`: checked telemetry to stored points, for HTTP and MQTT (`telemetry_store`);
- `system_config`: change and remove system settings, recorded and checked;
- `retention`: drop points older than the configured retention.

Views, the admin, the MQTT subscriber and the commands call these; they take typed arguments and
return domain objects (model instances, dataclasses), never HTTP envelopes.
"""

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
    "CheckedTelemetry",
    "IngestResult",
    "TelemetryValues",
    "machine_create",
    "machine_delete",
    "machine_update",
    "retention_days_error",
    "systemsetting_delete",
    "systemsetting_set",
    "telemetry_purge",
    "telemetry_store",
]
