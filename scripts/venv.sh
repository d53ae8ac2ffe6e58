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
.venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r "$LOCK"
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
