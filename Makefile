# Two commands set everything up on a fresh machine with Python 3.11+ and make:
#   make run    install, migrate, import the seeds, collect static, serve on 127.0.0.1:$(PORT)
#   make test   install and run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

# axe-core (npm) for the accessibility checks in the browser tests, outside the Python install;
# tests/test_reader_browser.py looks for it here unless AXE_CORE_JS names another copy.
AXE_VERSION := 4.11.0
AXE_JS := .ci/node/node_modules/axe-core/axe.min.js

.PHONY: run test install axe migrate seed static demo-editor bench check-deploy clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the lock file changes, so a second `make run` is quick.
$(STAMP): requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	touch $(STAMP)

install: $(STAMP)

$(AXE_JS):
	npm install --prefix .ci/node --no-save --no-package-lock --no-audit --no-fund axe-core@$(AXE_VERSION)

axe: $(AXE_JS)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py import_seeds

static: install
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

demo-editor: migrate
	$(BIN)/python manage.py create_demo_editor

run: seed static demo-editor
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install axe
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-wal db.sqlite3-shm .ci/node
