# Two commands from a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# CPU build of torch, installed before anything that depends on torch (a bare
# `torch` would pull a multi-GB CUDA build).
TORCH_PIN := torch==2.13.0

.PHONY: install demo test lint clean dashboard dev lock

install: $(STAMP)

# constraints.txt pins every distribution to the version the tests last passed with (`make lock`
# rewrites it), so a fresh clone installs what CI tested.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt $(TORCH_PIN)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/python -m pip check
	touch $(STAMP)

# Refresh the lock from the installed environment (after changing dependencies: install without the lock
# first, `make lock`, then `make test`).
lock:
	test -x $(BIN)/python || (echo "run make install first" >&2; exit 2)
	(echo "# pip constraints: the versions the tests passed with. Rewritten by \`make lock\`; do not edit."; \
	 $(BIN)/python -m pip freeze --exclude-editable) > constraints.txt

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
