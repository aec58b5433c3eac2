"""Print the README's role table, generated from the apps' permission enums (config.roles)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from config.roles import ROLE_RANK, PermissionEnum, permission_enums


def _app(enum: type[PermissionEnum]) -> str:
    return next(iter(enum)).app_label


def roles_table() -> str:
    """The markdown table: per role (lowest first) and app, what the role gets beyond the role below;
    then the groups that are not roles."""
    rows = ["| role | app | permissions (in addition to the role below) |", "|---|---|---|"]
    enums = permission_enums()
    for role in reversed(ROLE_RANK):
        for enum in enums:
            names = [f"`{member}`" for member in enum if member.role == role]
            if names:
                rows.append(f"| {role} | {_app(enum)} | {', '.join(names)} |")
    for enum in enums:
        groups = sorted({group for member in enum for group in member.groups})
        for group in groups:
            names = [f"`{member}`" for member in enum if group in member.groups]
            rows.append(f"| `{group}` group (not a role) | {_app(enum)} | {', '.join(names)} |")
    return "\n".join(rows) + "\n"


class Command(BaseCommand):
    help = "Print the role table (markdown) the README carries, from the apps' permission enums."

    def handle(self, *args, **options) -> None:
        self.stdout.write(roles_table(), ending="")
