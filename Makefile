# The two commands of the README: `make run` and `make test`. Both set everything up themselves.
# `make bench` runs the benchmarks (BENCHMARKS.md).
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PORT   ?= 8000

.PHONY: run test lint bench bench-quick install messages migrate clean check axe

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP) messages

# Compiled translations (.mo) are built, not committed. Babel compiles without GNU gettext, every
# catalogue under locale/ (the residents' languages too: locale/languages.yaml); it skips a catalogue
# whose header is marked fuzzy without failing, so each one is checked to have been compiled.
messages: $(STAMP)
	$(BIN)/pybabel compile --domain django --directory locale --statistics
	@for po in locale/*/LC_MESSAGES/django.po; do \
	  test "$${po%.po}.mo" -nt "$$po" || { echo "FAIL: $$po was not compiled (its header is marked fuzzy?)" >&2; exit 1; }; \
	done

# The TryggEst team's contact on the residents' pages: demo values for `make run` (production sets
# its own; with DEBUG off the service refuses to start without the phone, website.checks), and
# the same for the checks `make test` runs with DEBUG off. Values from the environment win.
DEMO_CONTACT := TRYGGEST_TEAM_PHONE="$${TRYGGEST_TEAM_PHONE:-12 34 56 78}" \
	TRYGGEST_TEAM_ADDRESS="$${TRYGGEST_TEAM_ADDRESS:-Demoveien 1, 3110 Tønsberg}" \
	TRYGGEST_DATA_PROTECTION_OFFICER="$${TRYGGEST_DATA_PROTECTION_OFFICER:-personvernombud@example.invalid}"

# SQLite, no broker (tasks run in-process), demo data and demo users; reminders are swept by a
# scheduler thread inside the server process (casework/scheduler.py). The second sign-in step is
# turned off for the demo users (TRYGGEST_MFA_REQUIRED=False; allowed only with DEBUG on). E-mail
# (reminders, referral links) is written to var/mail/, one file per message, so it can be read.
RUN_ENV := DEBUG=True TRYGGEST_MFA_REQUIRED=False EMAIL_BACKEND=$${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}
run: install
	mkdir -p var/mail
	$(RUN_ENV) $(BIN)/python manage.py migrate --no-input
	$(RUN_ENV) $(BIN)/python manage.py load_demo_data
	$(RUN_ENV) $(DEMO_CONTACT) $(BIN)/python manage.py runserver_with_schedules 127.0.0.1:$(PORT)

# axe-core for the browser tests' accessibility checks (tests/browser.py), from the npm registry at
# the version and checksum of tests/axe/package-lock.json; never from a CDN.
AXE := tests/axe/node_modules/axe-core/axe.min.js
$(AXE): tests/axe/package.json tests/axe/package-lock.json
	npm ci --prefix tests/axe --no-audit --no-fund --loglevel=error
	touch $(AXE)

axe: $(AXE)

# The whole suite. DATABASE_URL / CELERY_BROKER_URL from the environment choose PostgreSQL / Redis.
# First the layers (README "Architecture"): an upward import fails here, naming the rule it breaks.
test: install $(AXE)
	$(BIN)/lint-imports --no-cache
	DEBUG=False SECRET_KEY=$${SECRET_KEY:-test-secret-key} AUDIT_HMAC_KEY=$${AUDIT_HMAC_KEY:-test-audit-key} \
		$(DEMO_CONTACT) $(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=False SECRET_KEY=$${SECRET_KEY:-test-secret-key} AUDIT_HMAC_KEY=$${AUDIT_HMAC_KEY:-test-audit-key} \
		$(DEMO_CONTACT) $(BIN)/python -m pytest $(PYTEST_ARGS)

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
	rm -rf $(VENV) var locale/*/LC_MESSAGES/*.mo tests/axe/node_modules
