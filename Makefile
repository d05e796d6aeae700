# Học liệu — `make run` serves the demo district; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
WORKERS ?= 2
PG_TEST_URL ?= postgresql://127.0.0.1:5432/test
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-sqlite test-postgres install install-test chromium translations lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed translations
install-test: $(VENV)/.installed-test translations chromium

# Compiled catalogues are build output (git-ignored); the .po files are the source.
translations: | $(VENV)/.installed
	$(BIN)/python bin/update-translations --compile-only

# Browser tests drive Debian's Chromium (Playwright never downloads a browser here).
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "Installing Chromium for the browser tests (apt-get)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi
	@test -x "$(CHROMIUM)" || { echo "Chromium is missing at $(CHROMIUM)"; exit 1; }

run: install
	$(FLASK) lms init
	$(FLASK) lms seed-demo --if-empty
	@echo
	@echo "Học liệu on http://127.0.0.1:$(PORT)  — demo accounts (password hoclieu-demo):"
	@echo "  admin, reviewer.toan, reviewer.khtn, bgh.thcs01, gv.toan, gv.van, gv.toan2,"
	@echo "  hs.6a1.01 … hs.6a1.30, hs.6a2.01 … hs.6a2.30, hs2.6a1.01 … hs2.6a1.30"
	@echo
	@$(FLASK) lms worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/gunicorn --workers $(WORKERS) --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

# SQLite always; PostgreSQL as well when TEST_DATABASE_URL is set or it answers on 127.0.0.1:5432.
# With CI=true the PostgreSQL run and the browser tests are required.
test: install-test
	$(BIN)/ruff check lms tests bench
	$(MAKE) --no-print-directory test-sqlite
	@url="$${TEST_DATABASE_URL:-}"; \
	if [ -z "$$url" ] && $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_TEST_URL)', connect_timeout=3).close()" 2>/dev/null; then url="$(PG_TEST_URL)"; fi; \
	if [ -n "$$url" ]; then $(MAKE) --no-print-directory test-postgres TEST_DATABASE_URL="$$url"; \
	elif [ "$${CI:-}" = "true" ]; then echo "CI=true: PostgreSQL is required but does not answer on 127.0.0.1:5432"; exit 1; \
	else echo "PostgreSQL not reachable: skipped the PostgreSQL run (set TEST_DATABASE_URL)"; fi

test-sqlite: install-test
	@echo "== test suite on SQLite"
	env -u TEST_DATABASE_URL $(BIN)/pytest -p no:cacheprovider

test-postgres: install-test
	@echo "== test suite on PostgreSQL ($(TEST_DATABASE_URL))"
	TEST_DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/pytest -p no:cacheprovider

lint: $(VENV)/.installed-test
	$(BIN)/ruff check lms tests bench

clean:
	rm -rf $(VENV) build *.egg-info
