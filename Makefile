# newssearch developer commands. `make serve` and `make test` are the README's two commands.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INDEX ?= index
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-dev browser index serve test lint types check clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

# Debian's Chromium for the browser tests (Playwright's own browser download cannot work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: run 'sudo apt-get install chromium' (browser tests will be skipped)"; fi; }

index: install
	$(BIN)/newssearch index corpus --index $(INDEX) --quiet

serve: index
	$(BIN)/newssearch serve --index $(INDEX) --host $(HOST) --port $(PORT)

test: install-dev browser
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

types: install-dev
	$(BIN)/mypy

check: lint types test

clean:
	rm -rf $(INDEX) .pytest_cache .mypy_cache .ruff_cache
