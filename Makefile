# One target per verb. `make run` and `make test` work on a fresh clone: they create the venv and install.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
# Dev-only code (the dev server, the Zoom fake) lives in devtools/, outside the deployed functions/ source.
export PYTHONPATH := functions:devtools

.PHONY: run test test-moved-clock lint format bench report chromium server-tools clean openapi package backup restore \
	checkov infra-check deploy complaints-csv

$(STAMP): functions/requirements.txt requirements-dev.txt deploy/server/requirements.txt
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

# Debian's caddy and systemd-analyze for the internal server's tier: tests/test_internal_server.py validates
# deploy/server/Caddyfile and runs it in front of gunicorn, and verifies the systemd units.
server-tools:
	@{ command -v caddy && command -v systemd-analyze; } >/dev/null || { \
	  echo "Installing Debian's caddy and systemd for the internal server's tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq caddy systemd >/dev/null; }

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: $(STAMP) chromium server-tools lint $(CHECKOV_STAMP)
	$(PY) -m pytest
	$(MAKE) --no-print-directory test-moved-clock
	@command -v gcloud >/dev/null || echo "NOTE: Firestore tier NOT RUN: the Google Cloud CLI (gcloud) is missing. \
	Install google-cloud-cli and google-cloud-cli-firestore-emulator (Google's apt repository) and Java, then run make test again."

# The suite must not depend on the date it runs on: everything but the browser tier (chromium does not start
# under libfaketime) again, with the machine's clock 400 days ahead. Java (the Firestore emulator) keeps the real one.
FAKETIME_LIB = $(firstword $(wildcard /usr/lib/*/faketime/libfaketime.so.1) /usr/lib/faketime/libfaketime.so.1)
test-moved-clock: $(STAMP) chromium server-tools
	FAKETIME=+400d FAKETIME_SKIP_CMDS=java,gcloud LD_PRELOAD=$(FAKETIME_LIB) $(PY) -m pytest -q -m "not browser" -p no:cacheprovider

# The checked-in copy of GET /api/openapi.json for the embedded defaults (tests/test_openapi.py keeps them equal).
openapi: $(STAMP)
	$(PY) -m vicon.openapi docs/openapi.json

# Complaints received from FROM up to (not including) TO, dates in TIMEZONE, from the store STORE_URL names, as CSV
# for SP4N-LAPOR! and other systems (tools/complaints_csv.py; decision 0027).
# make complaints-csv FROM=2026-01-01 TO=2026-04-01
complaints-csv: $(STAMP)
	@test -n "$(FROM)" -a -n "$(TO)" || { echo "usage: make complaints-csv FROM=YYYY-MM-DD TO=YYYY-MM-DD"; exit 2; }
	$(PY) tools/complaints_csv.py $(FROM) $(TO) reports/pengaduan-$(FROM)-$(TO).csv
	@echo "reports/pengaduan-$(FROM)-$(TO).csv"

# The deployed source: dist/functions-source/ and dist/vicon-functions-<sha256>.zip (main.py, requirements.txt,
# vicon/, templates/; nothing dev-only). tools/package.py; decision 0018.
package: $(STAMP)
	$(PY) tools/package.py dist

# The internal server's data (decision 0023): the SQLite store (SQLite's online backup, while the service runs) and
# the blob folder in one archive, BACKUP_DIR/vicon-backup-<UTC time>.tar.gz; `make restore ARCHIVE=…` puts one back
# (FORCE=1 moves data already there aside). ENV_FILE names the server's configuration (STORE_URL, BLOB_URL); without
# it the environment's, else .data/. The system python3 runs tools/backup.py (standard library only): no venv needed.
BACKUP_DIR ?= backups
backup:
	$(PYTHON) tools/backup.py backup --out "$(BACKUP_DIR)" $(if $(ENV_FILE),--env-file "$(ENV_FILE)")

restore:
	@test -n "$(ARCHIVE)" || { echo "usage: make restore ARCHIVE=backups/vicon-backup-<time>.tar.gz [ENV_FILE=/etc/vicon/vicon.env] [FORCE=1]" >&2; exit 2; }
	$(PYTHON) tools/backup.py restore "$(ARCHIVE)" $(if $(ENV_FILE),--env-file "$(ENV_FILE)") $(if $(FORCE),--force)

# ---- Google Cloud (infra/, decision 0025) ----------------------------------------------------------------------
# checkov has a venv of its own (CHECKOV_VENV): its pins (packaging<24, bc-python-hcl2) clash with pytest's and
# python-hcl2's.
$(CHECKOV_STAMP): requirements-checkov.txt
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements-checkov.txt
	@touch $@

checkov: $(CHECKOV_STAMP)

# The offline checks of infra/ alone (also part of make test): terraform fmt, the HCL parse, the Firestore query
# and index map, checkov, the Hosting configuration, the deploy tool's dry run, functions/requirements.txt.
infra-check: $(STAMP) $(CHECKOV_STAMP)
	$(PY) -m pytest -q tests/test_infra.py tests/test_hosting.py tests/test_deploy.py tests/test_requirements.py

# make deploy PROJECT_ID=my-project [TFVARS=infra/terraform.tfvars] [AUTO_APPROVE=1]: package, Terraform, the site
# (README "Deploy"; tools/deploy.py). Refuses before anything else without PROJECT_ID.
TFVARS ?= infra/terraform.tfvars
deploy:
	@test -n "$(PROJECT_ID)" || { echo "make deploy: PROJECT_ID is required: make deploy PROJECT_ID=<your Google Cloud project> (README, Deploy)" >&2; exit 2; }
	@$(MAKE) --no-print-directory $(STAMP)
	$(PY) tools/deploy.py --project "$(PROJECT_ID)" --tfvars "$(TFVARS)" $(if $(AUTO_APPROVE),--auto-approve)

bench: $(STAMP)
	$(PY) benchmarks/run.py

# The quarterly evaluation as files: reports/$(QUARTER).html and reports/$(QUARTER)-<table>.csv beside it, from the
# store STORE_URL names (default: the local .data/ one). tools/report.py; decision 0028.
report: $(STAMP)
	@test -n "$(QUARTER)" || { echo "usage: make report QUARTER=YYYYQn (for example 2026Q3)"; exit 2; }
	$(PY) tools/report.py $(QUARTER)

clean:
	rm -rf .data dist .pytest_cache .mypy_cache .ruff_cache .hypothesis infra/.terraform
