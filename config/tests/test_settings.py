"""Settings behave as docs/architecture.md §4 says, checked in fresh interpreters with controlled env."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
from django.conf import settings
django.setup()
from django.core.files.storage import storages
print(json.dumps({
    "debug": settings.DEBUG,
    "engine": settings.DATABASES["default"]["ENGINE"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "storage": type(storages["default"]).__name__,
    "storage_backend": settings.STORAGES["default"]["BACKEND"],
    "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
    "use_tz": settings.USE_TZ,
    "throttle_login": settings.THROTTLE_LOGIN,
    "otp": [settings.OTP_RETURN_CODE, settings.OTP_TTL, settings.OTP_MAX_ATTEMPTS,
            settings.OTP_RESEND_COOLDOWN],
    "jwt_minutes": settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds() / 60,
}))
"""


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings"}
    base["DJANGO_IGNORE_DOTENV"] = "1"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ.get("PATH", ""), "DJANGO_IGNORE_DOTENV": "1"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_zero_env_runs_on_embedded_defaults():
    result = run_python(PROBE, {})
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout.strip().splitlines()[-1])
    assert info["debug"] is True
    assert info["engine"] == "django.db.backends.sqlite3"
    assert info["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert info["storage_backend"] == "django.core.files.storage.FileSystemStorage"
    assert info["storage"] == "FileSystemStorage"
    assert info["use_tz"] is True
    assert info["throttle_login"] == "10/min"
    assert info["otp"] == [True, 300, 3, 30]
    assert info["jwt_minutes"] == 60


def test_zero_env_manage_check_passes():
    result = run_manage("check", env={})
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_env_switches_backends_on():
    result = run_python(
        PROBE,
        {
            "DATABASE_URL": "postgres://u@127.0.0.1:5432/x",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "AWS_STORAGE_BUCKET_NAME": "bucket",
            "THROTTLE_LOGIN": "99/hour",
            "OTP_RETURN_CODE": "false",
            "JWT_ACCESS_MINUTES": "5",
        },
    )
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout.strip().splitlines()[-1])
    assert info["engine"] == "config.db.postgresql"
    assert info["conn_max_age"] == 600
    assert info["cache"] == "django_redis.cache.RedisCache"
    assert info["storage_backend"] == "config.storage.S3Storage"
    assert info["throttle_login"] == "99/hour"
    assert info["otp"][0] is False
    assert info["jwt_minutes"] == 5


def test_debug_off_without_secret_key_is_improperly_configured():
    result = run_python(PROBE, {"DJANGO_DEBUG": "False", "DJANGO_ALLOWED_HOSTS": "ops.example.com"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_debug_off_without_allowed_hosts_is_improperly_configured():
    result = run_python(PROBE, {"DJANGO_DEBUG": "False", "DJANGO_SECRET_KEY": "x" * 60})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_check_deploy_with_production_env_has_no_warnings():
    env = {
        "DJANGO_DEBUG": "False",
        "DJANGO_SECRET_KEY": "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP",
        "DJANGO_ALLOWED_HOSTS": "ops.example.com",
    }
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_no_setting_is_defined_in_two_settings_modules():
    """config/settings/__init__.py star-imports its modules in any order: that holds only while every
    setting has one home (a second definition would silently win or lose by import order)."""
    import ast

    homes: dict[str, list[str]] = {}
    for path in sorted((ROOT / "config" / "settings").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            for target in targets:
                if isinstance(target, ast.Name) and target.id.isupper():
                    homes.setdefault(target.id, []).append(path.name)
    assert "SECRET_KEY" in homes
    assert "CACHES" in homes
    twice = {name: files for name, files in homes.items() if len(set(files)) > 1}
    assert twice == {}
