# Every target creates .venv and installs the project on first use.
PYTHON ?= $(shell command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test browser bench notebooks lint clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null || { echo "error: Python 3.12 or newer is required (found '$(PYTHON)'; with pyenv, .python-version selects 3.12)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/escalation run --out results/baseline

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# headless Chromium and its driver from Debian's packages, for the dashboard's browser test
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  (apt-get update && apt-get install -y chromium chromium-driver)

bench: $(STAMP)
	$(BIN)/python bench/run_bench.py

notebooks: $(STAMP)
	$(BIN)/python notebooks/execute.py

lint: $(STAMP)
	$(BIN)/ruff check sim tests bench examples
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) results
