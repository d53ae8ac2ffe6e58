#!/usr/bin/env bash
# Install Newsflow with its test tools into ./.venv, then lint and run the whole test suite.
# Extra arguments go to pytest (e.g. -k seed).
set -euo pipefail
cd "$(dirname "$0")/.."
LOCK=requirements-test.lock source scripts/venv.sh
.venv/bin/ruff check src tests bench

# The browser tests (tests/browser) drive Debian's chromium through Playwright; no browser is ever
# downloaded. Install it when we can (root, or sudo without a password, and apt-get); without it
# the browser tests fail in CI (CI=true) and are skipped elsewhere, with the reason.
CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ] && command -v apt-get >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    SUDO="no"
  fi
  if [ "$SUDO" != "no" ]; then
    echo "Installing Debian's chromium for the browser tests (apt-get install chromium)…"
    log=$(mktemp)
    export DEBIAN_FRONTEND=noninteractive
    # a fresh container has no package lists yet: update once if the first attempt fails
    if ! $SUDO apt-get install -y -q chromium >"$log" 2>&1; then
      $SUDO apt-get update -q >>"$log" 2>&1 && $SUDO apt-get install -y -q chromium >>"$log" 2>&1 || tail -n 20 "$log" >&2
    fi
    rm -f "$log"
  fi
fi
CI="${CI:-}"
if [ ! -x "$CHROMIUM" ]; then
  case "${CI,,}" in
    1|true|yes)
      echo "error: $CHROMIUM is missing and could not be installed; the browser tests need Debian's chromium" >&2
      exit 1 ;;
    *)
      echo "note: $CHROMIUM is missing (apt-get install chromium); the browser tests will be skipped" >&2 ;;
  esac
fi

exec .venv/bin/pytest "$@"
