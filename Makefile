# Two entry points: `make demo` and `make test`. Both create the environment from the lock file
# (uv.lock) first, so they work on a fresh machine that reaches only the package registries.
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
JAMLIK := $(VENV)/bin/jamlik
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Byte-compile the installed packages as pip does: without it every run compiles pandas, numpy,
# numba... from source again (about 2 s of each `jamlik` command).
export UV_COMPILE_BYTECODE := 1

.PHONY: demo test check lint setup services bench clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet uv==0.13.8

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

# The web app's front-end libraries come from npm (frontend/package-lock.json), never from a CDN.
VENDOR := src/jamlik/web/static/vendor
$(VENDOR)/.copied: frontend/package.json frontend/package-lock.json
	npm ci --prefix frontend --ignore-scripts --no-audit --no-fund
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)
	cp -r frontend/node_modules/leaflet/dist $(VENDOR)/leaflet
	touch $@

setup: $(VENV)/.synced $(VENDOR)/.copied

demo: setup
	@# A demo-output/ written before result folders had a manifest is moved aside, never deleted.
	@if [ -d demo-output ] && [ ! -e demo-output/.jamlik-result.json ]; then \
		mv demo-output demo-output.before-$$(date +%Y%m%d-%H%M%S) && \
		echo "demo-output/ (from an older jamlik) moved aside"; fi
	$(JAMLIK) demo --out demo-output --overwrite

# PostgreSQL + PostGIS, Chromium and Pango from Debian, a PostgreSQL server on loopback.
services:
	.ci/services

test: setup services
	JAMLIK_TEST_PG_URL=$${JAMLIK_TEST_PG_URL:-postgresql+psycopg://jamlik@127.0.0.1:55432/jamlik_test} \
		$(VENV)/bin/python -m pytest -n 2 --dist loadfile

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Peers (pandana, cityseer) live in their own environment so .venv stays as locked.
bench: $(UV)
	UV_PROJECT_ENVIRONMENT=.venv-bench $(UV) sync --frozen --python $(PYTHON) --group bench
	.venv-bench/bin/python benchmarks/access_bench.py
	.venv-bench/bin/python benchmarks/transit_bench.py
	.venv-bench/bin/python benchmarks/indicators_bench.py

clean:
	rm -rf $(VENV) .venv-bench $(TOOLS) demo-output frontend/node_modules $(VENDOR)
