from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from staff.choices import Role
from staff.models import Position, User


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
    list_display = ["username", "full_name", "email", "role", "factory_id", "department", "is_active"]
    list_filter = [RoleFilter, "is_active", "is_staff", "is_superuser", "department"]
    search_fields = ["username", "full_name", "first_name", "last_name", "email"]
    ordering = ["id"]
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


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "description"]
    search_fields = ["name", "description"]
    ordering = ["id"]
