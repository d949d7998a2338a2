# Developer and CI entry points. Everything runs from .venv/ and node_modules/;
# stamp files make a second run skip work that is already done.
#   make setup   venv + front-end libraries + translations + migrate/seed the database
#   make run     setup, then serve on http://127.0.0.1:5000 (SQLite in instance/)
#   make test    venv + vendor + translations, then pytest (PYTEST_ARGS="-k foo -x")
#   make lint    ruff check + ruff format --check

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
FLASK := FLASK_APP=wsgi.py $(BIN)/flask

VENV_STAMP := $(VENV)/.installed.stamp
NODE_STAMP := node_modules/.npm-ci.stamp
VENDOR_STAMP := static/vendor/.vendored.stamp
PO_FILES := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
POT := translations/messages.pot
LANGS := vi

.PHONY: help venv vendor translations extract-messages setup run test lint clean distclean

help:
	@echo "Targets: venv vendor translations extract-messages setup run test lint clean distclean"
	@echo "  make test PYTEST_ARGS='-x -k name'   pass arguments to pytest"

# --- Python -----------------------------------------------------------------
venv: $(VENV_STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,prod]'
	touch $@

# --- Front-end libraries (static/vendor/, never a CDN) -----------------------
vendor: $(VENDOR_STAMP)

# --ignore-scripts: no package needs a build step (swagger-ui-dist's only
# install script is a telemetry ping).
$(NODE_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

$(VENDOR_STAMP): $(NODE_STAMP) scripts/vendor.mjs
	node scripts/vendor.mjs
	touch $@

# --- Translations -------------------------------------------------------------
# Compiles every translations/<lang>/LC_MESSAGES/messages.po that changed; does
# nothing when there is no catalog yet. A catalog still marked fuzzy is skipped
# by pybabel (with a message), as `pybabel compile -d translations` would.
translations: $(MO_FILES)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV_STAMP)
	$(BIN)/pybabel compile -d translations -l $* --statistics

extract-messages: $(VENV_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext \
	    --ignore-dirs='.* ._ node_modules vendor instance' \
	    --sort-by-file --no-wrap --project=meetings -o $(POT) .
	@for lang in $(LANGS); do \
	    if [ -f translations/$$lang/LC_MESSAGES/messages.po ]; then \
	        $(BIN)/pybabel update -i $(POT) -d translations -l $$lang --no-fuzzy-matching --no-wrap; \
	    else \
	        $(BIN)/pybabel init -i $(POT) -d translations -l $$lang --no-wrap; \
	    fi; \
	done

# --- Application ----------------------------------------------------------------
setup: venv vendor translations
	$(FLASK) setup

run: setup
	$(BIN)/python wsgi.py

# pytest exits 5 when it collected no tests; that is a failure here too.
test: venv vendor translations
	@rc=0; $(BIN)/pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests (exit 5)" >&2; fi; \
	exit $$rc

lint: venv
	@rc=0; $(BIN)/ruff check . || rc=1; $(BIN)/ruff format --check . || rc=1; exit $$rc

# --- Cleaning -------------------------------------------------------------------
# clean keeps .venv/ and instance/ (your database); distclean also drops .venv/.
clean:
	rm -rf node_modules static/vendor .pytest_cache .ruff_cache build *.egg-info
	find translations -name '*.mo' -delete
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
