# The two commands of the README: `make run` and `make test`. Both set everything up themselves.
# `make bench` runs the benchmarks (BENCHMARKS.md).
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PORT   ?= 8000

.PHONY: run test lint bench bench-quick install messages migrate clean check

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP) messages

# Compiled translations (.mo) are built, not committed. Babel compiles without GNU gettext.
messages: $(STAMP)
	$(BIN)/pybabel compile --domain django --directory locale --statistics

# SQLite, no broker (tasks run in-process), demo data and demo users; reminders are swept by a
# scheduler thread inside the server process (casework/scheduler.py). The second sign-in step is
# turned off for the demo users (TRYGGEST_MFA_REQUIRED=False; allowed only with DEBUG on). E-mail
# (reminders, referral links) is written to var/mail/, one file per message, so it can be read.
RUN_ENV := DEBUG=True TRYGGEST_MFA_REQUIRED=False EMAIL_BACKEND=$${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}
run: install
	mkdir -p var/mail
	$(RUN_ENV) $(BIN)/python manage.py migrate --no-input
	$(RUN_ENV) $(BIN)/python manage.py load_demo_data
	$(RUN_ENV) $(BIN)/python manage.py runserver_with_reminders 127.0.0.1:$(PORT)

# The whole suite. DATABASE_URL / CELERY_BROKER_URL from the environment choose PostgreSQL / Redis.
# First the layers (README "Architecture"): an upward import fails here, naming the rule it breaks.
test: install
	$(BIN)/lint-imports --no-cache
	DEBUG=False SECRET_KEY=$${SECRET_KEY:-test-secret-key} AUDIT_HMAC_KEY=$${AUDIT_HMAC_KEY:-test-audit-key} \
		$(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=False SECRET_KEY=$${SECRET_KEY:-test-secret-key} AUDIT_HMAC_KEY=$${AUDIT_HMAC_KEY:-test-audit-key} \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

# Lint and format: ruff's rules (pyproject.toml) and its formatter, checked, never rewritten here;
# and the layers (import-linter).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# Benchmarks and faults (issue 9, BENCHMARKS.md) against the PostgreSQL at 127.0.0.1:5432, with
# Redis at 127.0.0.1:6379: 1,000,000 enquiries, about half an hour. `make bench-quick` runs
# everything at a small size in under 2 minutes (.ci/run does). BENCH_ARGS passes options on.
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

bench-quick: install
	$(BIN)/python bench/run.py --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var locale/*/LC_MESSAGES/*.mo
