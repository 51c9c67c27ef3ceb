# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint typecheck schema

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[embedded]'
	touch $@

$(VENV)/.dev-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.run-deps

## run: install and start imchat on http://127.0.0.1:8000 with embedded defaults
run: $(VENV)/.run-deps
	$(BIN)/imchat serve

## test: install dev tools, then lint, type-check and run every test
test: lint typecheck
	$(BIN)/pytest

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(VENV)/.dev-deps
	$(BIN)/mypy

## schema: regenerate schema.graphql after changing the API
schema: $(VENV)/.dev-deps
	$(BIN)/imchat export-schema > schema.graphql
