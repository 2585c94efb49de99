# The two commands a newcomer needs: `make demo` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck schemas asyncapi dashboards bench lock clean

# constraints.txt pins every package (the dev tools too), so a clean clone installs what main was tested with:
# a new ruff, mypy or library release cannot turn CI red overnight. `make lock` moves the pins forward.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/hub demo

test: $(STAMP)
	$(BIN)/python tools/gen_ijw_xsd.py --check
	$(BIN)/ruff check hub consumers producers tests tools benchmarks
	$(BIN)/ruff format --check hub consumers producers tests tools benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check hub consumers producers tests tools benchmarks
	$(BIN)/ruff format --check hub consumers producers tests tools benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

schemas: $(STAMP)
	$(BIN)/python tools/gen_ijw_xsd.py
	$(BIN)/python tools/gen_event_schemas.py

# The AsyncAPI document FastStream generates from the code (a test checks it is current).
asyncapi: $(STAMP)
	$(BIN)/python tools/gen_asyncapi.py

dashboards: $(STAMP)
	$(BIN)/python tools/gen_dashboards.py
	$(BIN)/python tools/gen_k8s_monitoring.py

bench: $(STAMP)
	$(BIN)/python benchmarks/validation.py
	$(BIN)/python benchmarks/pipeline.py

# The newest releases pyproject.toml admits, installed into a scratch venv and written down as the new pins;
# run `make test` after it and commit constraints.txt with what the upgrade needed.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install -q --upgrade pip
	.lock-venv/bin/python -m pip install -q -e '.[dev]'
	{ sed -n '/^#/p' constraints.txt; .lock-venv/bin/python -m pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt && rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
