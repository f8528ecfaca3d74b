# darkfleet task runner: setup, demo, test, lint, bench. CI runs `make test` via .ci/run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint typecheck bench system-deps clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[spark,web,dev]'
	touch $(STAMP)

demo: setup
	$(BIN)/darkfleet demo --out demo-output

system-deps:
	bash scripts/system-deps.sh

lint: setup
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: setup
	$(BIN)/mypy src/darkfleet

test: setup system-deps lint typecheck
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

bench: setup
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) demo-output bench-output test-output .pytest_cache .mypy_cache .ruff_cache
