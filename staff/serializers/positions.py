"""A job title (jabatan) under the specification's field names, mapped to the model's with `source=`."""

from __future__ import annotations

from rest_framework import serializers

from staff.models import Position


class PositionSerializer(serializers.ModelSerializer):
    """Create needs `nama_jabatan`; update (PUT/PATCH) changes only the fields sent."""

    id_jabatan = serializers.IntegerField(source="id", read_only=True)
    nama_jabatan = serializers.CharField(source="name", max_length=100)
    deskripsi = serializers.CharField(source="description", required=False, allow_blank=True, allow_null=True)

    class Meta:
        model = Position
        fields = ["id_jabatan", "nama_jabatan", "deskripsi"]

    def validate_deskripsi(self, value: str | None) -> str:
        return value or ""
