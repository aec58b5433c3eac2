"""Shapes of the locks API. The hot endpoints (status, update) use plain Serializers, not
ModelSerializers, because building a ModelSerializer's fields costs more than the query."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.limits import MAX_BIGINT
from locks.choices import LOG_SOURCE_CHOICES, LockStatus
from locks.models import Device, DeviceLog

MAX_VERSION = MAX_BIGINT  # a bigint column; larger numbers would fail in the database, not as a 400


class DeviceSerializer(serializers.ModelSerializer):
    """A device as listed, retrieved and created."""

    class Meta:
        model = Device
        fields = ["id", "name", "type", "status", "version_id", "location", "created_at", "updated_at"]
        read_only_fields = ["id", "version_id", "created_at", "updated_at"]


class DeviceMetadataSerializer(serializers.Serializer):
    """PATCH body: metadata plus the version the client read; the status has its own endpoint.

    Shown pre-filled in the browsable API's PATCH form, `expected_version_id` included.
    """

    name = serializers.CharField(max_length=100, required=False)
    type = serializers.CharField(max_length=50, required=False)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    expected_version_id = serializers.IntegerField(
        source="expected_version", min_value=0, max_value=MAX_VERSION
    )
    # Required on PATCH too (validate() below); config.api.schema documents it so.
    required_on_partial = ("expected_version_id",)

    def validate(self, attrs: dict) -> dict:
        initial = self.initial_data if hasattr(self.initial_data, "keys") else {}
        if "status" in initial:
            raise serializers.ValidationError(
                {"status": [_("Change the status with POST /device/{id}/update, which logs it.")]}
            )
        # PATCH makes the serializer partial; the version is what makes the change safe.
        if "expected_version" not in attrs:
            raise serializers.ValidationError({"expected_version_id": [_("This field is required.")]})
        if not {"name", "type", "location"} & attrs.keys():
            raise serializers.ValidationError(_("Give at least one of name, type, location."))
        return attrs


class DeviceStatusSerializer(serializers.Serializer):
    """GET /device/{id}/status (documentation; the view renders the row directly)."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    type = serializers.CharField()
    status = serializers.ChoiceField(choices=LockStatus.choices)
    version_id = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class DeviceStatusUpdateSerializer(serializers.Serializer):
    """POST /device/{id}/update body."""

    new_status = serializers.ChoiceField(choices=LockStatus.choices)
    expected_version_id = serializers.IntegerField(min_value=0, max_value=MAX_VERSION)
    changed_by = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")

    def form_initial(self) -> dict:
        """The browsable API's form starts at the device's current version (config.api.browsable)."""
        device = self.context["view"].get_object()
        return {"new_status": device.status, "expected_version_id": device.version_id}


class DeviceStatusUpdateResultSerializer(serializers.Serializer):
    device_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=LockStatus.choices)
    version_id = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class VersionConflictSerializer(serializers.Serializer):
    detail = serializers.CharField(default="Version conflict")
    current_status = serializers.ChoiceField(choices=LockStatus.choices)
    current_version_id = serializers.IntegerField()


class DeviceLogSerializer(serializers.ModelSerializer):
    """A logged change: `actor` is who was authenticated, `changed_by` what the client wrote."""

    actor = serializers.CharField(source="actor.username", default=None, read_only=True)
    changed_by = serializers.CharField(source="note", read_only=True)
    source = serializers.ChoiceField(choices=LOG_SOURCE_CHOICES, read_only=True)

    class Meta:
        model = DeviceLog
        fields = [
            "id",
            "device_id",
            "previous_status",
            "new_status",
            "version_id",
            "changed_at",
            "actor_id",
            "actor",
            "changed_by",
            "source",
        ]
        read_only_fields = fields
