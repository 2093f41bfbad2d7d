#!/usr/bin/env bash
# The test command: lint, types, content and catalog checks, then the test suite on SQLite and,
# when TEST_DATABASE_URL is set (postgresql+asyncpg://...), on PostgreSQL too.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check bot tests
.venv/bin/ruff format --check bot tests
.venv/bin/mypy
.venv/bin/werkhelpdesk flows check
.venv/bin/python -m bot.tools.check_catalogs locales
# Several workers (pytest-xdist), each with its own database: most tests wait on the network or the
# database, so even 2 cores keep 4 workers busy. PYTEST_WORKERS=0 runs in one process.
.venv/bin/python -m pytest -n "${PYTEST_WORKERS:-4}" "$@"
