# Newsroom — the commands people and CI rely on.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
SITE_URL ?= http://$(HOST):$(PORT)
export SITE_URL

.PHONY: run serve test test-postgres lint format bench install clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

run: install  ## Development server with demo content on http://127.0.0.1:$(PORT)/
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed_demo
	@echo
	@echo "  Site:  $(SITE_URL)/"
	@echo "  Admin: $(SITE_URL)/admin/  (user 'editor', password 'newsroom-demo'; also 'reporter' and 'moderator')"
	@echo
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

serve: install  ## Production-style: gunicorn, DEBUG off, static files from whitenoise
	DEBUG=0 $(BIN)/python manage.py migrate --noinput
	DEBUG=0 $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DEBUG=0 $(BIN)/gunicorn newsroom.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3} \
		--access-logfile - --forwarded-allow-ips "$${FORWARDED_ALLOW_IPS:-127.0.0.1}"

test: install  ## The whole suite on SQLite, browser tests included
	$(BIN)/pytest

test-postgres: install  ## The same suite on a throwaway PostgreSQL cluster
	$(BIN)/python scripts/throwaway_postgres.py -- $(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install  ## Throughput and latency against PostgreSQL with 100,000 articles
	$(BIN)/python scripts/throwaway_postgres.py -- $(BIN)/python tests/perf/bench.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
