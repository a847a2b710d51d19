# The two commands of the README: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test bench lint clean screenshot eval-local

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"' \
		|| { echo "Python 3.11 or newer is needed (set PYTHON=python3.11)"; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
		echo "python venv module missing; installing python3-venv with apt-get"; \
		rm -rf $(VENV); apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null \
		&& $(PYTHON) -m venv $(VENV); }

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/atbot demo

test: install
	$(BIN)/python -m pytest

# Refresh the README's picture of the web chat (the browser test takes it).
screenshot: install
	WEBCHAT_SCREENSHOT=docs/webchat.png $(BIN)/python -m pytest -q tests/webchat/test_browser.py

bench: install
	$(BIN)/python -m bench

# The evaluation against a real local model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M) served by a
# llama-server built from source; not part of `make test`. Needs cmake, a C++ compiler and curl;
# the first run builds for about 8 minutes on 2 cores and downloads about 1.1 GB into build/llama.
eval-local: install
	scripts/local_model.sh evaluate

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
