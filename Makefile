# Insertion professionnelle — run `make help` for the list of targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup build demo serve test lint bench clean

help: ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null || true
	touch $(STAMP)

setup: $(STAMP) ## Create .venv and install the project (with dev tools)

build: setup ## Build the warehouse from data/raw/
	$(BIN)/insertion build

demo: build ## Build the warehouse from data/raw/ and serve the dashboard on http://127.0.0.1:8050
	$(BIN)/insertion stats RNCP34179
	$(BIN)/insertion serve

serve: setup ## Serve the dashboard over the current warehouse
	$(BIN)/insertion serve

test: setup ## Run the whole test suite
	@# bytecode of the project, so that the suite's processes (servers, workers, builds) do not compile it
	@# again each (PYTHONDONTWRITEBYTECODE=1 on these machines)
	$(BIN)/python -m compileall -q pipeline dashboard expectations tests scripts > /dev/null
	$(BIN)/python -m pytest -q

lint: setup ## Ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup ## Run the benchmarks and write docs/performance.md (QUICK=1 for a small run)
	$(BIN)/python scripts/bench.py $(if $(QUICK),--quick,)

clean: ## Remove the warehouse (not the raw data, not the key)
	rm -f data/warehouse/*.duckdb data/warehouse/*.wal
