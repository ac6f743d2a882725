# Samenspel: `make run` serves the demo, `make test` runs every check, `make bench` measures
# the key pages under load. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app:create_app

.PHONY: run test bench setup setup-test vendor translations db demo lint test-sqlite test-postgres test-e2e clean

run: setup db demo
	SAMENSPEL_DEMO=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

test: setup-test lint test-sqlite test-postgres test-e2e

# The load benchmark (bench/run.py, issue 10) on instance/scale-$(FACTOR).db, or on
# DATABASE_URL when set; the scale database is migrated, and seeded when it is new.
FACTOR ?= 1
CLIENTS ?= 8
DURATION ?= 15
WORKERS ?=

bench: setup
	bash scripts/install-bench-deps.sh
	$(BIN)/python bench/run.py --prepare --factor $(FACTOR) --clients $(CLIENTS) \
		--duration $(DURATION) $(if $(WORKERS),--workers $(WORKERS))

# --- set-up -----------------------------------------------------------------
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

vendor: node_modules/.installed
	bash scripts/vendor.sh

translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d translations

setup: $(VENV)/.installed vendor translations

setup-test: setup $(VENV)/.installed-test
	bash scripts/install-test-deps.sh

db: setup
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask seed demo --if-empty

# --- checks -----------------------------------------------------------------
lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-sqlite:
	$(BIN)/pytest -m "not e2e"

test-postgres:
	bash scripts/with-postgres.sh $(BIN)/pytest -m "not e2e"

test-e2e:
	$(BIN)/pytest -m e2e tests/e2e

clean:
	rm -rf $(VENV) node_modules app/static/vendor
