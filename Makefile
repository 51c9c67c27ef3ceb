# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint typecheck schema web web-test

# The web client (web-embed/, Vue + Vite) builds into the package so the wheel ships it.
WEB := web-embed
WEB_DIST := src/imchat/web/dist/index.html
WEB_SOURCES := $(shell find $(WEB)/src $(WEB)/index.html $(WEB)/embed.html $(WEB)/graphiql.html \
	$(WEB)/package.json $(WEB)/vite.config.ts $(WEB)/vite.lib.config.ts $(WEB)/tsconfig.json \
	$(WEB)/tsconfig.lib.json $(WEB)/tsconfig.node.json -type f 2>/dev/null)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[embedded]'
	touch $@

$(VENV)/.dev-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.run-deps

# npm ci installs exactly the lockfile; the stamp makes it rerun only when the lockfile changes.
$(WEB)/node_modules/.ci-stamp: $(WEB)/package-lock.json $(WEB)/package.json
	@command -v npm >/dev/null 2>&1 || { echo "make: the web client needs Node.js >= 20.19 and npm" >&2; exit 1; }
	cd $(WEB) && npm ci --no-audit --no-fund
	touch $@

$(WEB_DIST): $(WEB)/node_modules/.ci-stamp $(WEB_SOURCES)
	cd $(WEB) && npm run build

## web: build the browser client (only when its sources changed)
web: $(WEB_DIST)

## web-test: the client's unit tests (Vitest)
web-test: $(WEB)/node_modules/.ci-stamp
	cd $(WEB) && npm test

## run: install and start imchat on http://127.0.0.1:8000 with embedded defaults
run: $(VENV)/.run-deps $(WEB_DIST)
	$(BIN)/imchat serve

## test: install dev tools, then lint, type-check and run every test (browser suite included)
test: lint typecheck web-test $(WEB_DIST)
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
