# Two commands on a fresh machine: `make run` and `make test`. Both build .venv when missing.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install clean bench bench-quick

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m assets.run

# Two processes, one test file each at a time (module fixtures are built once per file): the
# kill-and-rerun tests run beside the rest instead of after it. Files go out in collection order,
# which tests/conftest.py starts with the slowest (xdist would otherwise send the files with the
# most tests first, and the run ended on the slowest file alone).
PYTEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

# The figures of issue 11: parse rate and floor, formats, `ogi run` end to end at 10,000 reports
# (add sizes: make bench BENCH_ARGS="--sizes 10000,100000"), no-op and 1%-new runs, accuracy.
bench: $(STAMP)
	$(BIN)/python scripts/benchmark.py $(BENCH_ARGS)

# A smoke test of the same (200 reports, few rounds): a couple of minutes.
bench-quick: $(STAMP)
	$(BIN)/python scripts/benchmark.py --quick

clean:
	rm -rf $(VENV) data/out data/warehouse.duckdb data/lake
