"""A job title (jabatan) under the specification's field names, mapped to the model's with `source=`."""

from __future__ import annotations

from rest_framework import serializers


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
