# The two commands a newcomer types: `make run` and `make test`. Everything else is what they use.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PORT ?= 5000
PYTEST_ARGS ?=
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
# The same hypothesis examples on every run (the profile is registered in tests/conftest.py).
PYTEST := $(BIN)/pytest --hypothesis-profile=derandomised
PYBABEL := $(BIN)/pybabel
# Touched after every successful install, so pip runs again only when the dependencies change.
INSTALL_STAMP := $(VENV)/.installed
DEBIAN_PACKAGES := postgresql chromium fonts-noto-cjk
# Babel already knows _, gettext, ngettext and pgettext (with their plural and context arguments); add the lazy ones.
BABEL_KEYWORDS := -k _l -k lazy_gettext -k _lp:1c,2
EN_CATALOGUE := translations/en/LC_MESSAGES/messages.po

.PHONY: help setup system-packages python-packages compile-translations run dev test test-sqlite test-postgres translations

help:
	@echo "make run          set up, migrate, seed the demo street, serve on http://127.0.0.1:$(PORT) (gunicorn) with the scheduler"
	@echo "make dev          the same with Flask's reloading debug server"
	@echo "make test         set up, run the whole suite on SQLite and on a throwaway PostgreSQL"
	@echo "make test-sqlite / test-postgres   one pass only (PYTEST_ARGS='tests/accounts -x' narrows)"
	@echo "make translations extract messages, update the en catalogue, compile"
	@echo "make setup        Debian packages, .venv, Python dependencies, compiled translations"

setup: system-packages python-packages compile-translations

# Installs only what is missing, so a set-up machine never waits for apt.
system-packages:
	@missing=(); \
	compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql); \
	{ command -v chromium >/dev/null && dpkg -s chromium >/dev/null 2>&1; } || missing+=(chromium); \
	dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk); \
	if [ "$${#missing[@]}" -gt 0 ]; then \
	  if [ "$$(id -u)" -ne 0 ]; then \
	    echo "make setup: missing Debian packages: $${missing[*]}; install them as root: apt-get install $${missing[*]}" >&2; \
	    exit 1; \
	  fi; \
	  echo "==> Installing Debian packages: $${missing[*]}"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  { apt-get update -qq && apt-get install -y -qq "$${missing[@]}" >/dev/null; } \
	    || { echo "make setup: apt-get install $${missing[*]} failed" >&2; exit 1; }; \
	fi

python-packages: $(INSTALL_STAMP)

$(BIN)/python:
	@echo "==> Creating $(VENV)"
	@python3 -m venv $(VENV) || { echo "make setup: 'python3 -m venv' failed (Python 3.11+ with venv needed)" >&2; exit 1; }

$(INSTALL_STAMP): setup.cfg pyproject.toml | $(BIN)/python
	@echo "==> Installing Python dependencies into $(VENV)"
	@$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]' \
	  || { echo "make setup: pip install -e '.[test]' failed" >&2; exit 1; }
	@touch $@

# Compiled only when a catalogue changed: `make run` inside the test suite must not rewrite a catalogue the
# other pass is reading.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/*.po))
compile-translations: python-packages $(MO_FILES)

translations/%.mo: translations/%.po | python-packages
	@$(PYBABEL) -q compile -i $< -o $@ || { echo "make setup: pybabel compile $< failed" >&2; exit 1; }

# The scheduler runs beside the server as its own process, started here rather than from a gunicorn hook:
# gunicorn.conf.py is also the production server's settings, and production runs the scheduler as a
# process of its own (README). The trap stops it whenever gunicorn ends (Ctrl-C reaches both).
run: setup
	@$(FLASK) db upgrade
	@$(FLASK) seed-demo
	@$(FLASK) search reindex --catch-up
	@echo "==> Serving on http://127.0.0.1:$(PORT) with the scheduler (Ctrl-C stops both)"
	@$(FLASK) scheduler run & scheduler=$$!; \
	trap 'kill -TERM $$scheduler 2>/dev/null || true; wait $$scheduler || true' EXIT; \
	PORT=$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py serve:app

dev: setup
	@$(FLASK) db upgrade
	@$(FLASK) seed-demo
	@$(FLASK) search reindex --catch-up
	@exec $(FLASK) run --debug --host 127.0.0.1 --port $(PORT)

# Both passes always run, side by side (one core each on a two-core machine), so one report shows both
# databases; the PostgreSQL pass's output is kept and shown after the SQLite pass's. Either failing fails.
test: setup
	@mkdir -p test-artifacts; postgres_log=test-artifacts/postgres-pass.log; sqlite=0; postgres=0; \
	echo "==> Test suites on SQLite and on PostgreSQL, side by side (the PostgreSQL output follows)"; \
	scripts/with-postgres $(PYTEST) -q -p no:cacheprovider $(PYTEST_ARGS) >"$$postgres_log" 2>&1 & postgres_pass=$$!; \
	trap 'kill $$postgres_pass 2>/dev/null || true' INT TERM; \
	echo "==> Test suite on SQLite"; \
	$(PYTEST) -q $(PYTEST_ARGS) || sqlite=$$?; \
	wait $$postgres_pass || postgres=$$?; \
	echo "==> Test suite on PostgreSQL"; \
	cat "$$postgres_log"; \
	if [ "$$sqlite" -ne 0 ] || [ "$$postgres" -ne 0 ]; then \
	  echo "make test: FAILED (SQLite pass exit $$sqlite, PostgreSQL pass exit $$postgres)" >&2; exit 1; \
	fi; \
	echo "==> make test: both passes green"

test-sqlite: setup
	@$(PYTEST) -q $(PYTEST_ARGS)

test-postgres: setup
	@scripts/with-postgres $(PYTEST) -q $(PYTEST_ARGS)

# zh_CN needs no catalogue: the msgids are the Chinese text.
translations: python-packages
	@$(PYBABEL) -q extract -F babel.cfg $(BABEL_KEYWORDS) --project=marketplace --add-comments=TRANSLATORS: \
	  -o translations/messages.pot .
	@if [ -f $(EN_CATALOGUE) ]; then \
	  $(PYBABEL) -q update -i translations/messages.pot -d translations -l en; \
	else \
	  $(PYBABEL) -q init -i translations/messages.pot -d translations -l en; \
	fi
	@$(PYBABEL) -q compile -d translations
	@echo "==> $(EN_CATALOGUE) updated and compiled"
