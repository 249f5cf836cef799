# blocbot: `make demo` and `make test` each set up .venv on first use (Python 3.11+ only needed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo console test lint typecheck bench i18n clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "blocbot needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/blocbot demo

console: $(STAMP)
	$(BIN)/blocbot console --demo

test: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot handlers storage
	$(BIN)/lint-imports --no-cache

bench: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m tests.bench

i18n: $(STAMP)
	$(BIN)/python -m bot.core.catalogs update

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache
