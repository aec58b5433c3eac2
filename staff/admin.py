"""Admin for staff records and positions: every write goes through the staff services."""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from rest_framework_simplejwt.token_blacklist.admin import BlacklistedTokenAdmin, OutstandingTokenAdmin
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from config.admin import CSVExportMixin, ServiceAdmin
from config.roles import Role
from staff.admin_auth import GuardedAdminAuthenticationForm, guarded_password_change
from staff.models import AccessBlacklistedToken, AccessOutstandingToken, Position, TokenFamily, User
from staff.services import auth, guard, positions, records


class RoleFilter(admin.SimpleListFilter):
    title = "role"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(str(role), role.label) for role in Role]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(groups__name=self.value()).distinct()
        return queryset


@admin.register(User)
class UserAdmin(CSVExportMixin, ServiceAdmin, DjangoUserAdmin):
    """Creating a login and setting passwords stay Django's forms (they hash and check the policy);
    the organisation fields, role and deletes go through `staff.services.records`."""

    services = records
    entity = "user"
    csv_name = "users"
    list_display = [
        "username",
        "full_name",
        "email",
        "position",
        "role",
        "factory_id",
        "department",
        "is_active",
    ]
    list_filter = [RoleFilter, "position", "is_active", "is_staff", "is_superuser", "department"]
    search_fields = ["username", "full_name", "first_name", "last_name", "email", "position__name"]
    ordering = ["id"]
    actions = ["export_csv", "logout_everywhere", "reset_login_lockout"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            "Organisation",
            {"fields": ("full_name", "position", "factory_id", "department", "phone", "address")},
        ),
    )
    list_select_related = ["position"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="role")
    def role(self, obj: User) -> str:
        return obj.role or "-"

    def get_csv_columns(self, request: HttpRequest) -> Sequence[tuple[str, Callable[[User], Any]]]:
        columns: list[tuple[str, Callable[[User], Any]]] = [
            ("id_user", lambda u: u.pk),
            ("username", lambda u: u.username),
            ("nama", lambda u: u.full_name),
            ("email", lambda u: u.email),
            ("id_jabatan", lambda u: u.position_id),
            ("jabatan", lambda u: u.position.name if u.position else ""),
            ("role", lambda u: u.role or ""),
            ("department", lambda u: u.department),
            ("factory_id", lambda u: u.factory_id),
            ("is_active", lambda u: u.is_active),
        ]
        # The same rule as the API (records.user_can_view_personal_data).
        if records.user_can_view_personal_data(viewer=request.user):
            columns[3:3] = [("alamat", lambda u: u.address), ("telepon", lambda u: u.phone)]
        return columns

    @admin.action(
        description="Log selected users out everywhere (API tokens and admin sessions)",
        permissions=["change"],
    )
    def logout_everywhere(self, request: HttpRequest, queryset: QuerySet) -> None:
        def revoke(user: User) -> None:
            records.user_check_actor(user=user, actor=request.user)
            auth.tokens_revoke_user(user=user, actor=request.user)

        self.run_service_action(request, queryset, revoke, done="logged out everywhere")

    @admin.action(description="Reset the login lockout of selected users", permissions=["change"])
    def reset_login_lockout(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.run_service_action(
            request,
            queryset,
            lambda user: guard.lockout_reset(user_id=user.pk, actor=request.user),
            done="unlocked",
        )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # Django's user forms own login fields and password hashing; the rules about superusers
        # (and the audit of who changed what) are the service's, so changes go through it.
        if change:
            records.user_check_actor(user=obj, actor=request.user)
        super(ServiceAdmin, self).save_model(request, obj, form, change)


@admin.register(Position)
class PositionAdmin(CSVExportMixin, ServiceAdmin):
    """Saves and deletes go through the same services as the API (a position in use is refused)."""

    services = positions
    entity = "position"
    csv_name = "jabatan"
    csv_columns = [
        ("id_jabatan", lambda p: p.pk),
        ("nama_jabatan", lambda p: p.name),
        ("deskripsi", lambda p: p.description),
        ("jumlah_staff", lambda p: p.user_count),
    ]
    list_display = ["id", "name", "description", "user_count"]
    search_fields = ["name", "description"]
    list_filter = ["created_at"]
    ordering = ["id"]
    actions = ["export_csv"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(user_count=Count("users"))

    @admin.display(description="staff", ordering="user_count")
    def user_count(self, obj: Position) -> int:
        return obj.user_count


@admin.register(TokenFamily)
class TokenFamilyAdmin(admin.ModelAdmin):
    """Logins (token families): read-only; end them with the users' "log out everywhere" action."""

    list_display = ["id", "user", "created_at", "revoked_at", "revoke_reason"]
    list_filter = ["revoke_reason", "created_at"]
    search_fields = ["user__username", "id"]
    list_select_related = ["user"]
    readonly_fields = ["id", "user", "created_at", "updated_at", "revoked_at", "revoke_reason"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# The JWT deny-list tables belong with the users they revoke, not in a section of their own.
admin.site.unregister(OutstandingToken)
admin.site.unregister(BlacklistedToken)
admin.site.register(AccessOutstandingToken, OutstandingTokenAdmin)
admin.site.register(AccessBlacklistedToken, BlacklistedTokenAdmin)

# Every admin password door behind the shared limits (staff.services.guard): the login form words a
# throttled refusal; the own-password change checks the old password through the guard. Set on the
# default site before its URLs are built (admin autodiscovery runs before the URLconf loads).
admin.site.login_form = GuardedAdminAuthenticationForm
admin.site.password_change = types.MethodType(guarded_password_change, admin.site)
