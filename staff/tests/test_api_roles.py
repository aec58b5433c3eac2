"""Role coverage of the jabatan and staff-record endpoints through the shared API test cases."""

from __future__ import annotations

from config.testing import APIViewTestCases
from staff.models import Position, User
from staff.permissions import StaffPermissions
from staff.tests.factories import PositionFactory, UserFactory


class TestPositionAPIRoles(APIViewTestCases.ReadWrite):
    basename = "jabatan"
    model = Position
    update_method = "put"
    roles = {
        "list": StaffPermissions.VIEW_POSITION.role,
        "retrieve": StaffPermissions.VIEW_POSITION.role,
        "create": StaffPermissions.ADD_POSITION.role,
        "update": StaffPermissions.CHANGE_POSITION.role,
        "destroy": StaffPermissions.DELETE_POSITION.role,
    }

    def make_object(self) -> Position:
        return PositionFactory()

    def item_pk(self, item: dict) -> int:
        return item["id_jabatan"]

    def create_data(self) -> dict:
        return {"nama_jabatan": "Teknisi", "deskripsi": "Perawatan mesin"}

    def update_data(self, obj: Position) -> dict:
        return {"nama_jabatan": "Teknisi Senior"}


class TestStaffRecordAPIRoles(APIViewTestCases.ReadWrite):
    basename = "users"
    model = User
    update_method = "put"
    roles = {
        "list": StaffPermissions.VIEW_POSITION.role,
        "retrieve": StaffPermissions.VIEW_POSITION.role,
        "create": StaffPermissions.ADD_USER.role,
        "update": StaffPermissions.CHANGE_USER.role,
        "destroy": StaffPermissions.DELETE_USER.role,
    }

    def make_object(self) -> User:
        return UserFactory(full_name="Budi Santoso", position=PositionFactory())

    def item_pk(self, item: dict) -> int:
        return item["id_user"]

    def create_data(self) -> dict:
        return {"nama": "Siti Aminah", "id_jabatan": PositionFactory().pk, "telepon": "081234567890"}

    def update_data(self, obj: User) -> dict:
        return {"nama": "Budi S."}
