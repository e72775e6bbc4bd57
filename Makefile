# The README's two commands: `make run` (the sample scenario) and `make test` (the whole suite);
# `make serve` starts the web workbench. All create .venv and install what they need (Python 3.11+ and make).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out/fuxin-2021

.PHONY: run test lint bench clean serve

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/selector select scenarios/fuxin-2021/scenario.toml --out $(OUT) --force

serve: $(STAMP)
	$(BIN)/selector serve

test: $(STAMP)
	$(BIN)/ruff check selector tests
	@test -x /usr/bin/chromium || echo "NOTE: no /usr/bin/chromium: the browser tests (tests/test_web_browser.py) are skipped"
	$(BIN)/python -m pytest -rs

bench: $(STAMP)
	$(BIN)/python -c "import sortition_algorithms" 2>/dev/null || $(BIN)/python -m pip install --quiet -e ".[test,bench]" || echo "the bench extra did not install: no peer column"
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .hypothesis
