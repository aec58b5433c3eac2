"""schemathesis hooks for `make test-schema` (loaded through SCHEMATHESIS_HOOKS by fuzz/run.sh).

The run logs in as a dedicated fuzz account (FUZZ_USERNAME / FUZZ_PASSWORD) and logs in again
whenever an answer is 401 (logout revokes the token it is sent with). The fuzz accounts' own
records (FUZZ_PROTECTED_IDS) are never a path id, so the run can't delete, demote or lock them.
"""

from __future__ import annotations

import os
import re

import requests
import schemathesis

BASE_URL = os.environ["FUZZ_BASE_URL"]
PROTECTED_IDS = {int(pk) for pk in os.environ.get("FUZZ_PROTECTED_IDS", "").split(",") if pk}


@schemathesis.auth(refresh_interval=120)
class FuzzLogin:
    """A bearer token from the app's own login; fetched again on a 401 (schemathesis' retry_on)."""

    def get(self, case, context):
        answer = requests.post(
            f"{BASE_URL}/api/v1/auth/login",
            json={"username": os.environ["FUZZ_USERNAME"], "password": os.environ["FUZZ_PASSWORD"]},
            timeout=10,
        )
        answer.raise_for_status()
        return answer.json()["access_token"]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.hook
def filter_path_parameters(context, path_parameters):
    """Keep the fuzz accounts out of reach of `/users/{id}`."""
    if path_parameters is None or not context.operation.path.startswith("/users/"):
        return True
    value = path_parameters.get("id")
    try:
        return int(value) not in PROTECTED_IDS
    except (TypeError, ValueError):
        return True


# DRF's documented leniency, which negative_data_rejection counts as acceptance: a scalar where
# another scalar is declared is coerced (CharField takes 0 as "0", IntegerField takes "5"), and an
# empty paging parameter (`?limit=`) means its default.
_WRONG_TYPE = re.compile(r"(?:in body - |  - )(\w+): Incorrect type")
_EMPTY_QUERY = re.compile(r"parameter `(\w+)` in query - violates `type`")


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Drop only an accepted "negative" case whose every mutation is one of the leniencies above."""
    if type(failure).__name__ != "AcceptedNegativeData":
        return True
    fields = _WRONG_TYPE.findall(failure.message)
    if fields and isinstance(case.body, dict):
        values = [case.body.get(name) for name in fields]
        if all(isinstance(v, int | float | str) and not isinstance(v, bool) for v in values):
            return False
    params = _EMPTY_QUERY.findall(failure.message)
    empty = bool(params) and isinstance(case.query, dict) and all(case.query.get(n) == "" for n in params)
    return not empty
