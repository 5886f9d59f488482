# One target per verb. `make run` and `make test` work on a fresh clone: they create the venv and install.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Dev-only code (the dev server, the Zoom fake) lives in devtools/, outside the deployed functions/ source.
export PYTHONPATH := functions:devtools

.PHONY: run test test-moved-clock lint format bench report chromium clean openapi package complaints-csv

$(STAMP): functions/requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

run: $(STAMP)
	$(PY) -m vicon_dev.devserver

# Debian's chromium for the browser tier (Playwright never downloads a browser here) and faketime for the
# moved-clock tier.
chromium:
	@{ command -v chromium && command -v faketime; } >/dev/null || { \
	  echo "Installing Debian's chromium and faketime for the tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium faketime >/dev/null; }

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: $(STAMP) chromium lint
	$(PY) -m pytest
	$(MAKE) --no-print-directory test-moved-clock
	@command -v gcloud >/dev/null || echo "NOTE: Firestore tier NOT RUN: the Google Cloud CLI (gcloud) is missing. \
	Install google-cloud-cli and google-cloud-cli-firestore-emulator (Google's apt repository) and Java, then run make test again."

# The suite must not depend on the date it runs on: everything but the browser tier (chromium does not start
# under libfaketime) again, with the machine's clock 400 days ahead. Java (the Firestore emulator) keeps the real one.
FAKETIME_LIB = $(firstword $(wildcard /usr/lib/*/faketime/libfaketime.so.1) /usr/lib/faketime/libfaketime.so.1)
test-moved-clock: $(STAMP) chromium
	FAKETIME=+400d FAKETIME_SKIP_CMDS=java,gcloud LD_PRELOAD=$(FAKETIME_LIB) $(PY) -m pytest -q -m "not browser" -p no:cacheprovider

# The checked-in copy of GET /api/openapi.json for the embedded defaults (tests/test_openapi.py keeps them equal).
openapi: $(STAMP)
	$(PY) -m vicon.openapi docs/openapi.json

# Complaints received from FROM up to (not including) TO, dates in TIMEZONE, from the store STORE_URL names, as CSV
# for SP4N-LAPOR! and other systems (vicon/exports.py; decision 0027): make complaints-csv FROM=2026-01-01 TO=2026-04-01
complaints-csv: $(STAMP)
	@test -n "$(FROM)" -a -n "$(TO)" || { echo "usage: make complaints-csv FROM=YYYY-MM-DD TO=YYYY-MM-DD"; exit 2; }
	$(PY) -m vicon.exports complaints $(FROM) $(TO) reports/pengaduan-$(FROM)-$(TO).csv
	@echo "reports/pengaduan-$(FROM)-$(TO).csv"

# The deployed source: dist/functions-source/ and dist/vicon-functions-<sha256>.zip (main.py, requirements.txt,
# vicon/, templates/; nothing dev-only). tools/package.py; decision 0018.
package: $(STAMP)
	$(PY) tools/package.py dist

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf .data dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
