"""Order images on the file system and on a real S3-compatible server (moto in server mode,
through django-storages; boto3 is never patched)."""

from __future__ import annotations

import uuid
from urllib.parse import urlparse

import boto3
import pytest
import requests
from botocore.config import Config
from django.urls import reverse

from maintenance.models import AuditLog, ServiceOrderImage
from maintenance.tests.conftest import JPEG, PNG, WEBP, upload

pytestmark = pytest.mark.django_db

CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


def image_url(order_id) -> str:
    return reverse("maintenance-order-image", args=[order_id])


def images_url(order_id) -> str:
    return reverse("maintenance-order-images", args=[order_id])


@pytest.fixture
def s3_storage(settings, moto_server):
    """django-storages' S3 backend on a fresh bucket of the moto server."""
    bucket = f"orders-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=moto_server,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    ).create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            # The class config/settings/stores.py configures when AWS_STORAGE_BUCKET_NAME is set.
            "BACKEND": "config.storage.S3Storage",
            "OPTIONS": {"bucket_name": bucket, "endpoint_url": moto_server, **CREDENTIALS},
        },
    }
    return bucket


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )


# --- file system ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "name", "ext"), [(JPEG, "a.jpg", "jpg"), (PNG, "b.png", "png"), (WEBP, "c.webp", "webp")]
)
def test_upload_to_the_file_system(operator_client, order, fs_storage, data, name, ext):
    response = operator_client.post(image_url(order.pk), {"file": upload(data, name)}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "order_id", "file_name", "image_url", "date_created", "date_updated"}
    assert (body["order_id"], body["file_name"]) == (order.pk, name)
    image = ServiceOrderImage.objects.get(pk=body["id"])
    assert image.file.name.startswith(f"orders/{order.pk}/") and image.file.name.endswith(f".{ext}")
    assert (fs_storage / image.file.name).read_bytes() == data
    assert body["image_url"] == f"http://testserver/media/{image.file.name}"


