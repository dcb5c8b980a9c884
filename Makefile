# Two commands from a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# CPU build of torch, installed before anything that depends on torch (a bare
# `torch` would pull a multi-GB CUDA build).
TORCH_PIN := torch==2.13.0

.PHONY: install demo test lint clean dashboard dev

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(TORCH_PIN)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: install
	$(BIN)/schemewatch envs --split eval --summary
	$(BIN)/schemewatch run

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# The Streamlit dashboard over $$SCHEMEWATCH_WAREHOUSE (default: data/warehouse), read-only.
dashboard: install
	$(BIN)/streamlit run dashboards/app.py

# Dagster's UI and daemon (schedules, sensors) over orchestration/definitions.py; runs persist in data/dagster.
dev: install
	mkdir -p data/dagster
	DAGSTER_HOME=$(abspath data/dagster) $(BIN)/dagster dev

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) data .pytest_cache .hypothesis
