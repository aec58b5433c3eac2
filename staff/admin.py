"""Admin for staff records and positions: every write goes through the staff services."""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, ReadOnlyPasswordHashWidget, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from config.admin import CSVExportMixin, DateRangeFilter, ReadOnlyAdminMixin, ServiceAdmin
from config.imports import ServiceImportMixin
from config.roles import Role
from staff.auth import lockout
from staff.auth import services as auth
from staff.auth.admin_forms import GuardedAdminAuthenticationForm, guarded_password_change
from staff.exceptions import SuperuserProtected
from staff.models import AccessBlacklistedToken, AccessOutstandingToken, Position, TokenFamily, User
from staff.permissions import StaffPermissions
from staff.records import services as records
from staff.resources import StaffResource


class RoleFilter(admin.SimpleListFilter):
    title = "role"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(str(role), role.label) for role in Role]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(groups__name=self.value()).distinct()
        return queryset


ROLE_FIELD_CHOICES = [("", "none (no access)"), *Role.choices]
ROLE_FIELD_HELP = (
    "One role per person; it carries admin access. Only Management (staff.assign_role) assigns it."
)
# Fields that grant access directly: a superuser's. Everyone else changes access through the role.
SUPERUSER_ONLY_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


class RoleFormMixin(forms.Form):
    """The one role field (applied by `records.user_set_role` in UserAdmin.save_related); the
    `groups` widget, where a superuser has it, offers only the groups that are not roles."""

    role = forms.ChoiceField(choices=ROLE_FIELD_CHOICES, required=False, help_text=ROLE_FIELD_HELP)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        self.initial.setdefault("role", (instance.role if instance and instance.pk else None) or "")
        if "groups" in self.fields:
            self.fields["groups"].queryset = Group.objects.exclude(name__in=Role.values).order_by("name")

    def clean_groups(self) -> list[Group]:
        # Role groups are not in the widget: keep the ones the user has; the role field changes them.
        selected = list(self.cleaned_data.get("groups") or [])
        if self.instance.pk is None:
            return selected
        return selected + list(self.instance.groups.filter(name__in=Role.values))


class StaffUserChangeForm(RoleFormMixin, UserChangeForm):
    pass


class PasswordSummaryWidget(ReadOnlyPasswordHashWidget):
    """The password's summary without the "Reset password" button, for a viewer who may not
    change this user (Management looking at a superuser): no link to a page that refuses them."""

    template_name = "staff/widgets/password_summary.html"


class StaffUserCreationForm(RoleFormMixin, AdminUserCreationForm):
    pass


