#!/usr/bin/env bash
# Install Newsflow into ./.venv and start it on its embedded default (SQLite + demo content).
# Extra arguments go to `newsflow serve` (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
# video and audio uploads are read with Debian's ffmpeg (ffprobe): installed when missing and we can
source scripts/debian.sh
debian_install ffmpeg ffmpeg
command -v ffprobe >/dev/null || echo "note: ffmpeg is missing (apt-get install ffmpeg); pictures only" >&2
exec .venv/bin/newsflow serve "$@"
