"""Trigram indexes for `/users/?search=` on PostgreSQL (nothing on other databases).

SearchFilter's `icontains` compiles to `UPPER(col::text) LIKE UPPER('%term%')` on PostgreSQL; a GIN
index with `gin_trgm_ops` on exactly that expression serves it, so each search term is an index
scan instead of a sequential scan over every user. Creating the `pg_trgm` extension needs a role
allowed to (a superuser, or the database owner on PostgreSQL 13+, where pg_trgm is trusted).
"""

from django.db import migrations

INDEXES = {
    "staff_user_username_trgm": "username",
    "staff_user_full_name_trgm": "full_name",
}


def create_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "staff_user" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("staff", "0004_access_token_proxies")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
