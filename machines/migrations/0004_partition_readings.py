"""PostgreSQL: the reading table becomes range-partitioned by month on `timestamp`.

Django's model and migration state are unchanged (PostgreSQL requires the primary key of a
partitioned table to include the partition key, so the key becomes (id, timestamp); `id` stays
unique by its identity sequence). Other databases keep the plain table.
"""

from django.db import migrations
from django.utils import timezone

TABLE = "machines_sensorreading"
OLD = f"{TABLE}_unpartitioned"


def partition(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s", [TABLE])
        if cursor.fetchone()[0] == "p":
            return
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f')",
            [TABLE],
        )
        constraints = cursor.fetchall()
        cursor.execute(f"ALTER TABLE {q(TABLE)} RENAME TO {q(OLD)}")
        for name, _, _ in constraints:
            # Unique and primary keys own indexes, whose names are schema-wide.
            cursor.execute(f"ALTER TABLE {q(OLD)} RENAME CONSTRAINT {q(name)} TO {q(name + '_old')}")
        cursor.execute(
            f"CREATE TABLE {q(TABLE)} (LIKE {q(OLD)} INCLUDING DEFAULTS INCLUDING IDENTITY "
            f"INCLUDING CONSTRAINTS) PARTITION BY RANGE ({q('timestamp')})"
        )
        for name, kind, definition in constraints:
            if kind == "p":
                cursor.execute(f"ALTER TABLE {q(TABLE)} ADD CONSTRAINT {q(name)} PRIMARY KEY (id, {q('timestamp')})")
            else:
                cursor.execute(f"ALTER TABLE {q(TABLE)} ADD CONSTRAINT {q(name)} {definition}")
        cursor.execute(f"CREATE TABLE {q(TABLE + '_default')} PARTITION OF {q(TABLE)} DEFAULT")
        cursor.execute(f"INSERT INTO {q(TABLE)} SELECT * FROM {q(OLD)}")
        cursor.execute(f"DROP TABLE {q(OLD)}")
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE((SELECT max(id) FROM {q(TABLE)}), 0) + 1, false)",
            [TABLE],
        )
    from machines.timeseries.partitions import ensure_month_partitions

    ensure_month_partitions(now=timezone.now(), months_ahead=3, months_back=1)


class Migration(migrations.Migration):
    dependencies = [("machines", "0003_default_config")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
