from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MachinesConfig(AppConfig):
    name = "machines"
    verbose_name = _("Machines")

    def ready(self) -> None:
        from machines import health  # noqa: F401  (registers the readiness checks)
