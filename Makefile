# The two commands a fresh machine needs are `make serve` and `make test`;
# each creates .venv and installs what it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve build test lint typecheck unit clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)  ## build the graph from data/ (when needed) and serve it
	$(BIN)/python server.py

build: $(STAMP)  ## rebuild the graph from data/
	$(BIN)/spacekg build

lint: $(STAMP)
	$(BIN)/ruff check src tests bench server.py
	$(BIN)/ruff format --check src tests bench server.py

typecheck: $(STAMP)
	$(BIN)/mypy

# The browser tests drive Debian's chromium through Playwright (never `playwright install`).
CHROMIUM := /usr/bin/chromium

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# Fonts for the scripts the articles use (Japanese, Chinese, Hindi), so that
# screenshots show text as a reader sees it, not as empty boxes.
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

$(CHROMIUM) $(CJK_FONT):
	$(SUDO) apt-get update -q
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium fonts-noto-cjk fonts-noto-core

unit: $(STAMP) $(CHROMIUM) $(CJK_FONT)
	$(BIN)/pytest

test: lint typecheck unit  ## everything CI runs

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
