"""List filters. An id filter takes a positive integer: `0` or below answers 400 with the
specification's message (`"Sensor ID must be positive"`), a non-integer 400 naming the parameter."""

from __future__ import annotations

from django import forms
from django_filters import rest_framework as filters

from config.limits import MAX_BIGINT
from sensors.choices import DataStatus
from sensors.exceptions import InvalidId
from sensors.models import Sensor, SensorData


class _IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_value", MAX_BIGINT)
        super().__init__(*args, **kwargs)


class PositiveIdFilter(filters.NumberFilter):
    """`?<name>_id=N`: exact match on a foreign key; N must be a positive integer."""

    field_class = _IdField

    def __init__(self, *args, label_for_error: str, **kwargs) -> None:
        self.label_for_error = label_for_error
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is not None and value <= 0:
            raise InvalidId(self.label_for_error)
        return super().filter(qs, value)


class SensorFilter(filters.FilterSet):
    unit_id = PositiveIdFilter(
        field_name="unit_id", label_for_error="Unit", help_text="Sensors of this unit."
    )

    class Meta:
        model = Sensor
        fields = ["unit_id"]


class SensorDataFilter(filters.FilterSet):
    """`?sensor_id=&status=`, combinable; an unknown status is a 400."""

    sensor_id = PositiveIdFilter(
        field_name="sensor_id", label_for_error="Sensor", help_text="Readings of this sensor."
    )
    status = filters.ChoiceFilter(choices=DataStatus.choices)

    class Meta:
        model = SensorData
        fields = ["sensor_id", "status"]
