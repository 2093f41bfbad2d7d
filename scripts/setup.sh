#!/usr/bin/env bash
# Sets up a virtualenv with the bot and its development tools, builds the translation catalogs
# and brings the database schema up to date. Safe to run again: the installation is skipped when
# nothing it depends on (pyproject.toml, setup.py) changed since the last one.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
STAMP=.venv/.werkhelpdesk-installed
WANT=$(cat pyproject.toml setup.py | sha256sum | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ] || [ ! -x .venv/bin/werkhelpdesk ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  echo "$WANT" >"$STAMP"
fi
# Fuzzy entries are left out (pybabel's default); errors are shown, progress lines are not.
.venv/bin/pybabel --quiet compile -d locales -D messages
.venv/bin/werkhelpdesk db upgrade
