"""Role coverage of the jabatan and staff-record endpoints through the shared API test cases."""

from __future__ import annotations

from config.roles import Role
from config.testing import APIViewTestCases
from staff.models import Position, User
from staff.tests.factories import PositionFactory, UserFactory


class TestPositionAPIRoles(APIViewTestCases.ReadWrite):
    basename = "jabatan"
    model = Position
    update_method = "put"
    roles = {
        "list": Role.OPERATOR,
        "retrieve": Role.OPERATOR,
        "create": Role.SUPERVISOR,
        "update": Role.SUPERVISOR,
        "destroy": Role.SUPERVISOR,
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
        "list": Role.OPERATOR,
        "retrieve": Role.OPERATOR,
        "create": Role.MANAGEMENT,
        "update": Role.MANAGEMENT,
        "destroy": Role.MANAGEMENT,
    }

    def make_object(self) -> User:
        return UserFactory(full_name="Budi Santoso", position=PositionFactory())

    def item_pk(self, item: dict) -> int:
        return item["id_user"]

    def create_data(self) -> dict:
        return {"nama": "Siti Aminah", "id_jabatan": PositionFactory().pk, "telepon": "081234567890"}

    def update_data(self, obj: User) -> dict:
        return {"nama": "Budi S."}
