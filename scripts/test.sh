#!/usr/bin/env bash
# The test command: lint, types, content and catalog checks, then the test suite on SQLite and,
# when TEST_DATABASE_URL is set (postgresql+asyncpg://...), on PostgreSQL too.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Compiled modules and pytest's rewritten test modules are kept (__pycache__): each worker and each bot
# process the tests start would otherwise compile them again.
unset PYTHONDONTWRITEBYTECODE
# While the checks below run on one core, the other trains the classifiers the tests load into their model
# cache (tests/conftest.py sets NLU_CACHE_DIR to it; nothing to do when nlu/ and bot/ are unchanged) and
# compiles the tests once for the workers.
(
  NLU_CACHE_DIR=.pytest_cache/nlu-models .venv/bin/werkhelpdesk nlu parse </dev/null
  .venv/bin/python -m pytest --collect-only -q >/dev/null
) &
warm=$!
trap 'kill "$warm" 2>/dev/null || true' EXIT
.venv/bin/ruff check bot tests
.venv/bin/ruff format --check bot tests
.venv/bin/mypy
.venv/bin/werkhelpdesk flows check
.venv/bin/python -m bot.tools.check_catalogs locales
wait "$warm"
# Several workers (pytest-xdist), each with its own database: most tests wait on the network or the
# database, so even 2 cores keep 4 workers busy. PYTEST_WORKERS=0 runs in one process.
.venv/bin/python -m pytest -n "${PYTEST_WORKERS:-4}" "$@"
