from __future__ import annotations

import pytest
from django.urls import reverse

from maintenance import services
from maintenance.tests.factories import SparePartFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


def upload(data: bytes, name: str = "photo.png", content_type: str = "image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def items_url() -> str:
    return reverse("maintenance-item-list")


def orders_url() -> str:
    return reverse("maintenance-order-list")


@pytest.fixture
def part(db):
    return SparePartFactory(name="Hex bolt", sku="BLT-STL-M8-50", price="0.33", stock=10)


@pytest.fixture
def order(db, part):
    return services.order_create(
        request_id=1, items=[{"spare_part_id": part.pk, "quantity": 2}], actor=None
    ).order


@pytest.fixture
def fs_storage(settings, tmp_path):
    """The file-system backend under a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return settings.MEDIA_ROOT
