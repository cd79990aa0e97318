# VoltVault: `make run` starts the app on http://localhost:8501 with a demo project (embedded SQLite);
# `make test` runs the whole test suite. Both set everything up on a fresh Debian machine with Python 3.11.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501
export VOLTVAULT_HOME ?= $(CURDIR)/var

.PHONY: run test setup test-setup system-packages test-system-packages demo lint bench clean

# Debian packages: packages.txt is what the app needs (Community Cloud installs it too); the test suite adds
# packages-test.txt (chromium for the real-browser tests, poppler's pdftoppm to look at reports)
PACKAGE_LISTS ?= packages.txt

system-packages:  ## Debian packages the app needs (mdbtools for Arbin .res, pango for PDF reports)
	@missing=""; for p in $$(cat $(PACKAGE_LISTS) | grep -v '^#') python3-venv; do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ] && command -v apt-get >/dev/null; then \
	  if $(PYTHON) -c 'import venv, ensurepip' 2>/dev/null; then missing=$$(echo $$missing | sed 's/python3-venv//'); fi; \
	  if [ -n "$$(echo $$missing)" ]; then \
	    echo "installing Debian packages:$$missing"; \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	  fi; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

setup: system-packages $(BIN)/python  ## the app's environment
	$(BIN)/pip install -q -e .
	$(BIN)/voltvault db upgrade
	$(BIN)/voltvault demo seed

test-system-packages:
	@$(MAKE) --no-print-directory system-packages PACKAGE_LISTS="packages.txt packages-test.txt"

test-setup: test-system-packages $(BIN)/python
	$(BIN)/pip install -q -e ".[test]"

run: setup  ## start the app with the demo project on http://localhost:$(PORT)
	$(BIN)/voltvault serve --port $(PORT)

demo: setup  ## public read-only demo without login
	$(BIN)/voltvault serve --port $(PORT) --demo

test: test-setup  ## the whole suite (PostgreSQL too when VOLTVAULT_TEST_DATABASE_URL is set)
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

bench: test-setup  ## speed and accuracy benchmarks (results in docs/benchmarks.md)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

lint:
	$(BIN)/pip install -q ruff && $(BIN)/ruff check .

clean:
	rm -rf $(VENV) var .pytest_cache
