# Two commands for a newcomer: `make run` and `make test`. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Translations: the .po files are committed, the .mo files are built from them.
LANGUAGES := hi ta
MO := $(foreach lang,$(LANGUAGES),locale/$(lang)/LC_MESSAGES/django.mo)

.PHONY: install messages run test lint bench emulator rebilly-emulator qolo-emulator clean
# A catalog that fails to compile leaves no .mo behind, so the next run tries again.
.DELETE_ON_ERROR:

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) $(MO)

# Compiled by Babel (pure Python, pinned in pyproject.toml): installing needs no GNU gettext.
# It fails on a broken placeholder or plural form.
locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po $(STAMP)
	$(BIN)/pybabel --quiet compile --locale $* --input-file $< --output-file $@

# Brings every catalog up to date with the code (needs GNU gettext: apt-get install gettext).
# Then translate what is new or marked fuzzy; tests/i18n/test_catalogs.py lists what is left.
messages: $(STAMP)
	@command -v xgettext >/dev/null || { echo "make messages needs GNU gettext (apt-get install gettext)" >&2; exit 1; }
	DJANGO_DEBUG=true $(BIN)/python manage.py makemessages $(foreach lang,$(LANGUAGES),-l $(lang))
	@$(MAKE) --no-print-directory install

# The app with every moving part on embedded defaults; Ctrl-C stops them all (status 0).
# sandbox/run.py is honcho with a clean Ctrl-C; the Procfile's "ready" prints the last block.
run: export DJANGO_DEBUG ?= true
run: export PATH := $(abspath $(BIN)):$(PATH)
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py ensure_dev_staff
	$(BIN)/python -m sandbox.run --procfile Procfile

# The whole suite. Uses PostgreSQL/Redis when they answer, and says so in its first lines.
# PYTHONFAULTHANDLER: a crash prints every thread's stack (tests/conftest.py keeps it on to the end).
test: export PYTHONFAULTHANDLER ?= 1
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_DEBUG=true $(BIN)/mypy .

# Benchmarks against the real PostgreSQL and Redis; every figure beside its baseline.
bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python -m bench $(BENCH)

# The DollarPe sandbox emulator alone, on http://127.0.0.1:8100.
emulator: install
	$(BIN)/python -m sandbox.dollarpe --host 127.0.0.1 --port 8100 --state var/dollarpe-sandbox.sqlite3

# The Rebilly sandbox emulator alone, on http://127.0.0.1:8200.
rebilly-emulator: install
	$(BIN)/python -m sandbox.rebilly --host 127.0.0.1 --port 8200 --state var/rebilly-sandbox.sqlite3

# The Qolo sandbox emulator alone, on http://127.0.0.1:8300.
qolo-emulator: install
	$(BIN)/python -m sandbox.qolo --host 127.0.0.1 --port 8300 --state var/qolo-sandbox.sqlite3

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
