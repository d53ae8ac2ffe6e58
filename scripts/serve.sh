#!/usr/bin/env bash
# Install Newsflow into ./.venv and start it on its embedded default (SQLite + demo content).
# Extra arguments go to `newsflow serve` (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
exec .venv/bin/newsflow serve "$@"
