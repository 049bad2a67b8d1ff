# The book's commands. `make book` and `make test` create the virtual environment they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard chapters/*.ipynb))
LINTED := src tests tools chapters _ext conftest.py

.PHONY: install book test unit nbval lint book-check execute bootstrap bench reproduce clean
.PHONY: actionlint pdf site release post-release student zh translations $(BENCH_SECTIONS)

install: $(STAMP)

# Re-installs only when the requirements, the pinned tool versions or the package metadata change:
# a second run takes seconds.
$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Static HTML from the committed outputs; warnings are errors. The English book in _build/html,
# the Chinese one (zh/, written first by `make zh`) in _build/html/zh.
JB_ZH := $(VENV)/bin/jupyter-book build zh --path-output _build/zh --warningiserror --nitpick --keep-going
book: install zh
	$(VENV)/bin/jupyter-book build . --warningiserror --nitpick --keep-going --builder html
	$(JB_ZH) --builder html
	rm -rf _build/html/zh && cp -r _build/zh/_build/html _build/html/zh

# The Chinese edition's sources in zh/, from the English chapters and zh/translations/ (committed).
zh: install
	$(PY) tools/translate.py write

# Every English cell or section whose Chinese translation is missing or out of date.
translations: install
	$(PY) tools/translate.py status

lint: install actionlint
	$(PY) -m ruff check $(LINTED)
	$(PY) -m ruff format --check $(LINTED)

# The fast tests spread over every core (pytest-xdist; each worker on one thread:
# tests/conftest.py); JOBS=0 runs them in this one process. The book checks run in one process:
# beside a student notebook's run, a browser page once waited past its 30 s timeout.
JOBS ?= auto
unit: install
	$(PY) -m pytest -q -n $(JOBS) -m "not slow" tests

# Strict: every stored output of every cell must be reproduced, except cells marked NBVAL_IGNORE_OUTPUT.
nbval: install
	$(PY) -m pytest -q --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
		--nbval-cell-timeout 600 $(NOTEBOOKS)

book-check: book pdf
	$(PY) -m pytest -q -m slow --durations=12 tests

test: lint unit nbval book pdf book-check
# Re-run every notebook top to bottom in a fresh kernel and save it in place (then the Chinese
# chapters and the student notebooks, written from them).
execute: install
	$(PY) tools/notebooks.py execute $(NOTEBOOKS)
	$(PY) tools/translate.py write
	$(PY) tools/student.py

# Rewrite every notebook's Colab cell from the repository URL and branch in _config.yml, and the
# book's addresses in README.md and intro.md.
bootstrap: install
	$(PY) tools/notebooks.py bootstrap $(NOTEBOOKS)
	$(PY) tools/links.py
	$(PY) tools/translate.py write
	$(PY) tools/student.py

# The student notebooks that the Colab buttons open (committed): each chapter with an answer
# cell and the self-checks for each exercise, without answers or claim checks; chapters/ ->
# student/ and zh/chapters/ -> zh/student/.
student: install zh
	$(PY) tools/student.py

# `make bench` runs every section; `make bench recipes gpu` only those (data conv pool lenet
# recipes gpu: see python -m cnnbook.bench --help).
BENCH_SECTIONS := data conv pool lenet recipes gpu
bench: install
	$(PY) -m cnnbook.bench $(filter $(BENCH_SECTIONS),$(MAKECMDGOALS))

$(BENCH_SECTIONS):
	@:

# The full (GPU) recipes of LeNet, AlexNet and VGG; writes results/<model>-full.json.
reproduce: install
	$(PY) -m cnnbook.reproduce --budget full

# The GitHub workflows (.github/workflows/*.yml), checked by actionlint.
actionlint: install
	$(VENV)/bin/actionlint .github/workflows/*.yml

# The whole book as one PDF, _build/pdf/cnnbook.pdf (and the Chinese one, cnnbook-zh.pdf, with
# the CJK fonts of Debian's fonts-noto-cjk): the single-page HTML build, printed by headless
# Chromium (Debian's chromium, or the one named by CNNBOOK_CHROMIUM).
pdf: install zh
	$(VENV)/bin/jupyter-book build . --warningiserror --nitpick --keep-going --builder singlehtml
	$(PY) tools/pdf.py
	$(JB_ZH) --builder singlehtml
	$(PY) tools/pdf.py _build/zh/_build/singlehtml/intro.html -o _build/pdf/cnnbook-zh.pdf

# The site as GitHub Pages serves it: the HTML book with the PDF beside it.
site: book pdf
	cp _build/pdf/cnnbook.pdf _build/pdf/cnnbook-zh.pdf _build/html/

# `make release VERSION=0.2.0`: version, Colab ref and tag in one commit; `make post-release` then
# points the notebooks back at the branch. Nothing is pushed (README: Releases).
release: install
	$(PY) tools/release.py "$(VERSION)"

post-release: install
	$(PY) tools/release.py --back

clean:
	rm -rf _build .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
