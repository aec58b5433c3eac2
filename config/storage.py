"""The S3 storage the project configures (config/settings/stores.py, when AWS_STORAGE_BUCKET_NAME is set).

An object's headers come from its key's extension, which the app chose from the file's bytes, never
from what the client declared: an upload named `x.html` sent as `text/html` with JPEG bytes is stored
as `orders/<id>/<uuid>.jpg`, `image/jpeg`. Images are served `inline`, anything else as an
`attachment` of type `application/octet-stream`, so nothing in the bucket renders as a page on the
bucket's origin. S3 cannot send arbitrary response headers: `X-Content-Type-Options: nosniff` is
stored as object metadata (served as `x-amz-meta-x-content-type-options`), for a CDN in front of the
bucket to turn into the real header.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from storages.backends import s3

# The types the app stores and serves inline, by the extension it gives them.
INLINE_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
}
NOSNIFF_METADATA = {"x-content-type-options": "nosniff"}
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


def object_headers(name: str) -> dict[str, str]:
    """`ContentType` and `ContentDisposition` of the object stored under `name`."""
    basename = posixpath.basename(name)
    extension = basename.rsplit(".", 1)[-1].lower() if "." in basename else ""
    content_type = INLINE_TYPES.get(extension)
    filename = _UNSAFE_FILENAME.sub("_", basename)[:128] or "file"
    if content_type is None:
        return {
            "ContentType": "application/octet-stream",
            "ContentDisposition": f'attachment; filename="{filename}"',
        }
    return {"ContentType": content_type, "ContentDisposition": f'inline; filename="{filename}"'}


class S3Storage(s3.S3Storage):
    """django-storages' S3 backend whose objects are typed by their key, not by the upload."""

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        # django-storages' documented per-object hook; its own fallback would take the upload's
        # declared content type.
        params = super().get_object_parameters(name)
        params.update(object_headers(name))
        params["Metadata"] = {**params.get("Metadata", {}), **NOSNIFF_METADATA}
        return params

    def url(
        self,
        name: str,
        parameters: dict[str, Any] | None = None,
        expire: int | None = None,
        http_method: str | None = None,
    ) -> str:
        """A presigned URL also asks S3 to answer with the key's type and disposition, so an object
        stored with another type (before this class, or by hand) is still served as what it is.
        S3 honours these overrides on signed requests only."""
        params = dict(parameters or {})
        if self.querystring_auth and not self.custom_domain and (http_method or "GET") == "GET":
            headers = object_headers(self._normalize_name(s3.clean_name(name)))
            params.setdefault("ResponseContentType", headers["ContentType"])
            params.setdefault("ResponseContentDisposition", headers["ContentDisposition"])
        return super().url(name, parameters=params, expire=expire, http_method=http_method)
