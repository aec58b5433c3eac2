from django.apps import AppConfig


class StaffConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "staff"
    verbose_name = "Staff and access"

    def ready(self) -> None:
        from staff import schema, signals  # noqa: F401  (registers the schema extension and signals)
