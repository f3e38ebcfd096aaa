# doorstep — two commands: `make run` and `make test`. Everything else here serves those two.
PY      := .venv/bin/python
PIP     := .venv/bin/pip
VENV_OK := .venv/.installed
NODE_OK := node_modules/.installed
STATIC_OK := doorstep/static/vendor/.built
HOST    ?= 127.0.0.1
PORT    ?= 8000
SCALE   ?= district
WORKERS ?= 3

.PHONY: run test setup demo serve lint bench-lookup bench-window bench-lists bench-workbench bench-accept bench-partition clean

run: setup
	$(PY) -m doorstep.cli demo --scale $(SCALE) --if-missing
	$(PY) -m doorstep.cli collectstatic --noinput -v 0
	$(PY) -m doorstep.cli accounts --print
	HOST=$(HOST) PORT=$(PORT) WORKERS=$(WORKERS) bash scripts/serve.sh

test: setup
	bash scripts/ensure_chromium.sh
	.venv/bin/ruff check doorstep bench scripts
	$(PY) -m doorstep.cli check --fail-level WARNING
	$(PY) -m doorstep.cli makemigrations --check --dry-run
	.venv/bin/pytest $(PYTEST_ARGS)

setup: $(VENV_OK) $(NODE_OK) $(STATIC_OK)
	bash scripts/ensure_pango.sh
	$(PY) scripts/compile_messages.py
	$(PY) -m doorstep.cli migrate --noinput -v 0

$(VENV_OK): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[test]"
	touch $@

$(NODE_OK): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(STATIC_OK): $(NODE_OK) scripts/build_static.py
	$(PY) scripts/build_static.py
	touch $@

lint:
	.venv/bin/ruff check doorstep bench scripts

bench-lookup: setup
	$(PY) bench/lookup.py

bench-window: setup
	$(PY) bench/window_page.py

# the home's figures (cold), the public catalog (first hit and warm) and a bundle acceptance (#11 item 9)
bench-workbench: setup
	$(PY) bench/workbench_pages.py $(BENCH_ARGS)

# the case ledger (HTML and API) at page 1, the last numbered page, deep cursor pages, the last page, with filters
bench-lists: setup
	$(PY) bench/list_pages.py $(BENCH_ARGS)

# doorstep against PySAL spopt on synthetic buildings (spopt runs stopped after 10 min), then the demo district
bench-partition: setup
	$(PIP) install -q -e ".[bench]"
	$(PY) bench/partition/run.py --district --spopt-cache bench/results/partition-spopt.json --out bench/results/partition.md

# PostgreSQL only (DATABASE_URL): the API under wrk next to pgbench running the same writes as raw SQL.
bench-accept: setup
	bash bench/ensure_tools.sh
	$(PY) bench/accept_api.py

clean:
	rm -rf .venv node_modules doorstep/static/vendor var
