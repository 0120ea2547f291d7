# make run · make test · make lint · make bench — each creates .venv and installs pinned requirements.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
RUN_ARGS ?=
TEST_WORKERS ?= auto

.PHONY: run test coverage test-services lint format bench check-deploy audit clean reset-local js-deps e2e-deps messages

$(STAMP): requirements.txt requirements-dev.txt
	@if [ -x $(BIN)/python ]; then \
		echo "Installing the changed pinned requirements into .venv…"; \
	else \
		echo "Creating .venv and installing pinned requirements (about 2 minutes the first time)…"; \
		$(PYTHON) -m venv $(VENV); \
	fi
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)
	@echo "Requirements installed in .venv."

run: $(STAMP)
	DJANGO_DEBUG=1 exec $(BIN)/python manage.py runlocal $(RUN_ARGS)

test: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The whole suite with branch coverage (slower: tracing costs about a third more CPU).
coverage: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python -m pytest -n $(TEST_WORKERS) --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

# The tests marked `services`, against the PostgreSQL and Redis named by DATABASE_URL and CACHE_URL
# (.ci/run starts both); without them these tests skip, and with PORTAL_REQUIRE_SERVICES=1 they fail.
test-services: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python -m pytest -n $(TEST_WORKERS) -m services $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python bench/run.py

check-deploy: $(STAMP)
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))') \
	DJANGO_ALLOWED_HOSTS=portal.example.com $(BIN)/python manage.py check --deploy --fail-level WARNING

# pip-audit on requirements.txt; says plainly when its vulnerability database cannot be reached.
audit: $(STAMP)
	$(BIN)/python deploy/dependency_audit.py requirements.txt

# The browser tests' JavaScript: axe-core, pinned in tests/e2e/package-lock.json, from the npm registry.
e2e-deps:
	cd tests/e2e && npm ci --no-audit --no-fund

# The German and French catalogues: collect every string of the project's code and templates into
# locale/*/LC_MESSAGES/django.po (translate the new ones there), then compile the .mo files, which are
# committed so that deployments and `make run` need no gettext. Needs GNU gettext (Debian: gettext).
messages: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemessages --no-obsolete -l de -l fr \
		--ignore tests --ignore bench --ignore localcognito --ignore staticfiles
	DJANGO_DEBUG=1 $(BIN)/python manage.py compilemessages -l de -l fr --ignore .venv

clean:
	rm -rf $(VENV) .pytest_cache .coverage htmlcov staticfiles

# Forget the local pool, users, staff password and env file `make run` keeps in .local/ (or LOCAL_DATA_DIR,
# any characters in it); refused while a make run uses the folder. The same code as `manage.py runlocal
# --reset` (accounts/management/local_data.py, standard library only: no .venv needed).
reset-local:
	@$(PYTHON) -m accounts.management.local_data --reset
	@echo "The next make run starts with an empty local pool and a new staff password."

# The pinned JavaScript client (amazon-cognito-identity-js) the Node conformance test drives.
js-deps:
	cd tests/conformance/js && npm ci --no-audit --no-fund
