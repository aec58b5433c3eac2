"""Order images: the type sniffed from the bytes, the upload to the default storage, and removing
stored files."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction

from config.services import Actor
from maintenance import selectors
from maintenance.choices import AuditEntity
from maintenance.exceptions import ImageTooLarge, ImageUploadFailed, InvalidImageType, ServiceOrderNotFound
from maintenance.models import ServiceOrderImage
from maintenance.services.audit import audit_created

logger = logging.getLogger(__name__)

IMAGE_FIELDS = ("order_id", "file", "file_name", "content_type", "size")


def image_sniff(*, head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from a file's first bytes (its magic number), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def delete_files(names: list[str]) -> None:
    """Remove stored files, logging (not raising) a storage failure: the rows are already gone."""
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            logger.warning("could not delete stored image %s", name, exc_info=True)


def order_image_upload(*, order_id: int, upload: File | None, actor: Actor) -> ServiceOrderImage:
    """Store an order's image under `orders/<order_id>/<uuid>.<ext>` in the default storage.

    The type is decided by the bytes, not the name or the declared type; the extension follows the
    type, and on S3 so do the object's Content-Type and Content-Disposition (config.storage). The
    file is stored first and the row written after it: a storage failure is a 503 "storage
    unavailable" with no row, and a row that can't be written removes the stored file again.
    """
    if not selectors.order_exists(order_id=order_id):
        raise ServiceOrderNotFound.for_id(order_id)
    if upload is None:
        raise InvalidImageType()
    limit = settings.MAINTENANCE_IMAGE_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ImageTooLarge(limit)
    upload.seek(0)
    kind = image_sniff(head=upload.read(16))
    upload.seek(0)
    if kind is None:
        raise InvalidImageType()
    content_type, extension = kind
    name = f"orders/{order_id}/{uuid.uuid4().hex}.{extension}"
    # Only the bytes go to the storage: the client's declared type (`text/html`) and name never
    # reach it; the key's extension, from the sniffed type, is what types the stored object.
    content = File(upload.file, name=name)
    try:
        stored = default_storage.save(name, content)
    except Exception as exc:
        # The storage is a dependency (S3, a disk): whatever it raises is its failure, not ours. The
        # error handler logs it (one line); the client sees "storage unavailable", no address.
        raise ImageUploadFailed(str(exc) or type(exc).__name__) from exc
    try:
        with transaction.atomic():
            image = ServiceOrderImage.objects.create(
                order_id=order_id,
                file=stored,
                file_name=(getattr(upload, "name", "") or name).rsplit("/", 1)[-1][:255],
                content_type=content_type,
                size=upload.size or 0,
            )
            audit_created(image, fields=IMAGE_FIELDS, entity=AuditEntity.SERVICE_ORDER_IMAGE, actor=actor)
    except BaseException:
        delete_files([stored])
        raise
    return image
