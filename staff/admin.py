import csv
import re
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from config.roles import Role
from staff import services
from staff.exceptions import PositionInUse, StaffInUse, SuperuserProtected
from staff.models import Position, User

_NUMBER_RE = re.compile(r"^[+-]?[0-9][0-9.]*$")


def _csv_cell(value: Any) -> str:
    """Neutralise spreadsheet formulas (CSV injection); plain numbers such as +62... stay as they are."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER_RE.match(text):
        return "'" + text
    return text


def csv_response(name: str, header: Sequence[str], rows: Any) -> HttpResponse:
    """A CSV download of `rows` (iterables of cells) under `header`."""
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return response


def _user_columns(request: HttpRequest) -> list[tuple[str, Callable[[User], Any]]]:
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
    # The same rule as the API: personal data only for those allowed to see it.
    if request.user.has_perm("staff.view_personal_data"):
        columns[3:3] = [("alamat", lambda u: u.address), ("telepon", lambda u: u.phone)]
    return columns


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
class UserAdmin(DjangoUserAdmin):
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
    actions = ["export_csv"]
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

    @admin.action(description="Export selected users as CSV", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        columns = _user_columns(request)
        rows = ([get(user) for _, get in columns] for user in queryset.order_by("id"))
        return csv_response("users", [name for name, _ in columns], rows)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        services.staff_delete(user=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for user in queryset:
            try:
                services.staff_delete(user=user, actor=request.user)
            except (StaffInUse, SuperuserProtected) as exc:
                self.message_user(request, f"{user}: {exc.detail}", messages.ERROR)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except (StaffInUse, SuperuserProtected) as exc:
            self.message_user(request, exc.detail, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:staff_user_change", args=[object_id]))


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    """Saves and deletes go through the same services as the API (a position in use is refused)."""

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

    @admin.action(description="Export selected positions as CSV", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        rows = ([p.pk, p.name, p.description, p.user_count] for p in queryset.order_by("id"))
        return csv_response("jabatan", ["id_jabatan", "nama_jabatan", "deskripsi", "jumlah_staff"], rows)

    def save_model(self, request: HttpRequest, obj: Position, form: Any, change: bool) -> None:
        if change:
            services.position_update(
                position=obj, name=form.cleaned_data["name"], description=form.cleaned_data["description"]
            )
        else:
            created = services.position_create(
                name=form.cleaned_data["name"], description=form.cleaned_data["description"]
            )
            obj.pk, obj.created_at, obj.updated_at = created.pk, created.created_at, created.updated_at
            obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Position) -> None:
        services.position_delete(position=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for position in queryset:
            try:
                services.position_delete(position=position)
            except PositionInUse as exc:
                self.message_user(request, f"{position}: {exc.detail}", messages.ERROR)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except PositionInUse as exc:
            self.message_user(request, exc.detail, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:staff_position_change", args=[object_id]))
