"""Shapes of the sensors API. Input serializers check shape and per-field rules; the hot reads are
rendered from `.values()` rows (see views), so the output serializers here document the schema and
serve the browsable API's forms."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.limits import MAX_BIGINT
from sensors.choices import DataStatus, SensorStatus, SensorType
from sensors.exceptions import InvalidId
from sensors.models import Sensor, SensorData, Unit

STATUS_BY_WORKFLOW = _("Change the status with PUT /api/sensor-data/{id}/validate, /invalidate or /archive.")


def _positive_id(label: str) -> serializers.IntegerField:
    """An id in a body: an integer, 1 or more (the specification's message), at most a bigint."""
    message = InvalidId.messages[label]
    return serializers.IntegerField(
        min_value=1,
        max_value=MAX_BIGINT,
        error_messages={"min_value": message},
    )


class FiniteNumberField(serializers.FloatField):
    """A finite number (DRF already refuses NaN and infinities); `true`/`false` are not numbers."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


# --- units --------------------------------------------------------------------------------------
class UnitSerializer(serializers.ModelSerializer):
    """A unit as created, listed and retrieved; on PUT every field is optional."""

    name = serializers.CharField(min_length=1, max_length=255)
    location = serializers.CharField(min_length=1, max_length=500)
    description = serializers.CharField(required=False, allow_null=True, allow_blank=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "location", "description", "created_at"]
        read_only_fields = ["id", "created_at"]


class UnitStatisticsSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField()
    total_sensors = serializers.IntegerField()
    active_sensors = serializers.IntegerField()
    inactive_sensors = serializers.IntegerField()
    maintenance_sensors = serializers.IntegerField()
    total_data_points = serializers.IntegerField()
    latest_data_timestamp = serializers.DateTimeField(allow_null=True)


# --- sensors ------------------------------------------------------------------------------------
class SensorSerializer(serializers.ModelSerializer):
    """A sensor; `unit_id` must name an existing unit (else 404 from the service)."""

    name = serializers.CharField(min_length=1, max_length=255)
    sensor_type = serializers.ChoiceField(choices=SensorType.choices)
    unit_id = _positive_id("Unit")
    status = serializers.ChoiceField(choices=SensorStatus.choices, default=SensorStatus.ACTIVE)
    description = serializers.CharField(required=False, allow_null=True, allow_blank=True)

    class Meta:
        model = Sensor
        fields = ["id", "name", "sensor_type", "unit_id", "status", "description", "created_at"]
        read_only_fields = ["id", "created_at"]


# --- readings -----------------------------------------------------------------------------------
class SensorDataSerializer(serializers.ModelSerializer):
    """A reading as created and returned; `timestamp` is set by the server. A `status` other than
    pending is kept only for an actor who may move a reading there (else it starts pending)."""

    sensor_id = _positive_id("Sensor")
    value = FiniteNumberField()
    unit = serializers.CharField(max_length=50, required=False, allow_null=True, allow_blank=True)
    status = serializers.ChoiceField(choices=DataStatus.choices, default=DataStatus.PENDING)

    class Meta:
        model = SensorData
        fields = ["id", "sensor_id", "value", "unit", "status", "timestamp"]
        read_only_fields = ["id", "timestamp"]


class SensorDataUpdateSerializer(serializers.ModelSerializer):
    """PUT body: `value` and/or `unit`. The status moves only through /validate, /invalidate and
    /archive; an archived reading is read-only (409)."""

    value = FiniteNumberField(required=False)
    unit = serializers.CharField(max_length=50, required=False, allow_null=True, allow_blank=True)

    class Meta:
        model = SensorData
        fields = ["value", "unit"]

    def validate(self, attrs: dict) -> dict:
        initial = self.initial_data if hasattr(self.initial_data, "keys") else {}
        if "status" in initial:
            raise serializers.ValidationError({"status": [STATUS_BY_WORKFLOW]})
        return attrs


class SensorDataDetailsSerializer(SensorDataSerializer):
    """A listed reading with `?with_details=true`: the sensor and unit names joined in."""

    sensor_name = serializers.CharField(read_only=True)
    sensor_type = serializers.ChoiceField(choices=SensorType.choices, read_only=True)
    unit_name = serializers.CharField(read_only=True)

    class Meta(SensorDataSerializer.Meta):
        fields = [*SensorDataSerializer.Meta.fields, "sensor_name", "sensor_type", "unit_name"]


class DeletedSerializer(serializers.Serializer):
    """DELETE answer: `{"message": "Unit with id N deleted successfully", "deleted_id": N}`."""

    message = serializers.CharField()
    deleted_id = serializers.IntegerField()
