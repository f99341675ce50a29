# Set-up and checks. `make preview` and `make test` each create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: preview test lint bench catalogs clean

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

# The email's words for translators: digest/locale/digest.pot from the templates (babel.cfg), then each
# catalog updated to it (new messages empty, for a translator; tests/test_locale.py fails until they are filled).
catalogs: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -c Translators: --no-location --sort-output --project digest \
		--version 0.1.0 --copyright-holder digest -o digest/locale/digest.pot .
	$(BIN)/pybabel update -i digest/locale/digest.pot -d digest/locale -D digest --no-fuzzy-matching --ignore-obsolete \
		--width 116 --ignore-pot-creation-date

clean:
	rm -rf $(VENV) out .mypy_cache .pytest_cache .ruff_cache
