"""DB_POOL_MAX_SIZE: Django's psycopg pool instead of persistent connections, opt-in."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from config.tests.test_settings import PROBE, run_python

POOL_PROBE = """
import json, django
from django.conf import settings
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT 1")
    answer = cursor.fetchone()[0]
options = settings.DATABASES["default"]["OPTIONS"]
max_age = settings.DATABASES["default"]["CONN_MAX_AGE"]
print(json.dumps({"answer": answer, "pooled": connection.pool is not None,
                  "pool": options.get("pool"), "conn_max_age": max_age}))
"""


def test_the_pool_is_off_by_default():
    result = run_python(PROBE, {"DATABASE_URL": "postgres://u@127.0.0.1:5432/x"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["conn_max_age"] == 600


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_pool_size_turns_the_pool_on_and_queries_go_through_it():
    params = connection.settings_dict
    host = f"{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
    url = f"postgres://{params['USER']}@{host}/{params['NAME']}"
    result = run_python(POOL_PROBE, {"DATABASE_URL": url, "DB_POOL_MAX_SIZE": "4"})
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout.strip().splitlines()[-1])
    assert info == {
        "answer": 1,
        "pooled": True,
        "pool": {"min_size": 2, "max_size": 4, "timeout": 3.0},
        "conn_max_age": 0,
    }
