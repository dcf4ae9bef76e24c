# Quickstart: `make run` starts the app, `make test` runs every test. Both need only Python 3.11+ and
# pip: the first call creates .venv and installs gdviz with its test extras into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall only when pyproject.toml changes; the stamp lives in .venv so deleting .venv resets it.
STAMP := $(VENV)/.make-stamp
PYTEST_ARGS ?=

.PHONY: run test lint format bench venv clean

run: $(STAMP)
	$(BIN)/python -m streamlit run app.py

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	@set -e; found=0; for f in benchmarks/bench_*.py; do \
		[ -e "$$f" ] || continue; found=1; \
		echo "== $$f"; $(BIN)/python "$$f"; \
	done; [ $$found = 1 ] || { echo "no benchmarks/bench_*.py found" >&2; exit 1; }

venv: $(STAMP)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "gdviz needs Python 3.11+, $(PYTHON) is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/artifacts *.egg-info
