"""Input checks for registry and config writes, and the documented response shapes (schema)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from machines.checks import echo, refuse_control_characters
from machines.choices import (
    FIELDS,
    AlertBound,
    AlertMetric,
    AlertSeverity,
    AlertStatus,
    Interval,
    MachineStatus,
)


def flatten_errors(errors: Any, data: Any, prefix: str = "") -> list[dict[str, Any]]:
    """DRF's nested error structure as `[{field, error, value}]` with dotted paths; the value is
    repeated only when short and renderable (checks.echo: never a 2**64 the renderer refuses)."""
    flat: list[dict[str, Any]] = []
    if isinstance(errors, dict):
        for name, nested in errors.items():
            path = f"{prefix}.{name}" if prefix else str(name)
            value = data.get(name) if isinstance(data, dict) else None
            flat += flatten_errors(nested, value, "body" if path == "non_field_errors" else path)
    elif isinstance(errors, list):
        for index, nested in enumerate(errors):
            if isinstance(nested, dict | list):
                value = data[index] if isinstance(data, list) and index < len(data) else None
                flat += flatten_errors(nested, value, f"{prefix}.{index}")
            else:
                flat.append({"field": prefix or "body", "error": str(nested), "value": echo(data)})
    else:
        flat.append({"field": prefix or "body", "error": str(errors), "value": echo(data)})
    return flat


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not declare ("unknown keys → 400")."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


class MachineCreateSerializer(serializers.Serializer):
    """Extra keys are ignored: existing clients may send fields this API does not keep."""

    name = serializers.CharField(min_length=1, max_length=255, validators=[refuse_control_characters])
    location = serializers.CharField(min_length=1, max_length=500, validators=[refuse_control_characters])
    sensor_type = serializers.CharField(min_length=1, max_length=100, validators=[refuse_control_characters])
    status = serializers.ChoiceField(choices=MachineStatus.choices, default=MachineStatus.ACTIVE)


class ConfigUpdateSerializer(StrictSerializer):
    setting_name = serializers.CharField(min_length=1, max_length=100, validators=[refuse_control_characters])
    setting_value = serializers.CharField(allow_blank=True, max_length=1000, trim_whitespace=False)

    def validate_setting_value(self, value: Any) -> str:
        if not isinstance(self.initial_data.get("setting_value"), str):
            raise serializers.ValidationError(_("Must be a string."))
        return value


# --- documented shapes (drf-spectacular) ----------------------------------------------------------
class MachineSerializer(serializers.Serializer):
    machine_id = serializers.UUIDField()
    name = serializers.CharField()
    location = serializers.CharField()
    sensor_type = serializers.CharField()
    status = serializers.ChoiceField(choices=MachineStatus.choices)


class MachineCreatedSerializer(serializers.Serializer):
    status = serializers.CharField(default="success")
    message = serializers.CharField()
    machine_id = serializers.UUIDField()


class ListPaginationSerializer(serializers.Serializer):
    total_records = serializers.IntegerField()
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    has_more = serializers.BooleanField()


class MachineListSerializer(serializers.Serializer):
    status = serializers.CharField()
    count = serializers.IntegerField()
    machines = MachineSerializer(many=True)
    pagination = ListPaginationSerializer()


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField()
    error = serializers.CharField()
    value = serializers.JSONField(allow_null=True)


class ParameterErrorSerializer(serializers.Serializer):
    parameter = serializers.CharField()
    error = serializers.CharField()
    value = serializers.JSONField(allow_null=True)


class ErrorSerializer(serializers.Serializer):
    status = serializers.CharField(default="error")
    message = serializers.CharField()
    detail = serializers.CharField()


class ValidationErrorSerializer(ErrorSerializer):
    # Absent on a body that is not JSON, or a malformed id: those carry only the envelope.
    errors = FieldErrorSerializer(many=True, required=False, help_text="the first 100 problems")
    error_count = serializers.IntegerField(required=False, help_text="every problem found (ingest)")


class QueryErrorSerializer(ErrorSerializer):
    errors = ParameterErrorSerializer(many=True, required=False)


class ReadingSerializer(serializers.Serializer):
    timestamp = serializers.DateTimeField()
    temperature = serializers.FloatField(required=False, allow_null=True, min_value=-273.15, max_value=1000)
    pressure = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=10000)
    speed = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=100000)


class BatchItemSerializer(serializers.Serializer):
    machine_id = serializers.UUIDField()
    sensor_type = serializers.CharField(max_length=100)
    location = serializers.CharField(
        max_length=500, required=False, help_text="ignored: readings take the machine record's location"
    )
    readings = ReadingSerializer(many=True)


class IngestRequestSerializer(serializers.Serializer):
    """Documents the body; machines.checks.parse_ingest checks it (every error with its path)."""

    gateway_id = serializers.CharField(max_length=255)
    timestamp = serializers.DateTimeField()
    batch = BatchItemSerializer(many=True, min_length=1, max_length=1000)


class IngestSummarySerializer(serializers.Serializer):
    total_machines = serializers.IntegerField()
    total_readings = serializers.IntegerField()
    processed_at = serializers.DateTimeField()
    gateway_id = serializers.CharField()


class IngestDetailSerializer(serializers.Serializer):
    machine_id = serializers.CharField()
    readings_count = serializers.IntegerField()
    status = serializers.CharField(help_text="success | failed")


class IngestResultSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="success | partial_success | error")
    message = serializers.CharField()
    summary = IngestSummarySerializer()
    details = IngestDetailSerializer(many=True)
    errors = FieldErrorSerializer(many=True, required=False)


class HistoryMachineSerializer(serializers.Serializer):
    machine_id = serializers.UUIDField()
    name = serializers.CharField()
    location = serializers.CharField()
    sensor_type = serializers.CharField()


class HistoryQueryEchoSerializer(serializers.Serializer):
    start_time = serializers.DateTimeField()
    end_time = serializers.DateTimeField()
    interval = serializers.ChoiceField(choices=Interval.choices)
    fields = serializers.ListField(child=serializers.ChoiceField(choices=FIELDS))


class HistoryPointSerializer(serializers.Serializer):
    timestamp = serializers.DateTimeField()
    temperature = serializers.FloatField(required=False)
    pressure = serializers.FloatField(required=False)
    speed = serializers.FloatField(required=False)


class HistoryPaginationSerializer(ListPaginationSerializer):
    returned_records = serializers.IntegerField()


class HistorySerializer(serializers.Serializer):
    status = serializers.CharField()
    machine = HistoryMachineSerializer()
    query = HistoryQueryEchoSerializer()
    data = HistoryPointSerializer(many=True)
    pagination = HistoryPaginationSerializer()


class ConfigSerializer(serializers.Serializer):
    status = serializers.CharField()
    config = serializers.DictField(child=serializers.CharField())
    accessed_by = serializers.CharField()


class UpdatedSettingSerializer(serializers.Serializer):
    name = serializers.CharField()
    old_value = serializers.CharField(allow_null=True)
    new_value = serializers.CharField()
    updated_by = serializers.CharField(allow_null=True)
    updated_at = serializers.DateTimeField()


class ConfigUpdatedSerializer(serializers.Serializer):
    status = serializers.CharField()
    message = serializers.CharField()
    updated_setting = UpdatedSettingSerializer()


class AlertSerializer(serializers.Serializer):
    alert_id = serializers.IntegerField()
    machine_id = serializers.UUIDField()
    machine_name = serializers.CharField()
    metric = serializers.ChoiceField(choices=AlertMetric.choices)
    bound = serializers.ChoiceField(
        choices=AlertBound.choices, help_text="max: above the maximum; min: below the minimum"
    )
    severity = serializers.ChoiceField(choices=AlertSeverity.choices)
    status = serializers.ChoiceField(choices=AlertStatus.choices)
    threshold = serializers.FloatField(help_text="the limit in force at the latest breaching reading")
    last_value = serializers.FloatField()
    peak_value = serializers.FloatField(help_text="furthest past the limit")
    first_seen = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()
    count = serializers.IntegerField(help_text="breaching readings while open")
    acknowledged = serializers.BooleanField()
    acknowledged_by = serializers.CharField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)


class AlertListSerializer(serializers.Serializer):
    status = serializers.CharField()
    count = serializers.IntegerField()
    alerts = AlertSerializer(many=True)
    pagination = ListPaginationSerializer()


class AlertAcknowledgedSerializer(serializers.Serializer):
    status = serializers.CharField()
    message = serializers.CharField()
    alert = AlertSerializer()
