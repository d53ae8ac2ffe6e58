#!/usr/bin/env bash
# Install Newsflow with its test tools into ./.venv, then lint and run the whole test suite.
# Extra arguments go to pytest (e.g. -k seed).
set -euo pipefail
cd "$(dirname "$0")/.."
LOCK=requirements-test.lock source scripts/venv.sh
.venv/bin/ruff check src tests bench

# The browser tests (tests/browser) drive Debian's chromium through Playwright; no browser is ever
# downloaded. The video and audio tests make their clips with Debian's ffmpeg, which the server also
# needs to take video and audio uploads. Both are installed when we can (root, or sudo without a
# password, and apt-get); without them their tests fail in CI (CI=true) and are skipped elsewhere,
# with the reason.
source scripts/debian.sh
debian_install /usr/bin/chromium chromium
debian_install ffmpeg ffmpeg
require_program /usr/bin/chromium chromium "the browser tests"
require_program ffmpeg ffmpeg "the video and audio tests"

exec .venv/bin/pytest "$@"
