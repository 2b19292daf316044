# esskg — every task a newcomer or CI needs, each installing what it uses.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help

.PHONY: help install install-test assets engines clients referential build serve test lint format clean

help: ## List the targets with what they do
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

# The browser side: kept npm packages, pinned with integrity hashes in web/package-lock.json,
# bundled into the package's static files (never committed; see web/README.md).
WEB := web
ASSETS := service/api/web/static/build
$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

$(ASSETS)/.built: $(WEB)/node_modules/.installed $(wildcard $(WEB)/src/*.js) $(WEB)/build.sh $(WEB)/regions.mjs
	bash $(WEB)/build.sh $(ASSETS)
	@touch $@

assets: $(ASSETS)/.built ## Build the browser assets (editor, charts, API docs) with npm ci

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed $(ASSETS)/.built ## Create .venv/ and install the project into it

install-test: $(VENV)/.installed-test $(ASSETS)/.built ## Install the project with its test tools

# The official referentials pinned in referentials.json, fetched once with npm and verified
# against the pinned integrity; the build reads the cached tarballs and never the network.
# A cached tarball that matches its pin is kept: the check costs milliseconds.
referential: install ## Fetch and verify the pinned referentials (npm pack, once)
	@$(BIN)/python -m service.graph.referential . var/referentials

build: install referential ## Check the sources and build the graph into the embedded store (var/)
	$(BIN)/esskg build

serve: build ## Install, build the graph and serve it on http://$(HOST):$(PORT)
	$(BIN)/esskg serve --host $(HOST) --port $(PORT)

# what:package pairs; "what" is a command, or a file the package installs (Jena has no command)
SYSTEM_TOOLS := virtuoso-t:virtuoso-opensource-7-bin chromium:chromium java:default-jre-headless \
  /usr/share/java/jena-cmds.jar:libapache-jena-java

engines: ## Install Virtuoso, Chromium, Java and Apache Jena (Debian) for the engine, browser and client tests
	@missing=""; for pair in $(SYSTEM_TOOLS); do what="$${pair%%:*}"; \
	  if [ "$${what#/}" != "$$what" ]; then [ -e "$$what" ]; else command -v "$$what" >/dev/null; fi \
	  || missing="$$missing $${pair##*:}"; done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing$$missing"; apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    $$missing </dev/null >/dev/null; \
	else echo "note:$$missing not installed; the tests that need them will be skipped"; fi

# The JavaScript clients of the interoperability tests (Comunica), pinned with integrity hashes
# in their lock file; skipped, with the tests that need them, where there is no npm.
CLIENTS := tests/interop/node
$(CLIENTS)/node_modules/.installed: $(CLIENTS)/package.json $(CLIENTS)/package-lock.json
	@if command -v npm >/dev/null; then cd $(CLIENTS) && npm ci --no-audit --no-fund --ignore-scripts \
	  && touch node_modules/.installed; \
	else echo "note: no npm; the Comunica tests will be skipped"; fi

clients: $(CLIENTS)/node_modules/.installed ## Install the JavaScript SPARQL clients the interop tests drive (npm ci)

test: install-test engines clients referential ## Install with test extras and run the whole test suite
	$(BIN)/python -m pytest

lint: install-test ## Ruff (lint + format check) and mypy on service/ and bench/
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy service bench

format: install-test ## Apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

BENCH_VENV := .venv-bench
SIZES ?= 10000,100000,1000000
BENCH_ARGS ?=

$(BENCH_VENV)/.installed: Makefile
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet oxigraph "rdflib-endpoint[cli]"
	@touch $@

bench: install $(BENCH_VENV)/.installed ## Benchmark esskg vs Oxigraph server, rdflib-endpoint, pyoxigraph (SIZES=10000,100000)
	$(BIN)/python -m bench.run --sizes $(SIZES) $(BENCH_ARGS)

clean: ## Remove the environment and every derived file
	rm -rf $(VENV) $(BENCH_VENV) var build $(ASSETS) $(WEB)/node_modules $(CLIENTS)/node_modules \
	  .pytest_cache .mypy_cache .ruff_cache
