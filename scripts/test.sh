#!/usr/bin/env bash
# Install Newsflow with its test tools into ./.venv, then lint and run the whole test suite.
# Extra arguments go to pytest (e.g. -k seed).
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="[test]" source scripts/venv.sh
.venv/bin/ruff check src tests bench
exec .venv/bin/pytest "$@"
