"""Per-action Django permissions, so staff tune a role in the admin and the API follows."""

from __future__ import annotations

from rest_framework.permissions import BasePermission


class ActionPermission(BasePermission):
    """Authenticated, plus the Django permissions the view requires for this action.

    A view may set `action_perms = {"action_name": ["app.codename", ...]}`; actions it does not
    name fall back to the model's permissions: view for reads, add/change/delete for writes, so an
    account without a role reads nothing but `/auth/me` (README "Roles"; the auth matrix test).
    Going through `user.has_perms` lets staff tune a role in the admin.
    """

    method_actions = {
        "GET": "view",
        "HEAD": "view",
        "POST": "add",
        "PUT": "change",
        "PATCH": "change",
        "DELETE": "delete",
    }

    def required_perms(self, request, view) -> list[str]:
        mapping = getattr(view, "action_perms", None) or {}
        action = getattr(view, "action", None)
        if action in mapping:
            return list(mapping[action])
        if request.method in mapping:
            return list(mapping[request.method])
        if request.method == "OPTIONS":
            return []
        queryset = getattr(view, "queryset", None)
        verb = self.method_actions.get(request.method)
        if queryset is None or verb is None:
            return []
        opts = queryset.model._meta
        return [f"{opts.app_label}.{verb}_{opts.model_name}"]

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.has_perms(self.required_perms(request, view))
