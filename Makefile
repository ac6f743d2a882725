# Samenspel: `make run` serves the demo, `make test` runs every check, `make bench` measures
# the key pages under load. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app:create_app

.PHONY: run test bench bench-mixed fuzz setup setup-test vendor translations db demo lint test-sqlite test-postgres test-e2e clean

run: setup db demo
	SAMENSPEL_DEMO=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

test: setup-test lint test-sqlite test-postgres test-e2e

# The load benchmark (bench/run.py, issue 10) on instance/scale-$(FACTOR).db, or on
# DATABASE_URL when set; the scale database is migrated, and seeded when it is new.
FACTOR ?= 1
CLIENTS ?= 8
DURATION ?= 15
WORKERS ?=
THREADS ?=

bench: setup
	bash scripts/install-bench-deps.sh
	$(BIN)/python bench/run.py --prepare --factor $(FACTOR) --clients $(CLIENTS) \
		--duration $(DURATION) $(if $(WORKERS),--workers $(WORKERS))

# The mixed workload (bench/mixed.py, issue 24): sessions of all roles stepped up to find
# the capacity (highest req/s with p95 <= 100 ms).
STEPS ?= 20,40,80,120,160,200,240
THINK ?= 0.3,1.0
STEP_SECONDS ?= 20
WARMUP ?= 10
WRITE_SHARE ?= 0.03

bench-mixed: setup
	bash scripts/install-bench-deps.sh
	$(BIN)/python bench/mixed.py --prepare --factor $(FACTOR) --steps $(STEPS) \
		--think $(THINK) --duration $(STEP_SECONDS) --warmup $(WARMUP) \
		--write-share $(WRITE_SHARE) $(if $(WORKERS),--workers $(WORKERS)) \
		$(if $(THREADS),--threads $(THREADS))

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

# The tests run in parallel (pytest-xdist), each worker on a database of its own;
# TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= 2

test-sqlite:
	$(BIN)/pytest -m "not e2e" -n $(TEST_WORKERS)

test-postgres:
	bash scripts/with-postgres.sh $(BIN)/pytest -m "not e2e" -n $(TEST_WORKERS)

test-e2e:
	$(BIN)/pytest -m e2e tests/e2e -n $(TEST_WORKERS) --dist loadfile

# The property-based fuzz suite (tests/test_fuzz.py) with a long budget and a random seed,
# on SQLite and on PostgreSQL; `make test` runs it with a small fixed budget.
fuzz: setup-test
	SAMENSPEL_FUZZ_PROFILE=long $(BIN)/pytest -s -p no:logging tests/test_fuzz.py
	SAMENSPEL_FUZZ_PROFILE=long bash scripts/with-postgres.sh $(BIN)/pytest -s -p no:logging tests/test_fuzz.py

clean:
	rm -rf $(VENV) node_modules app/static/vendor
