# Two commands for a newcomer: `make demo` and `make test`. Everything else is for developers.
# Every install step lives here so a fresh clone (and CI) needs nothing but python3.

PYTHON ?= python3
AIRFLOW_VERSION ?= 3.3.2
# The oldest Airflow 3.x the provider supports (declared in pyproject.toml); `make test-oldest` uses it.
# Older ones fail in Airflow itself: up to 3.1.3 any sensor in reschedule mode fails on its second poke (the
# Task SDK hands back the first reschedule date as a string), and 3.0.x/3.1.0 break with today's releases of
# their dependencies (cadwyn, fastapi, structlog) unless pinned by hand.
AIRFLOW_OLDEST ?= 3.1.5
# 3.1.5 sets an attribute on cryptography's MultiFernet, which today's cryptography (51.0.1) no longer allows
# ("'MultiFernet' object has no attribute 'is_encrypted'"): every encrypted connection or trigger kwarg fails
# (45.0.7 works). Airflow's own constraints for 3.1.5 pin an older release; so do we, for that venv only.
OLDEST_PINS ?= cryptography<46
# Extra requirements for one venv's install (test-oldest passes OLDEST_PINS).
PINS ?=

VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
# uv does not write bytecode unless told, and this machine sets PYTHONDONTWRITEBYTECODE: without it every
# `import airflow` costs over a second more.
export UV_COMPILE_BYTECODE := 1
export PYTHONDONTWRITEBYTECODE :=

PYTEST_ARGS ?=
# Two pytest-xdist workers: one runs the end-to-end tests (tests/conftest.py keeps them together, so each shared
# deployment starts once) while the other runs the rest. `make test XDIST=` runs everything in one process.
XDIST ?= -n 2
LINTED := airflow_provider_realtimekit tests example_dags benchmarks scripts

.PHONY: help install lint test test-oldest test-live demo benchmarks reliability clean

help:
	@echo "make demo         run the example post-stream DAG in a real Airflow against the local emulator"
	@echo "make test         lint (ruff, mypy) and run the whole test suite"
	@echo "make test-oldest  run the suite on the oldest supported Airflow ($(AIRFLOW_OLDEST)) in .venv-oldest"
	@echo "make test-live    read-only checks against the real Cloudflare API (needs REALTIMEKIT_* variables)"
	@echo "make benchmarks   run the benchmarks and print their tables"
	@echo "make reliability  run the fault/bad-input/leak suite and print its summary table"
	@echo "make clean        remove virtualenvs, caches and the demo's AIRFLOW_HOME"

$(VENV)/.installed-$(AIRFLOW_VERSION): pyproject.toml Makefile
	@echo "==> setting up $(VENV) with Apache Airflow $(AIRFLOW_VERSION) (first run only)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check uv
	@$(UV) pip install --python $(PY) -q -e ".[test]" "apache-airflow==$(AIRFLOW_VERSION)" $(if $(PINS),"$(PINS)")
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(VENV)/.installed-$(AIRFLOW_VERSION)

lint: install
	@echo "==> ruff"
	@$(VENV)/bin/ruff check $(LINTED)
	@$(VENV)/bin/ruff format --check $(LINTED)
	@echo "==> mypy"
	@$(VENV)/bin/mypy

test: lint
	@echo "==> pytest (Airflow $(AIRFLOW_VERSION))"
	@$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

# The whole suite on the oldest supported Airflow, in its own venv (lint is version-independent and ran in
# `test`). What the tests do differently there lives in tests/airflow_compat.py.
test-oldest:
	@$(MAKE) --no-print-directory install VENV=.venv-oldest AIRFLOW_VERSION=$(AIRFLOW_OLDEST) PINS="$(OLDEST_PINS)"
	@echo "==> pytest (Airflow $(AIRFLOW_OLDEST))"
	@.venv-oldest/bin/python -m pytest $(XDIST) $(PYTEST_ARGS)

# Read-only checks against the real Cloudflare API (docs/live-contract.md); skips in one line without credentials.
test-live: install
	@$(PY) -m scripts.live_contract

demo: install
	@$(PY) scripts/demo.py

benchmarks: install
	@$(PY) benchmarks/emulator_throughput.py
	@$(PY) benchmarks/usage_pull.py
	@$(PY) benchmarks/token_processes.py
	@$(PY) benchmarks/fleet_wait.py
	@$(PY) benchmarks/fanout_cost.py
	@$(PY) benchmarks/import_cost.py

reliability: install
	@$(PY) -m pytest tests/reliability -q -p no:randomly $(PYTEST_ARGS)

clean:
	rm -rf .venv .venv-oldest .airflow .pytest_cache .mypy_cache .ruff_cache
