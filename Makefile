# Two commands do all set-up on a fresh machine:
#   make run    # create .venv, install everything, process corpus/ into msi_evidence.sqlite, write evidence.csv
#   make test   # create .venv, install everything (plus test tools), run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DB     ?= msi_evidence.sqlite
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test install lint clean corpus-pdfs system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch goes first, pinned, so that its CPU build is used (a plain resolve would fetch CUDA).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install torch==2.13.0
	$(PIP) install -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/msi-evidence run corpus --db $(DB) --export evidence.csv

system-deps:
	bash .ci/system-deps.sh

test: install system-deps
	$(BIN)/ruff check pipeline tests benchmarks
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check pipeline tests benchmarks

corpus-pdfs: install
	$(BIN)/python -m pipeline.sample_corpus ../shared/seeds corpus

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
