"""A staff record and a job title (jabatan) under the specification's field names, mapped to the
model's with `source=`."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from config.limits import MAX_BIGINT
from config.roles import Role
from staff.models import User, validate_phone
from staff.records.services import user_can_view_personal_data

PERSONAL_FIELDS = ("alamat", "telepon")
# The directory shows e-mail and role only to Supervisor and up (staff.view_personal_data) and to the
# person themself: anyone can self-register, and e-mail plus role is a phishing target list.
CONTACT_FIELDS = ("email", "role")


class PositionSerializer(serializers.Serializer):
    """Create needs `nama_jabatan`; update (PUT/PATCH) changes only the fields sent.

    A plain Serializer: a ModelSerializer inspects the model on every instantiation, which cost more
    than the query on `GET /jabatan/{id}`. The services do the writes.
    """

    id_jabatan = serializers.IntegerField(source="id", read_only=True)
    nama_jabatan = serializers.CharField(source="name", max_length=100)
    deskripsi = serializers.CharField(source="description", required=False, allow_blank=True, allow_null=True)

    def validate_deskripsi(self, value: str | None) -> str:
        return value or ""


class StaffSerializer(serializers.ModelSerializer):
    """Create needs `nama` and `id_jabatan`; update (PUT/PATCH) changes only the fields sent.

    `alamat`/`telepon`/`email`/`role` are null unless the caller may see personal data; `role` is
    written only by holders of `staff.assign_role` (the service decides).
    """

    id_user = serializers.IntegerField(source="id", read_only=True)
    nama = serializers.CharField(source="full_name", max_length=150)
    alamat = serializers.CharField(source="address", required=False, allow_blank=True, allow_null=True)
    telepon = serializers.CharField(
        source="phone",
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=20,
        validators=[validate_phone],
    )
    id_jabatan = serializers.IntegerField(source="position_id", min_value=1, max_value=MAX_BIGINT)
    jabatan = PositionSerializer(source="position", read_only=True, allow_null=True)
    role = serializers.ChoiceField(choices=Role.choices, required=False, allow_null=True)
    department = serializers.CharField(required=False, allow_blank=True, max_length=100)
    factory_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    is_active = serializers.BooleanField(required=False)
    # Null in an answer (config.api.schema.AutoSchema): hidden from this viewer, or no position.
    nullable_in_response = (*PERSONAL_FIELDS, *CONTACT_FIELDS, "id_jabatan")

    class Meta:
        model = User
        fields = [
            "id_user",
            "nama",
            "alamat",
            "telepon",
            "id_jabatan",
            "jabatan",
            "username",
            "email",
            "role",
            "department",
            "factory_id",
            "is_active",
        ]
        read_only_fields = ["username", "email"]

    def validate_alamat(self, value: str | None) -> str:
        return value or ""

    def validate_telepon(self, value: str | None) -> str:
        return value or ""

    def to_representation(self, instance: User) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        viewer = request.user if request is not None else None
        if not user_can_view_personal_data(viewer=viewer, subject=instance):
            for field in (*PERSONAL_FIELDS, *CONTACT_FIELDS):
                data[field] = None
        return data
