# The README's two commands: `make run` (the sample scenario) and `make test` (the whole suite).
# Both create .venv and install what they need on a machine with only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out/fuxin-2021

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/selector select scenarios/fuxin-2021/scenario.toml --out $(OUT) --force

test: $(STAMP)
	$(BIN)/ruff check selector tests
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -c "import sortition_algorithms" 2>/dev/null || $(BIN)/python -m pip install --quiet -e ".[test,bench]" || echo "the bench extra did not install: no peer column"
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .hypothesis
