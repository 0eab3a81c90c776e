# 零跑腿 Zero-Legwork — every task a newcomer needs. `make help` lists them.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: help install run test bench-smoke lint format check-bpmn worker relay stack faults load i18n-extract i18n-update clean

help: ## List the tasks
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: $(BIN)/.installed node_modules/.package-lock.json ## Install Python and browser packages

run: install ## Install, create the SQLite database, deploy diagrams, load demo data and serve
	$(BIN)/flask zlw serve --host $(HOST) --port $(PORT)

test: install ## Run the whole test suite (PostgreSQL/Redis/Chromium tests skip when absent unless ZLW_REQUIRE_SERVICES=1)
	$(BIN)/pytest -q

bench-smoke: install ## Run every bench/ script at tiny scale (needs PostgreSQL and Redis); a crash fails
	$(BIN)/python -m bench.smoke

lint: install ## ruff check, ruff format --check, mypy on the engine
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install ## Format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-bpmn: install ## Validate bpmn/ and forms/
	$(BIN)/flask zlw check-bpmn

worker: install ## Start an rq worker and the outbox relay (needs ZLW_REDIS_URL)
	$(BIN)/python -m worker

stack: install ## Start the deployment shape on loopback: gunicorn + PostgreSQL + Redis db 13 + two rq workers + relay (Ctrl-C stops)
	$(BIN)/python -m deploy.stack

faults: install ## The fault list on the stack (kill -9 web worker, PostgreSQL connections reset, Redis restart, disk full): PASS/FAIL each
	$(BIN)/python -m bench.faults

load: install ## Simulated people against the stack at 1 and 2 web workers: completions/s, p95 per page, errors, lost work
	$(BIN)/python -m bench.load

i18n-update: install ## Extract messages and merge them into the zh_CN and en catalogs
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o zerolegwork/translations/messages.pot .
	$(BIN)/pybabel update -i zerolegwork/translations/messages.pot -d zerolegwork/translations

clean: ## Remove the virtualenv, node_modules and the local database
	rm -rf $(VENV) node_modules var