def test_type_is_decided_by_the_bytes_not_the_name(operator_client, order, fs_storage):
    fake = upload(b"GIF89a not really a jpeg", "holiday.jpg", "image/jpeg")
    response = operator_client.post(image_url(order.pk), {"file": fake}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid file type. Allowed: image/jpeg, image/png, image/webp"}
    # A real PNG with a misleading name and type is still a PNG.
    response = operator_client.post(
        image_url(order.pk), {"file": upload(PNG, "scan.pdf", "application/pdf")}, format="multipart"
    )
    assert response.status_code == 201
    assert ServiceOrderImage.objects.get().content_type == "image/png"


def test_an_upload_spooled_to_a_temporary_file_is_stored_whole(operator_client, order, fs_storage, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 16
    data = JPEG + b"\x01" * 5000
    response = operator_client.post(
        image_url(order.pk), {"file": upload(data, "x.html", "text/html")}, format="multipart"
    )
    assert response.status_code == 201, response.content
    image = ServiceOrderImage.objects.get()
    assert image.file.name.endswith(".jpg") and image.size == len(data)
    assert (fs_storage / image.file.name).read_bytes() == data


def test_no_file_is_400(operator_client, order, fs_storage):
    response = operator_client.post(image_url(order.pk), {}, format="multipart")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Invalid file type")


def test_unknown_order_is_404(operator_client, fs_storage):
    response = operator_client.post(image_url(4242), {"file": upload(PNG)}, format="multipart")
    assert response.status_code == 404
    assert response.json() == {"detail": "Service order with ID '4242' not found"}
    response = operator_client.get(images_url(4242))
    assert response.status_code == 404
    assert response.json() == {"detail": "Service order with ID '4242' not found"}


def test_size_limit_is_413(operator_client, order, fs_storage, settings):
    settings.MAINTENANCE_IMAGE_MAX_BYTES = 50
    response = operator_client.post(
        image_url(order.pk), {"file": upload(PNG + b"\x00" * 100)}, format="multipart"
    )
    assert response.status_code == 413
    assert not ServiceOrderImage.objects.exists()


def test_file_system_failure_is_503_storage_unavailable_and_no_row(
    operator_client, order, settings, tmp_path
):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    response = operator_client.post(image_url(order.pk), {"file": upload(PNG)}, format="multipart")
    assert response.status_code == 503
    assert response.json() == {"detail": "storage unavailable"}
    assert not ServiceOrderImage.objects.exists()
    assert not AuditLog.objects.filter(entity="service_order_image").exists()


def test_images_list_shows_only_that_orders_images(operator_client, order, part, fs_storage):
    from maintenance import services

    other = services.order_create(
        request_id=99, items=[{"spare_part_id": part.pk, "quantity": 1}], actor=None
    ).order
    operator_client.post(image_url(order.pk), {"file": upload(PNG, "mine.png")}, format="multipart")
    operator_client.post(image_url(other.pk), {"file": upload(JPEG, "theirs.jpg")}, format="multipart")
    response = operator_client.get(images_url(order.pk))
    assert response.status_code == 200
    assert [i["file_name"] for i in response.json()] == ["mine.png"]


# --- S3 (moto server) ---------------------------------------------------------------------------------
@pytest.mark.s3
def test_upload_to_s3_stores_the_object_and_presigns_on_read(operator_client, order, s3_storage, moto_server):
    response = operator_client.post(
        image_url(order.pk), {"file": upload(JPEG, "pump.jpg")}, format="multipart"
    )
    assert response.status_code == 201, response.content
    image = ServiceOrderImage.objects.get()
    key = image.file.name
    assert key.startswith(f"orders/{order.pk}/") and key.endswith(".jpg")
    client = boto3.client(
        "s3",
        endpoint_url=moto_server,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    stored = client.get_object(Bucket=s3_storage, Key=key)
    assert stored["Body"].read() == JPEG
    # The URL is made at read time: presigned, and it fetches the bytes.
    url = operator_client.get(images_url(order.pk)).json()[0]["image_url"]
    assert urlparse(url).path == f"/{s3_storage}/{key}"
    assert "Signature=" in url or "X-Amz-Signature=" in url
    fetched = requests.get(url, timeout=10)
    assert (fetched.status_code, fetched.content) == (200, JPEG)


@pytest.mark.s3
@pytest.mark.parametrize(
    ("data", "name", "declared", "ext", "content_type"),
    [
        (JPEG, "x.html", "text/html", "jpg", "image/jpeg"),
        (PNG, "<script>.svg", "image/svg+xml", "png", "image/png"),
        (WEBP, 'a"b\r\n.htm', "application/xhtml+xml", "webp", "image/webp"),
    ],
    ids=["jpeg-as-html", "png-as-svg", "webp-as-xhtml"],
)
def test_s3_object_is_stored_with_the_sniffed_type_and_safe_headers(
    operator_client, order, s3_storage, moto_server, data, name, declared, ext, content_type
):
    """An image named x.html declared text/html was stored as text/html: the presigned URL served
    script on the bucket's origin. The object's type, name and headers come from the bytes."""
    response = operator_client.post(
        image_url(order.pk), {"file": upload(data, name, declared)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    image = ServiceOrderImage.objects.get()
    key = image.file.name
    basename = key.rsplit("/", 1)[-1]
    assert key.startswith(f"orders/{order.pk}/") and key.endswith(f".{ext}")
    assert image.content_type == content_type
    stored = s3_client(moto_server).head_object(Bucket=s3_storage, Key=key)
    assert stored["ContentType"] == content_type
    assert stored["ContentDisposition"] == f'inline; filename="{basename}"'
    assert stored["Metadata"] == {"x-content-type-options": "nosniff"}
    # The presigned URL asks S3 to answer with the same type and disposition, whatever is stored.
    fetched = requests.get(operator_client.get(images_url(order.pk)).json()[0]["image_url"], timeout=10)
    assert fetched.status_code == 200
    assert fetched.headers["Content-Type"] == content_type
    assert fetched.headers["Content-Disposition"] == f'inline; filename="{basename}"'


@pytest.mark.s3
def test_an_object_stored_before_the_fix_is_served_as_its_extension_says(order, s3_storage, moto_server):
    """Keys always carried the sniffed extension; objects stored with the client's text/html are
    served as images through the presigned URL's response overrides."""
    from django.core.files.storage import default_storage

    key = f"orders/{order.pk}/legacy.jpg"
    s3_client(moto_server).put_object(Bucket=s3_storage, Key=key, Body=JPEG, ContentType="text/html")
    fetched = requests.get(default_storage.url(key), timeout=10)
    assert fetched.status_code == 200
    assert fetched.headers["Content-Type"] == "image/jpeg"
    assert fetched.headers["Content-Disposition"] == 'inline; filename="legacy.jpg"'


@pytest.mark.s3
def test_fake_jpg_is_refused_before_reaching_s3(operator_client, order, s3_storage, moto_server):
    fake = upload(b"%PDF-1.7 pretending", "photo.jpg", "image/jpeg")
    assert operator_client.post(image_url(order.pk), {"file": fake}, format="multipart").status_code == 400
    client = boto3.client(
        "s3",
        endpoint_url=moto_server,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    assert client.list_objects_v2(Bucket=s3_storage).get("KeyCount", 0) == 0


@pytest.mark.s3
def test_missing_bucket_is_503_storage_unavailable_and_no_row(operator_client, order, settings, moto_server):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "no-such-bucket", "endpoint_url": moto_server, **CREDENTIALS},
        },
    }
    response = operator_client.post(image_url(order.pk), {"file": upload(PNG)}, format="multipart")
    assert response.status_code == 503
    assert response.json() == {"detail": "storage unavailable"}
    assert not ServiceOrderImage.objects.exists()


@pytest.mark.s3
def test_storage_outage_is_503_without_the_address_and_no_orphan_row(
    operator_client, order, settings, moto_server
):
    """The S3 endpoint is down (nothing listens on the port): 503 "storage unavailable" with
    Retry-After and no internal address, no row, no audit row."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "orders",
                "endpoint_url": dead,
                "client_config": Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=1),
                **CREDENTIALS,
            },
        },
    }
    response = operator_client.post(image_url(order.pk), {"file": upload(WEBP, "x.webp")}, format="multipart")
    assert response.status_code == 503
    assert response.json() == {"detail": "storage unavailable"}
    assert response["Retry-After"]
    assert "127.0.0.1" not in response.content.decode()
    assert not ServiceOrderImage.objects.exists()
    assert not AuditLog.objects.filter(entity="service_order_image").exists()
