#!/usr/bin/env bash
# `make test-schema`: schemathesis, all checks, against the app served as in production
# (gunicorn, DEBUG off, PostgreSQL, Redis) with raised throttles and the demo data, once as a
# superuser and once as an Operator. Dedicated fuzz accounts (fuzz-admin, fuzz-operator) log in;
# fuzz/hooks.py keeps their own records out of the fuzz's reach.
#
# Every check runs but positive_data_acceptance: it wants every schema-valid request accepted, and
# the apps rightly refuse some with 400 by rules OpenAPI can't state (a name already taken, a part or
# machine that doesn't exist, a password policy, an image judged by its bytes, a wrong OTP, "at
# least one of these fields"). negative_data_rejection is left out of the gate too (FUZZ_EXCLUDE):
# what it flags is DRF's own leniency (a number sent for a text field is taken as its text, "" for
# a nullable text), and which mutation of it the seed produces moves with every schema change, so
# it would fail CI at random. The gate is the issue's: no 5xx, no undocumented status, no answer
# that breaks its schema (plus the header, content-type and auth checks). Run it by hand with
# `FUZZ_EXCLUDE=positive_data_acceptance make test-schema`; hooks.py drops the known leniencies.
# The fuzz accounts' password is random per run and their names appear nowhere in the schema.
#
# Environment: PYTHON (the app's interpreter), SCHEMATHESIS (its own venv's binary),
# FUZZ_DATABASE_URL, FUZZ_REDIS_URL, FUZZ_PORT, FUZZ_EXAMPLES (cases per operation), FUZZ_SEED,
# FUZZ_EXCLUDE (checks left out, comma-separated), FUZZ_WORKERS (1: hypothesis parses lambdas with
# `ast` while generating, and two worker threads on CPython 3.11 can break that with "AST
# constructor recursion depth mismatch", an error of the tool, not of the app).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
SCHEMATHESIS=${SCHEMATHESIS:-.st-venv/bin/schemathesis}
PORT=${FUZZ_PORT:-8765}
EXAMPLES=${FUZZ_EXAMPLES:-30}
SEED=${FUZZ_SEED:-1}
OUT=${FUZZ_OUT:-fuzz/out}
mkdir -p "$OUT/static"
OUT=$(cd "$OUT" && pwd)

export DJANGO_DEBUG=False DJANGO_SECURE_SSL_REDIRECT=False DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DJANGO_SECRET_KEY="schema-fuzz-$(date +%s)-not-a-secret-0123456789abcdefghijklmnop"
export STATIC_ROOT="$OUT/static"
export DATABASE_URL=${FUZZ_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/facility_fuzz}
export REDIS_URL=${FUZZ_REDIS_URL:-redis://127.0.0.1:6379/14}
export THROTTLE_LOGIN=100000/min THROTTLE_LOGIN_IP=100000/min THROTTLE_REFRESH=100000/min
export THROTTLE_REGISTER=100000/min THROTTLE_OTP=100000/min THROTTLE_INGEST=100000/min
export REQUEST_LOG_LEVEL=WARNING
# The fuzz reads the staff directory and may try a fuzz account's name with a wrong password: the
# lockout (tested in the suite) would then lock the account the run logs in with, so it is off here.
export LOGIN_LOCKOUT_AFTER=1000000
FUZZ_PASSWORD="Fuzz-$(date +%s)-pass"
export FUZZ_PASSWORD

# A fresh database per run (the fuzz leaves its rows behind), and a fresh cache key prefix.
export CACHE_KEY_PREFIX="fuzz-$(date +%s)"
db_name="${DATABASE_URL##*/}"
dropdb -h 127.0.0.1 -U postgres --if-exists "$db_name"
createdb -h 127.0.0.1 -U postgres "$db_name"
"$PYTHON" manage.py migrate --noinput -v0
"$PYTHON" manage.py seed_demo --force >/dev/null
FUZZ_PROTECTED_IDS=$("$PYTHON" manage.py shell -c '
import os
from config.roles import Role
from staff.models import User
from staff.records.services import user_set_role
ids = []
for name, role in (("fuzz-admin", None), ("fuzz-operator", Role.OPERATOR)):
    user = User.objects.filter(username=name).first() or User(username=name, email=f"{name}@example.com")
    user.is_active = True
    user.is_superuser = user.is_staff = role is None
    user.set_password(os.environ["FUZZ_PASSWORD"])
    user.save()
    if role is not None:
        user_set_role(user=user, role=role, actor=None)
    ids.append(str(user.pk))
print(",".join(ids))
' | tail -n 1)
export FUZZ_PROTECTED_IDS

"$PYTHON" -m gunicorn config.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 --threads 4 \
  --log-level warning >"$OUT/gunicorn.log" 2>&1 &
GUNICORN=$!
trap 'kill "$GUNICORN" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$PORT/api/schema/?format=json" >"$OUT/schema.json"

export FUZZ_BASE_URL="http://127.0.0.1:$PORT" SCHEMATHESIS_HOOKS=fuzz.hooks PYTHONPATH="$PWD"
status=0
for FUZZ_USERNAME in fuzz-admin fuzz-operator; do
  export FUZZ_USERNAME
  echo "=== schemathesis as $FUZZ_USERNAME ==="
  "$SCHEMATHESIS" --config-file fuzz/schemathesis.toml run "$OUT/schema.json" --url "$FUZZ_BASE_URL" \
    --checks all --exclude-checks "${FUZZ_EXCLUDE:-positive_data_acceptance,negative_data_rejection}" \
    --max-examples "$EXAMPLES" --seed "$SEED" --workers "${FUZZ_WORKERS:-1}" --no-color \
    --report junit --report-dir "$OUT/$FUZZ_USERNAME" ${FUZZ_ARGS:-} || status=1
done
exit $status
