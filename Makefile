# Quick start (fresh Debian/Ubuntu machine):
#   make demo   # sets everything up, then runs the main job on the bundled sample and serves the API
#   make test   # sets everything up, then runs the whole test suite
# Both are idempotent: what is already installed is left alone.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP  := $(VENV)/.installed

.PHONY: demo test db venv lint format lock bench clean

demo: venv db
	$(BIN)/logistics demo

test: venv db
	$(BIN)/python -m pytest

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/uv pip install --quiet --require-hashes -r requirements.lock
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/uv pip install --quiet --no-deps -e .
	@touch $@

db:
	scripts/ensure-postgis

lint: venv
	$(BIN)/ruff check logistics tests benchmarks
	$(BIN)/ruff format --check logistics tests benchmarks
	$(BIN)/mypy

format: venv
	$(BIN)/ruff format logistics tests benchmarks
	$(BIN)/ruff check --fix logistics tests benchmarks

lock: venv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes \
		--quiet --custom-compile-command "make lock" -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
