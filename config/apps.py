from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    """The project package as an app, for what every app shares: commands, templates, registries."""

    name = "config"
    label = "platform"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from config import checks  # noqa: F401  (registers the permission-enum checks)
        from config.grants import sync_after_migrate

        # Once per `migrate` (and after a test flush): apply the grants the apps' enums declare.
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="platform.sync_role_grants")


def project_apps() -> list[AppConfig]:
    """The domain apps of this project (not Django's or third parties'), in INSTALLED_APPS order."""
    from pathlib import Path

    from django.apps import apps
    from django.conf import settings

    # A top-level folder of the checkout (a virtualenv inside it holds third-party apps too).
    return [
        a
        for a in apps.get_app_configs()
        if Path(a.path).parent == Path(settings.BASE_DIR) and a.name != "config"
    ]


def app_modules(name: str) -> list[tuple[AppConfig, ModuleType]]:
    """Each project app's `<app>.<name>` module (`demo`, `permissions`, ...) where the app has one, in
    INSTALLED_APPS order; an app without it is skipped, an import error inside it is raised."""
    found = []
    for app_config in project_apps():
        dotted = f"{app_config.name}.{name}"
        try:
            found.append((app_config, import_module(dotted)))
        except ModuleNotFoundError as exc:
            if exc.name != dotted:
                raise
    return found
