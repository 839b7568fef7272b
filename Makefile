# Two commands: `make run` serves the platform with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# The test suite talks to the real services of this machine.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/sunshine
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test lint bench messages clean chromium

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py seed_demo
	@echo "Serving the platform at http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) config.asgi:application

chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

test: $(VENV)/.dev chromium
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run -v0
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	CELERY_EAGER=1 EMBEDDED_SCHEDULER=0 $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

bench: $(VENV)/.dev
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	$(PY) -m bench

# Each app carries its own zh-Hans catalogue: extract, then translate every new msgstr, then compile.
APPS_WITH_TEXT := core accounts audit credit trading bidding_room expert_pool
messages: $(VENV)/.dev
	for app in $(APPS_WITH_TEXT); do mkdir -p $$app/locale/zh_Hans/LC_MESSAGES; \
	  (cd $$app && ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete -v0 && \
	   ../$(PY) ../manage.py compilemessages -v0); done

clean:
	rm -rf var/
