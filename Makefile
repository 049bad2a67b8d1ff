# The book's commands. `make book` and `make test` create the virtual environment they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard chapters/*.ipynb))
LINTED := src tests tools chapters

.PHONY: install book test unit nbval lint book-check execute bootstrap bench reproduce clean

install: $(STAMP)

# Re-installs only when the requirements or the package metadata change: a second run takes seconds.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Static HTML from the committed outputs; warnings are errors.
book: install
	$(VENV)/bin/jupyter-book build . --warningiserror --nitpick --keep-going --builder html

lint: install
	$(PY) -m ruff check $(LINTED)
	$(PY) -m ruff format --check $(LINTED)

unit: install
	$(PY) -m pytest -q -m "not slow" tests

# Strict: every stored output of every cell must be reproduced, except cells marked NBVAL_IGNORE_OUTPUT.
nbval: install
	$(PY) -m pytest -q --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
		--nbval-cell-timeout 600 $(NOTEBOOKS)

book-check: install
	$(PY) -m pytest -q -m slow tests

test: lint unit nbval book book-check

# Re-run every notebook top to bottom in a fresh kernel and save it in place.
execute: install
	$(PY) tools/notebooks.py execute $(NOTEBOOKS)

# Rewrite every notebook's Colab cell from the repository URL and branch in _config.yml.
bootstrap: install
	$(PY) tools/notebooks.py bootstrap $(NOTEBOOKS)

bench: install
	$(PY) -m cnnbook.bench

# The full (GPU) recipes of LeNet, AlexNet and VGG; writes results/<model>-full.json.
reproduce: install
	$(PY) -m cnnbook.reproduce --budget full

clean:
	rm -rf _build .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
