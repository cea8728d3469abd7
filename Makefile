# The two commands a fresh machine needs are `make serve` and `make test`;
# each creates .venv and installs what it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve build test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	# A by-product of the editable build (the metadata the venv uses is in its
	# site-packages); it copies README.md into src/, so it goes.
	rm -rf src/spacekg.egg-info
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

# The benchmark's load generator (tests/test_bench.py runs it too), from Debian's packages.
WRK := /usr/bin/wrk

$(WRK):
	$(SUDO) apt-get update -q
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q wrk

# Virtuoso, the external store the tests and the benchmark run spacekg against
# (bench/engines.py starts its own instances on free loopback ports). Where
# services can start, Debian's postinst starts a system instance on ports 1111
# and 8890 with the default passwords: stop it (by its pidfile only) and keep
# it from starting at boot.
VIRTUOSO := /usr/bin/virtuoso-t

$(VIRTUOSO):
	$(SUDO) apt-get update -q
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q virtuoso-opensource
	-$(SUDO) service virtuoso-opensource-7 stop
	-$(SUDO) update-rc.d virtuoso-opensource-7 disable

unit: $(STAMP) $(CHROMIUM) $(CJK_FONT) $(WRK) $(VIRTUOSO)
	$(BIN)/pytest

bench: $(STAMP) $(WRK) $(VIRTUOSO)  ## spacekg against Oxigraph and Virtuoso (bench/README.md); ARGS="--sizes 100,1000"
	$(BIN)/python -m bench $(ARGS)

test: lint typecheck unit  ## everything CI runs

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
