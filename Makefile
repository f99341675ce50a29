# Set-up and checks. `make preview` and `make test` each create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: preview test lint bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("digest needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

preview: $(STAMP)
	$(BIN)/digest preview

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -W error

bench: $(STAMP)
	$(BIN)/python bench/cluster.py
	$(BIN)/python bench/cluster_scale.py
	$(BIN)/python bench/summarize.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/send.py

clean:
	rm -rf $(VENV) out .mypy_cache .pytest_cache .ruff_cache
