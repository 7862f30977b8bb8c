# The two commands of the quick start: `make demo` and `make test`.
# Each creates .venv when it is missing and installs what it needs; so does `make docs`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint docs bench dot clean

$(BIN)/python:
	./scripts/ensure_venv.sh "$(PYTHON)" "$(VENV)"
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[plot]"
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,plot,data]"
	touch $@

$(VENV)/.docs-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $@

dot:
	@./scripts/ensure_dot.sh

demo: $(VENV)/.demo-installed dot
	$(BIN)/python examples/house_prices.py

test: $(VENV)/.test-installed dot
	$(BIN)/python -m pytest -q

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .

# the documentation site, from docs/ and the docstrings, into site/; strict: a warning fails
docs: $(VENV)/.docs-installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

bench: $(VENV)/.test-installed
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	@for f in benchmarks/*.py; do echo "== $$f"; $(BIN)/python "$$f" || exit 1; done

clean:
	rm -rf $(VENV) out site .pytest_cache .hypothesis
