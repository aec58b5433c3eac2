"""System checks for the permission enums: a typo in an enum fails `manage.py check`, not a request."""

from __future__ import annotations

from django.apps import apps
from django.core.checks import Error, register

from config.roles import PermissionEnum, permission_enums


def _model_permissions(app_label: str) -> dict[str, str | None]:
    """codename → name for custom permissions, None for Django's default ones, of an app's models."""
    found: dict[str, str | None] = {}
    for model in apps.get_app_config(app_label).get_models():
        opts = model._meta
        for action in opts.default_permissions:
            found[f"{action}_{opts.model_name}"] = None
        for codename, name in opts.permissions:
            found[codename] = name
    return found


@register()
def check_permission_enums(app_configs=None, **kwargs) -> list[Error]:
    """Every member names a permission its app has (a custom one with the same name as in the
    model's Meta.permissions), once, and every custom permission of a project app is in an enum."""
    errors: list[Error] = []
    declared: set[str] = set()
    for enum in permission_enums():
        aliases = sorted(name for name, member in enum.__members__.items() if member.name != name)
        if aliases:
            # Enum makes a repeated value an alias of the first member: its role would be ignored.
            errors.append(
                Error(f"{enum.__name__}: {', '.join(aliases)} repeat a permission", id="platform.E105")
            )
        member: PermissionEnum
        for member in enum:
            declared.add(str(member))
            try:
                known = _model_permissions(member.app_label)
            except LookupError:
                errors.append(
                    Error(f"{enum.__name__}.{member.name}: no app {member.app_label!r}", id="platform.E101")
                )
                continue
            if member.codename not in known:
                errors.append(
                    Error(
                        f"{enum.__name__}.{member.name}: {member.value} is no permission", id="platform.E102"
                    )
                )
            elif known[member.codename] != member.label:
                errors.append(
                    Error(
                        f"{enum.__name__}.{member.name}: the label differs from the model's Meta.permissions",
                        hint="Set Meta.permissions = [..., Enum.MEMBER.meta].",
                        id="platform.E103",
                    )
                )
    from config.apps import project_apps

    for app_config in project_apps():
        for model in app_config.get_models():
            for codename, _name in model._meta.permissions:
                if f"{app_config.label}.{codename}" not in declared:
                    errors.append(
                        Error(
                            f"{app_config.label}.{codename} is in {model.__name__}.Meta.permissions "
                            "but in no PermissionEnum",
                            hint=f"Declare it in {app_config.name}/permissions.py.",
                            id="platform.E104",
                        )
                    )
    return errors
