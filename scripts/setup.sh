#!/usr/bin/env bash
# Sets up a virtualenv with the bot and its development tools, builds the translation catalogs
# and brings the database schema up to date. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"
.venv/bin/pybabel compile --use-fuzzy=false -d locales -D messages >/dev/null 2>&1 || .venv/bin/pybabel compile -d locales -D messages
.venv/bin/werkhelpdesk db upgrade
