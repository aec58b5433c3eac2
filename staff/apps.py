from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "staff"
    verbose_name = _("Staff")

    def ready(self) -> None:
        from django.conf import settings

        from config.roles import Role
        from staff.auth import schema, signals  # noqa: F401  (registers the schema extension and signals)

        # A typo here would otherwise surface as a refused registration at run time.
        role = settings.SELF_REGISTRATION_ROLE
        if role and role not in Role.values:
            raise ImproperlyConfigured(
                f"SELF_REGISTRATION_ROLE={role!r} is not a role (one of {', '.join(Role.values)}, or empty)"
            )
