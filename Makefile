# The README's two commands: `make run` and `make test`. Each does its own set-up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUN_STAMP := $(VENV)/.assay-run
DEV_STAMP := $(VENV)/.assay-dev
PYTEST_ARGS ?=

.PHONY: run test lint typecheck pytest system-deps test-data docs bench clean constraints

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "assay needs Python >= 3.11; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	@touch $@

$(DEV_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@ $(RUN_STAMP)

## run: set up .venv and run assay's main job on this repository
run: $(RUN_STAMP)
	@$(BIN)/assay overview
	@$(BIN)/assay -q security scan -f table || echo "security: the scan reported findings at or above its fail-on severity (above); make run continues"
	@if [ -f .assay/selftest-coverage/.coverage ]; then $(BIN)/assay -q coverage analyze --data .assay/selftest-coverage/.coverage --top 10 -f table; \
	else echo "coverage: no measurement of the whole suite yet (make test records one); ranking gaps from the fast subset tests/unit/coverage, kept out of the main store"; \
	$(BIN)/assay -q --store .assay/make-run-subset.db coverage run --data .assay/coverage-make-run --top 10 -f table -- -q -p no:cacheprovider tests/unit/coverage || echo "coverage: could not measure assay's gaps (see above); make run continues"; fi
	@$(BIN)/assay -q perf compare --base HEAD~1 --rounds 2 --max-time 0.01 --no-plugin-autoload -f table || echo "perf: could not compare assay's own benchmarks with HEAD~1 (a clone without a parent commit?); make run continues"
	@$(BIN)/assay score -f table

## test: set up .venv with [dev], install the real binaries (as root) and test data the tests use, lint, type-check, test
test: $(DEV_STAMP) system-deps test-data lint typecheck pytest

system-deps:
	@bash scripts/install-system-deps.sh

# The real public repositories the maturity ranking test scores (from deb.debian.org, sha256-pinned).
test-data: $(DEV_STAMP)
	@$(BIN)/python scripts/fetch-real-repositories.py --quiet || echo "NOTE: the real repositories could not be fetched; their ranking test will be skipped (CI fails it)" >&2

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check src

typecheck: $(DEV_STAMP)
	$(BIN)/mypy src

# The suite runs under coverage (subprocesses included); a green run records assay's own coverage in
# the store, so `assay score` and `assay gate` in .ci/run read a measured number.
SELFTEST_COV := $(CURDIR)/.assay/selftest-coverage
pytest: $(DEV_STAMP)
	@rm -rf $(SELFTEST_COV) && mkdir -p $(SELFTEST_COV)
	@export ASSAY_SELFTEST_COVERAGE_DIR=$(SELFTEST_COV); \
	$(BIN)/python -m coverage run --rcfile=tests/selftest-coverage.ini -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; \
	if [ $$rc -ne 0 ]; then exit $$rc; fi; \
	$(BIN)/python -m coverage combine --rcfile=tests/selftest-coverage.ini -q && \
	$(BIN)/assay -q coverage analyze --data $(SELFTEST_COV)/.coverage --format json --output $(SELFTEST_COV)/analysis.json && \
	echo "assay's own coverage (whole suite, subprocesses included): $$($(BIN)/python -m coverage report --rcfile=tests/selftest-coverage.ini --format=total)%"

## docs: regenerate the generated documentation (docs/metrics.md)
docs: $(RUN_STAMP)
	$(BIN)/assay metrics docs > docs/metrics.md

## constraints: re-pin constraints.txt to what the dev venv has now
constraints: $(DEV_STAMP)
	@{ head -2 constraints.txt; $(BIN)/pip freeze --exclude-editable | grep -v '^assay'; } > constraints.txt.new && mv constraints.txt.new constraints.txt

## bench: run assay's own pytest-benchmark suites
bench: $(DEV_STAMP)
	$(BIN)/python -m pytest benchmarks --benchmark-only -p no:cacheprovider

clean:
	rm -rf $(VENV) .assay .pytest_cache .mypy_cache .ruff_cache
