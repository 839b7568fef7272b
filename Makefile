# Two commands: `make run` serves the platform with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench messages clean chromium fonts pdftools

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime fonts
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py seed_demo
	@echo "Serving the platform at http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) config.asgi:application

chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# The CJK font PDFs embed (core/pdf.py; without it they fall back to the non-embedded STSong-Light), and Poppler's
# pdffonts/pdftoppm/pdftotext the tests read PDFs with. Debian packages, as root; servers need `make fonts`.
fonts:
	@test -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc || { apt-get update -qq && apt-get install -y -qq fonts-wqy-zenhei >/dev/null; }

pdftools:
	@command -v pdftoppm >/dev/null || { apt-get update -qq && apt-get install -y -qq poppler-utils >/dev/null; }

# The services' URLs and the test settings are in pyproject.toml ([tool.pytest.ini_options] env), so a bare
# `pytest` runs the same suite against the machine's PostgreSQL and Redis.
test: $(VENV)/.dev chromium fonts pdftools
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run -v0
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

# Every benchmark, one after the other; each loads its own database and writes bench/RESULTS.md.
BENCHES := sealing_throughput trading_pages trading_statistics opendata_feed credit_scores expert_draw room_clients \
	supervision_indicators deadline_rush
bench: $(VENV)/.dev
	for b in $(BENCHES); do if [ -f bench/$$b.py ]; then $(PY) bench/$$b.py || exit 1; fi; done

# Each app carries its own zh-Hans catalogue of its code and its templates/<app>/ pages: extract (keeping every
# translation any catalogue already has), then translate what is new, then run it again to compile.
messages: $(VENV)/.dev
	$(PY) manage.py catalogues

clean:
	rm -rf var/
