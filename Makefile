# vcplan: `make demo` and `make test` do all the set-up on a fresh Debian machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VCSIM := build/vcsim-vcplan
GOENV := GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS=-mod=mod GOCACHE=$(CURDIR)/build/gocache
DEMO_DIR := demo

.PHONY: install vcsim chromium test lint unit demo demo-stop bench bench-inventory bench-apply bench-plan bench-startup bench-drift docs golden clean

install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# Debian ships the govmomi simulator as Go source; we build our own small main on it, offline.
/usr/share/gocode/src/github.com/vmware/govmomi/simulator:
	command -v go >/dev/null && test -d $@ || \
	  { apt-get install -y -q golang-go golang-github-vmware-govmomi-dev >/dev/null || \
	    { apt-get update -q >/dev/null && apt-get install -y -q golang-go golang-github-vmware-govmomi-dev >/dev/null; }; }

vcsim: $(VCSIM)
$(VCSIM): tests/vcsim/main.go | /usr/share/gocode/src/github.com/vmware/govmomi/simulator
	mkdir -p build
	cd tests/vcsim && GOPATH=/usr/share/gocode GO111MODULE=off GOCACHE=$(CURDIR)/build/gocache \
	  go build -o $(CURDIR)/$(VCSIM) .

# Headless Chromium opens the HTML drift report in tests/unit/test_drift_browser.py; where it
# cannot be installed (no root, no network) that test is skipped and says why.
chromium:
	@command -v chromium >/dev/null || \
	  apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } || \
	  echo "chromium could not be installed: the browser test will be skipped"

lint: install
	$(BIN)/ruff check planner providers tests bench
	$(BIN)/ruff format --check planner providers tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: install
	$(BIN)/pytest -q -m "not simulator"

test: install vcsim chromium lint
	$(BIN)/pytest -q -n 2

# Starts a simulator in the background (https with a CA made here), then shows vcplan at work:
# the quickstart, then examples/cloud-init (customized, tagged clones with cloud-init data).
demo: install vcsim
	$(BIN)/python -m tests.vcsim.harness start --dir $(DEMO_DIR)
	@source $(DEMO_DIR)/env.sh && set -x && \
	  $(BIN)/vcplan inventory && \
	  $(BIN)/vcplan validate examples/quickstart && \
	  $(BIN)/vcplan plan examples/quickstart && \
	  $(BIN)/vcplan apply examples/quickstart --auto-approve && \
	  $(BIN)/vcplan plan examples/quickstart --detailed-exitcode && \
	  $(BIN)/vcplan validate examples/cloud-init && \
	  $(BIN)/vcplan plan examples/cloud-init && \
	  $(BIN)/vcplan apply examples/cloud-init --auto-approve && \
	  $(BIN)/vcplan plan examples/cloud-init --detailed-exitcode && \
	  $(BIN)/vcplan inventory --format json | $(BIN)/python -c 'import json, sys; \
	    [print(v["name"], v["tags"]) for v in json.load(sys.stdin) if v["folder"] == "cloud-init"]'
	@echo
	@echo "The simulator keeps running. Use it:  source $(DEMO_DIR)/env.sh && .venv/bin/vcplan inventory"
	@echo "Stop it:                               make demo-stop"

demo-stop:
	-$(BIN)/python -m tests.vcsim.harness stop --dir $(DEMO_DIR)

# The whole vcplan processes against the raw wire fetch, 1,000 / 5,000 / 10,000 VMs (docs/performance.md).
bench: install vcsim
	$(BIN)/python bench/e2e.py

bench-inventory: install vcsim
	$(BIN)/python bench/inventory.py

bench-apply: install vcsim
	$(BIN)/python bench/apply.py

bench-drift: install vcsim
	$(BIN)/python bench/drift_events.py

bench-plan: install vcsim
	$(BIN)/python bench/plan.py

bench-startup: install
	$(BIN)/python bench/startup.py

# docs/cli.md is generated from the commands' own help; a unit test checks it is current.
docs: install
	$(BIN)/python -m planner.cli.docs > docs/cli.md

# Rewrites the expected outputs (tests/*/golden/) from the current code: review them in the diff.
golden: install vcsim
	VCPLAN_UPDATE_GOLDEN=1 $(BIN)/pytest -q -p no:cacheprovider \
	  tests/unit/test_apply_story.py tests/simulator/test_apply_story.py

clean: demo-stop
	rm -rf build $(VENV) $(DEMO_DIR)
