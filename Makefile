# Two commands do all set-up on a fresh machine:
#   make run    # create .venv, install everything, process corpus/ into msi_evidence.sqlite, write evidence.csv
#   make test   # create .venv, install everything (plus test tools), run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DB     ?= msi_evidence.sqlite
PORT   ?= 8765
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run review train test install lint clean corpus-pdfs system-deps

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

# The browser review workspace on the store `make run` made (http://127.0.0.1:8765).
review: install
	@test -f $(DB) || { echo "no store $(DB): run 'make run' first"; exit 1; }
	$(BIN)/msi-evidence review --db $(DB) --port $(PORT)

# Refit the learned evidence model from the labelled development corpus (../shared/corpus-dev).
train: install
	$(BIN)/msi-evidence train --corpus ../shared/corpus-dev --out models/evidence-model

system-deps:
	bash .ci/system-deps.sh

# The suite runs on every core (pytest-xdist; a file's tests stay on one worker so that its
# fixtures are built once) and ends with the slowest tests.
test: install system-deps
	$(BIN)/ruff check pipeline tests benchmarks research
	$(BIN)/python -m pytest -q -n auto --dist loadfile --durations=15

lint: install
	$(BIN)/ruff check pipeline tests benchmarks research

corpus-pdfs: install
	$(BIN)/python -m tests.support.sample_corpus ../shared/seeds corpus

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
