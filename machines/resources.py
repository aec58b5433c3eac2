"""The admin's machine import: rows checked by the API's MachineCreateSerializer and written by
machines.services (a taken name is refused as POST /api/v1/machines refuses it)."""

from __future__ import annotations

from import_export.fields import Field

from config.imports import ServiceResource
from machines import services
from machines.models import Machine
from machines.serializers import MachineCreateSerializer


class MachineResource(ServiceResource):
    """Columns: machine_id (blank: a new machine), name, location, sensor_type, status."""

    services = services
    entity = "machine"
    serializer = MachineCreateSerializer
    key_column = "machine_id"
    machine_id = Field(attribute="id", column_name="machine_id", readonly=True)

    class Meta:
        model = Machine
        fields = ("machine_id", "name", "location", "sensor_type", "status")
