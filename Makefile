# Tỉnh số: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := tinhso.config.settings
export TINHSO_ALLOWED_HOSTS ?= 127.0.0.1,localhost,testserver,$(HOST)
# The demo's open data snapshots are retaken daily by the worker (off unless set).
export TINHSO_OPENDATA_SNAPSHOTS ?= true

.PHONY: run test lint format bench migrate demo clean-db help

help:
	@echo "make run    serve the demo province on http://$(HOST):$(PORT) (SQLite)"
	@echo "make test   run the whole test suite"
	@echo "make lint   ruff, mypy, import-linter"
	@echo "make bench  run the benchmarks in bench/"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3.11, python3.12, python3.13)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when the project's dependencies change.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@ $(VENV)/.installed-run

# The background worker (notifications, national-portal delivery) runs beside the web server
# and stops with it.
run: $(VENV)/.installed-run
	$(BIN)/tinhso migrate --no-input
	$(BIN)/tinhso demo
	@mkdir -p var
	@$(BIN)/tinhso dossiers warn --schedule
	@echo "Tỉnh số: http://$(HOST):$(PORT)/  (background worker log: var/worker.log)"
	@$(BIN)/tinhso db_worker --queue-name '*' --no-reload > var/worker.log 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/waitress-serve --host=$(HOST) --port=$(PORT) --threads=8 tinhso.config.wsgi:application

test: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy src/tinhso

bench: $(VENV)/.installed-dev
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done
