# Sourced by serve.sh and test.sh: create ./.venv once, then install into it exactly what the lock
# file names (versions and hashes), and Newsflow itself on top without resolving anything again.
# LOCK is requirements.lock (what the system runs on) or requirements-test.lock (that and the test
# tools). To change a dependency, edit pyproject.toml and refresh both locks (README, "Dependencies").
PYTHON="${PYTHON:-python3}"
LOCK="${LOCK:-requirements.lock}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Newsflow needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# pip runs only when pyproject.toml or the lock changed since the last install into this venv (a
# stamp holds their hash): a restart then costs no pip at all. Newsflow's own code is installed
# editable, so changing it needs no install either.
STAMP=".venv/.installed-$(basename "$LOCK")"
WANT="$(cat pyproject.toml "$LOCK" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ] || [ ! -x .venv/bin/newsflow ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r "$LOCK"
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
  echo "$WANT" >"$STAMP"
fi
