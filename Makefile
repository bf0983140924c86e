# The two set-up commands: `make run` (service with a demo day of action) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/posko serve --demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The test run fuzzes with a fixed seed, so that CI is repeatable; `make fuzz` draws a new one
# each time to explore (a failure it finds is a bug: fix it, then keep the seed here passing).
test: lint
	$(BIN)/pytest -q
	BIN=$(BIN) tests/schemathesis.sh --seed 20261206

fuzz: $(STAMP)
	BIN=$(BIN) tests/schemathesis.sh

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
