# The two commands of the quick start: `make demo` and `make test`.
# Each creates .venv when it is missing and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint bench dot clean

$(BIN)/python:
	./scripts/ensure_venv.sh "$(PYTHON)" "$(VENV)"
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[plot]"
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,plot,data]"
	touch $@

dot:
	@./scripts/ensure_dot.sh

demo: $(VENV)/.demo-installed dot
	$(BIN)/python examples/house_prices.py

test: $(VENV)/.test-installed dot
	$(BIN)/python -m pytest -q

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .

bench: $(VENV)/.test-installed
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	@for f in benchmarks/*.py; do echo "== $$f"; $(BIN)/python "$$f" || exit 1; done

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
