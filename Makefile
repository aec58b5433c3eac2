# Two commands on a fresh machine: `make run` and `make test` (see README).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run install dev-install migrate demo serve test test-embedded test-services test-schema lint format bench clean \
	messages compilemessages

run: install migrate demo serve

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

dev-install: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

serve: install
	$(PY) manage.py runserver $(HOST):$(PORT)

test: dev-install
	$(PY) -m pytest $(PYTEST_ARGS)

# The same suite against the loopback services, failing (not skipping) where one is missing.
test-services: dev-install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/facility} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/1} \
	MQTT_URL=$${MQTT_URL:-mqtt://127.0.0.1:1883} \
	REQUIRE_SERVICES=1 $(PY) -m pytest $(PYTEST_ARGS)

# The same suite on the embedded defaults `make run` uses (SQLite, local-memory cache, local files, the
# SQL time-series store, no broker): whatever needs a service skips. The browser tests run in the
# services pass only.
test-embedded: dev-install
	env -u DATABASE_URL -u TEST_DATABASE_NAME -u REDIS_URL -u SECURITY_REDIS_URL -u MQTT_URL \
	    -u CI -u REQUIRE_SERVICES $(PY) -m pytest --ignore=e2e $(PYTEST_ARGS)

# schemathesis (all checks, fixed seed) against the app as production serves it: gunicorn, DEBUG off,
# PostgreSQL and Redis (FUZZ_DATABASE_URL, FUZZ_REDIS_URL; see fuzz/run.sh). Its own venv.
ST_VENV := .st-venv

$(ST_VENV)/.installed: fuzz/requirements.txt
	$(PYTHON) -m venv $(ST_VENV)
	$(ST_VENV)/bin/pip install --quiet -r fuzz/requirements.txt
	touch $@

test-schema: install $(ST_VENV)/.installed
	PYTHON=$(PY) SCHEMATHESIS=$(ST_VENV)/bin/schemathesis fuzz/run.sh

lint: dev-install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

format: dev-install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Translations (README "Language and time"; needs GNU gettext). `messages` brings the catalogs
# locale/{en,id}/LC_MESSAGES/django.po up to date with the code (then translate the new entries);
# `compilemessages` writes the .mo files the app reads, which are committed beside them.
MESSAGES_IGNORE := --ignore='.*' --ignore=staticfiles --ignore=media --ignore='*/tests/*' \
	--ignore=bench --ignore=fuzz --ignore=deploy

messages: install
	$(PY) manage.py makemessages -l en_GB -l id --no-location --no-obsolete $(MESSAGES_IGNORE)

compilemessages: install
	$(PY) manage.py compilemessages $(MESSAGES_IGNORE)

bench: dev-install
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(ST_VENV) fuzz/out db.sqlite3 .pytest_cache .ruff_cache
