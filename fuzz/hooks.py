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
# another scalar is declared is coerced (CharField takes 0 as "0", IntegerField takes "5"); in a
# form body an empty optional field is "not sent" (DRF's HTML-form rule); an empty query
# parameter (`?limit=`, `?created_before=`) is "not given". A form body can't carry anything but
# fields: a generated non-object "form" (`-d 123` as multipart) reaches the app as a form with no
# field, i.e. `{}`, which an all-optional update (PUT /api/sensor-data/{id}) rightly accepts.
_WRONG_TYPE = re.compile(r"(?:in body - |  - )(\w+): Incorrect type")
_TOO_SHORT = re.compile(r"(?:in body - |  - )(\w+): String smaller than minLength")
_QUERY = re.compile(r"parameter `(\w+)` in query")
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _lenient(failure, case) -> bool:
    """Whether every mutation of this accepted "negative" case is one of the leniencies above."""
    if (
        (case.media_type or "").startswith(_FORMS)
        and not isinstance(case.body, dict)
        and "violates `type` (was object" in failure.message
    ):
        return True
    body = case.body if isinstance(case.body, dict) else {}
    coerced = _WRONG_TYPE.findall(failure.message)
    if coerced and body:
        values = [body.get(name) for name in coerced]
        return all(isinstance(v, int | float | str) and not isinstance(v, bool) for v in values)
    short = _TOO_SHORT.findall(failure.message)
    if short and body and (case.media_type or "").startswith(_FORMS):
        return all(body.get(name) == "" for name in short)
    params = _QUERY.findall(failure.message)
    if params and isinstance(case.query, dict):
        return all(case.query.get(name) == "" for name in params)
    return False


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep every failure but an accepted "negative" case that is only DRF's leniency."""
    return not (type(failure).__name__ == "AcceptedNegativeData" and _lenient(failure, case))
