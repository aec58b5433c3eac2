from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """The project package as an app, for what every app shares: commands, templates, registries."""

    name = "config"
    label = "platform"
    verbose_name = "Platform"


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
