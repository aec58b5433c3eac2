"""Settings for the test suite: the project's settings with what a test run must not depend on
pinned (the signing key, so HMACs and tokens are the same on every checkout) and nothing written
into the checkout (uploads go to a temporary directory)."""

import tempfile
from pathlib import Path

from config.settings import *  # noqa: F403

SECRET_KEY = "test-only-secret-key-not-for-any-deployment-0123456789abcdef"
SIMPLE_JWT = {**SIMPLE_JWT, "SIGNING_KEY": SECRET_KEY}  # noqa: F405
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="facility-test-media-"))
