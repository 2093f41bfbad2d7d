#!/usr/bin/env bash
# One command to set up and start the bot with the embedded defaults (SQLite, embedded NLU):
#   scripts/start.sh            -> werkhelpdesk run   (needs TELEGRAM_TOKEN in .env or the environment)
#   scripts/start.sh chat       -> talk to the bot in this terminal, no Telegram needed
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/werkhelpdesk "${@:-run}"