@admin.register(User)
class UserAdmin(CSVExportMixin, ServiceImportMixin, ServiceAdmin, DjangoUserAdmin):
    """Creating a login and setting passwords stay Django's forms (they hash and check the policy);
    the organisation fields, role and deletes go through `staff.records.services`.

    Every view that changes a user asks `records.user_check_actor` (only a superuser changes a
    superuser): the change and password forms through has_change_permission (Management sees a
    superuser read-only, a POST is 403), deletes and actions through the services.
    """

    services = records
    entity = "user"
    resource_classes = [StaffResource]
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
        ("Preferences", {"fields": ("time_zone",)}),
    )
    list_select_related = ["position"]
    autocomplete_fields = ["position"]
    form = StaffUserChangeForm
    add_form = StaffUserCreationForm
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, ("Access", {"fields": ("role",)}))

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("groups")

    # --- who may change whom, and which fields ---------------------------------------------------
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        if allowed and obj is not None:
            return records.user_may_change(user=obj, actor=request.user)
        return allowed

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        if obj is None:
            return self.add_fieldsets
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            fields = list(options["fields"])
            if "is_active" in fields:
                if not request.user.is_superuser:
                    fields = [f for f in fields if f not in SUPERUSER_ONLY_FIELDS]
                fields.insert(fields.index("is_active") + 1, "role")
            fieldsets.append((name, {**options, "fields": tuple(fields)}))
        return fieldsets

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None or records.user_may_change(user=obj, actor=request.user):
            return form

        def __init__(bound: Any, *args: Any, **init_kwargs: Any) -> None:
            form.__init__(bound, *args, **init_kwargs)
            if "password" in bound.fields:
                bound.fields["password"].widget = PasswordSummaryWidget()

        return type(form.__name__, (form,), {"__init__": __init__})

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        # No "Delete" link to a page that would refuse (only a superuser deletes a superuser).
        user = self.get_object(request, unquote(object_id))
        if user is not None and not records.user_may_change(user=user, actor=request.user):
            extra_context = {**(extra_context or {}), "show_delete": False}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Sequence[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm(StaffPermissions.ASSIGN_ROLE):
            readonly.append("role")  # shown through the `role` display method below
        return readonly

    def get_deleted_objects(self, objs, request: HttpRequest):
        # The delete confirmation (one user or the bulk action) refuses a superuser up front, as a
        # message (ServiceAdmin); user_delete refuses again on the delete itself.
        for obj in objs:
            records.user_check_actor(user=obj, actor=request.user)
        return super().get_deleted_objects(objs, request)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = ""):
        # Django checks has_change_permission(request, user) here too; this names the rule.
        user = self.get_object(request, unquote(id))
        if user is not None and not records.user_may_change(user=user, actor=request.user):
            raise PermissionDenied(SuperuserProtected.default_detail)
        return super().user_change_password(request, id, form_url)

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
        self.run_service_action(
            request,
            queryset,
            lambda user: auth.tokens_revoke_user(user=user, actor=request.user),
            done="logged out everywhere",
        )

    @admin.action(description="Reset the login lockout of selected users", permissions=["change"])
    def reset_login_lockout(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.run_service_action(
            request,
            queryset,
            lambda user: lockout.lockout_reset(user=user, actor=request.user),
            done="unlocked",
        )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # Django's user forms own login fields and password hashing; the rules about superusers
        # (and the audit of who changed what) are the service's, so changes go through it.
        if change:
            records.user_check_actor(user=obj, actor=request.user)
        super(ServiceAdmin, self).save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # After the form's own m2m save (a superuser's non-role groups): the role, through the one
        # service that sets roles (and admin access with them).
        super().save_related(request, form, formsets, change)
        if "role" in form.fields and "role" in form.changed_data:
            role = form.cleaned_data.get("role") or None
            records.user_set_role(user=form.instance, role=role, actor=request.user)


@admin.register(Position)
class PositionAdmin(CSVExportMixin, ServiceAdmin):
    """Saves and deletes go through the same services as the API (a position in use is refused)."""

    services = records
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
class TokenFamilyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Logins (token families): read-only; end them with the users' "log out everywhere" action."""

    read_only_can_delete = True

    list_display = ["id", "user", "created_at", "revoked_at", "revoke_reason"]
    list_filter = ["revoke_reason", ("created_at", DateRangeFilter)]
    date_hierarchy = "created_at"
    search_fields = ["user__username", "id"]
    list_select_related = ["user"]
    readonly_fields = ["id", "user", "created_at", "updated_at", "revoked_at", "revoke_reason"]


class IssuedRefreshTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Issued refresh tokens: the jti, the user, the dates and the state, never the token string
    (a live refresh token is a login). Revoke with the users' "log out everywhere" action."""

    list_display = ["jti", "user", "created_at", "expires_at", "state"]
    fields = ["jti", "user", "created_at", "expires_at", "state"]
    readonly_fields = fields
    search_fields = ["user__username", "jti"]
    list_select_related = ["user", "blacklistedtoken"]
    ordering = ["-created_at", "id"]
    actions = None

    @admin.display(description="state")
    def state(self, obj: OutstandingToken) -> str:
        if getattr(obj, "blacklistedtoken", None) is not None:
            return "revoked"
        if obj.expires_at is not None and obj.expires_at <= timezone.now():
            return "expired"
        return "active"


class RevokedRefreshTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Revoked refresh tokens, by jti and user only."""

    list_display = ["token_jti", "token_user", "blacklisted_at"]
    fields = ["token_jti", "token_user", "blacklisted_at"]
    readonly_fields = fields
    search_fields = ["token__user__username", "token__jti"]
    list_select_related = ["token__user"]
    ordering = ["-blacklisted_at", "id"]
    actions = None

    @admin.display(description="jti", ordering="token__jti")
    def token_jti(self, obj: BlacklistedToken) -> str:
        return obj.token.jti

    @admin.display(description="user", ordering="token__user")
    def token_user(self, obj: BlacklistedToken) -> Any:
        return obj.token.user


class SuperuserGroupAdmin(DjangoGroupAdmin):
    """A group's permissions are a superuser's to edit: whoever edits a group (Management with a
    stray `auth.change_group` included) could grant their own role anything. Others may look."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser


admin.site.unregister(Group)
admin.site.register(Group, SuperuserGroupAdmin)

# The JWT deny-list tables belong with the users they revoke, not in a section of their own.
admin.site.unregister(OutstandingToken)
admin.site.unregister(BlacklistedToken)
admin.site.register(AccessOutstandingToken, IssuedRefreshTokenAdmin)
admin.site.register(AccessBlacklistedToken, RevokedRefreshTokenAdmin)

# Every admin password door behind the shared limits (staff.auth.throttling): the login form words a
# throttled refusal; the own-password change checks the old password against the same windows and
# lockout. Set on the default site before its URLs are built (admin autodiscovery runs before the
# URLconf loads).
admin.site.login_form = GuardedAdminAuthenticationForm
admin.site.password_change = types.MethodType(guarded_password_change, admin.site)
