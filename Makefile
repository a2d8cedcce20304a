# mppwatch: `make run` and `make test` are all the set-up a fresh machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= mppwatch.duckdb
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run load serve test lint typecheck pytest stress bench bench-quick clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

load: install
	$(BIN)/mppwatch --db $(DB) load
	@for f in data/publisher_files/*.xlsx; do $(BIN)/mppwatch --db $(DB) load-workbook --format csv "$$f" >/dev/null; done

run: load
	$(BIN)/mppwatch --db $(DB) serve --host $(HOST) --port $(PORT)

LINTED := $(wildcard src tests bench scripts)

lint: install
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

# The heavy variants: 50 kills per load kind, and a 10-minute soak of the server (memory must stay flat).
stress: install
	MPPWATCH_STRESS=1 $(BIN)/python -m pytest -q tests/reliability
	$(BIN)/python bench/load_test.py --soak 600

# The full benchmarks write multi-GB synthetic court releases to a temp folder (removed after) and take about
# 15 minutes; bench-quick runs every script at a smoke-test size in under 2 minutes.
bench: install
	@echo "make bench: about 15 minutes; bench/court.py writes ~2 GB of SYNTHETIC court files to a temp folder (removed after)"
	@set -e; for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f; done

# Smoke-test sizes per script (the figures are not the targets). A new bench/*.py must be added here: the loop
# fails on a script it has no size for.
QUICK_ARGS_api_concurrency := --seconds 3 --cases 2000 --reads 20
QUICK_ARGS_claims := --rounds 1
QUICK_ARGS_court := --rows 50000
QUICK_ARGS_load_test := --quick
QUICK_ARGS_pages := --repeat 1
QUICK_ARGS_publishers_workbook := --repeat 1
QUICK_ARGS_query := --repeat 3
QUICK_ARGS_shelters := --writes 5 --readers 2
QUICK_ARGS_simulate := --quick
QUICK_ARGS_startup := --repeat 2

bench-quick: install
	@set -e; start=$$(date +%s); for f in bench/*.py; do \
	  name=$$(basename $$f .py); \
	  case " $(foreach v,$(filter QUICK_ARGS_%,$(.VARIABLES)),$(v:QUICK_ARGS_%=%)) " in *" $$name "*) ;; \
	    *) echo "bench-quick: no smoke-test size for $$f (add QUICK_ARGS_$$name to the Makefile)"; exit 1;; esac; \
	done; \
	$(foreach v,$(sort $(filter QUICK_ARGS_%,$(.VARIABLES))),t=$$(date +%s); echo "== bench/$(v:QUICK_ARGS_%=%).py $($(v))"; \
	  $(BIN)/python bench/$(v:QUICK_ARGS_%=%).py $($(v)); echo "   ($$(( $$(date +%s) - t )) s)";) \
	echo "bench-quick: $$(( $$(date +%s) - start )) s in all (load average $$(cut -d' ' -f1 /proc/loadavg))"

clean:
	rm -rf $(VENV) *.egg-info .mypy_cache .ruff_cache .pytest_cache
