# Học liệu — `make run` serves the demo district; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
WORKERS ?= 2
PG_TEST_URL ?= postgresql://127.0.0.1:5432/test
# pytest-xdist processes for `make test` (logical: one per CPU; 0: a single process). Each has
# databases of its own (tests/conftest.py); worksteal keeps every one busy to the end of the run.
TEST_WORKERS ?= logical
PYTEST := $(BIN)/pytest -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-sqlite test-postgres install install-test chromium translations lint clean bench-tools

INSTALL_LOG := $(VENV)/install.log

# $(call quietly,what it does,command): one line on the terminal, the command's output in
# $(INSTALL_LOG); on failure the end of the log and its path.
define quietly
@echo "$(1) (log: $(INSTALL_LOG))"
@{ $(2); } >>"$(INSTALL_LOG)" 2>&1 || { echo "Failed: $(1). The last lines of $(INSTALL_LOG):"; \
  tail -n 30 "$(INSTALL_LOG)" | sed 's/^/  | /'; echo "Full log: $(CURDIR)/$(INSTALL_LOG)"; exit 1; }
endef

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) || { echo "Failed: $(PYTHON) -m venv $(VENV)"; exit 1; }
	$(call quietly,Upgrading pip in $(VENV),$(BIN)/python -m pip install --upgrade pip)

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(call quietly,Installing Học liệu and its dependencies into $(VENV),$(BIN)/pip install -e .)
	@touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml $(VENV)/.installed
	$(call quietly,Installing the test tools into $(VENV),$(BIN)/pip install -e '.[test]')
	@touch $@

install: $(VENV)/.installed translations
install-test: $(VENV)/.installed-test translations chromium

# Compiled catalogues are build output (git-ignored); the .po files are the source.
translations: | $(VENV)/.installed
	@$(BIN)/python bin/update-translations --compile-only

# Browser tests drive Debian's Chromium (Playwright never downloads a browser here).
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "Installing Chromium for the browser tests (apt-get)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi
	@test -x "$(CHROMIUM)" || { echo "Chromium is missing at $(CHROMIUM)"; exit 1; }

# The benchmarks' load tool (bench/README.md): wrk from Debian. Never part of `make test` or CI.
bench-tools:
	@if ! command -v wrk >/dev/null; then \
	  echo "Installing wrk for bench/pages_bench.py (apt-get)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; \
	fi
	@command -v wrk >/dev/null || { echo "wrk is missing (apt-get install -y wrk)"; exit 1; }
	@wrk --version 2>&1 | head -n 1

# bin/run: migrate, seed the demo when the database has no users, start the worker and gunicorn,
# and print the address once GET /healthz answers (its logs are in instance/).
run: install
	@$(BIN)/python bin/run --port $(PORT) --workers $(WORKERS)

# SQLite always; PostgreSQL as well when TEST_DATABASE_URL is set or a server answers on
# 127.0.0.1:5432 (the tests make their own databases there). With CI=true the PostgreSQL run and
# the browser tests are required. The browser tests run once: in the PostgreSQL run, the
# production database, when there is one (they test pages; the web tests cover both databases).
test: install-test
	$(BIN)/ruff check lms tests bench
	@url="$${TEST_DATABASE_URL:-}"; \
	if [ -z "$$url" ] && $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_TEST_URL)', dbname='postgres', connect_timeout=3).close()" 2>/dev/null; then url="$(PG_TEST_URL)"; fi; \
	if [ -n "$$url" ]; then \
	  $(MAKE) --no-print-directory test-sqlite SQLITE_SELECT="-m 'not e2e'" && \
	  $(MAKE) --no-print-directory test-postgres TEST_DATABASE_URL="$$url"; \
	elif [ "$${CI:-}" = "true" ]; then echo "CI=true: PostgreSQL is required but does not answer on 127.0.0.1:5432"; exit 1; \
	else echo "PostgreSQL not reachable: the SQLite run only (set TEST_DATABASE_URL for both)"; \
	  $(MAKE) --no-print-directory test-sqlite; fi

test-sqlite: install-test
	@echo "== test suite on SQLite$(if $(SQLITE_SELECT), (the browser tests in the PostgreSQL run))"
	env -u TEST_DATABASE_URL $(PYTEST) $(SQLITE_SELECT)

test-postgres: install-test
	@echo "== test suite on PostgreSQL ($(TEST_DATABASE_URL))"
	TEST_DATABASE_URL="$(TEST_DATABASE_URL)" $(PYTEST)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check lms tests bench

clean:
	rm -rf $(VENV) build *.egg-info
