"""The admin's staff-record import: rows checked by the API's StaffSerializer (the Indonesian
column names of /api/v1/staff) and written by staff.records.services, so the position check, the
superuser guard and the role rule (only staff.assign_role assigns) hold as in the API."""

from __future__ import annotations

from import_export.fields import Field

from config.imports import ServiceResource
from staff.models import User
from staff.records import services
from staff.records.serializers import StaffSerializer


class StaffResource(ServiceResource):
    """Columns: id_user (blank: a new record), nama, alamat, telepon, id_jabatan, role,
    department, factory_id, is_active. A new record has no password (it cannot log in)."""

    services = services
    entity = "user"
    serializer = StaffSerializer
    key_column = "id_user"
    id_user = Field(attribute="id", column_name="id_user", readonly=True)
    nama = Field(attribute="full_name", column_name="nama")
    alamat = Field(attribute="address", column_name="alamat")
    telepon = Field(attribute="phone", column_name="telepon")
    id_jabatan = Field(attribute="position_id", column_name="id_jabatan")
    role = Field(attribute="role", column_name="role", readonly=True)

    class Meta:
        model = User
        fields = (
            "id_user",
            "nama",
            "alamat",
            "telepon",
            "id_jabatan",
            "role",
            "department",
            "factory_id",
            "is_active",
        )
