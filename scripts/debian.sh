# Sourced by serve.sh and test.sh: `debian_install PROGRAM PACKAGE` installs Debian's PACKAGE with
# apt-get when PROGRAM (an absolute path or a command name) is missing and we can (root, or sudo
# without a password). Nothing is ever downloaded from elsewhere; without apt-get it does nothing.
debian_install() {
  local program="$1" package="$2" sudo log
  if [ -x "$program" ] || command -v "$program" >/dev/null 2>&1 || ! command -v apt-get >/dev/null; then
    return 0
  fi
  if [ "$(id -u)" -eq 0 ]; then
    sudo=""
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    return 0
  fi
  echo "Installing Debian's $package (apt-get install $package)…"
  log=$(mktemp)
  export DEBIAN_FRONTEND=noninteractive
  # a fresh container has no package lists yet: update once if the first attempt fails
  if ! $sudo apt-get install -y -q "$package" >"$log" 2>&1; then
    $sudo apt-get update -q >>"$log" 2>&1 && $sudo apt-get install -y -q "$package" >>"$log" 2>&1 || tail -n 20 "$log" >&2
  fi
  rm -f "$log"
}

# Whether a program the tests need is there; without it they FAIL in CI (CI=true) and are skipped
# elsewhere, with the reason. `require_program PROGRAM PACKAGE WHAT` (WHAT: the tests that need it).
require_program() {
  local program="$1" package="$2" what="$3" ci="${CI:-}"
  if [ -x "$program" ] || command -v "$program" >/dev/null 2>&1; then
    return 0
  fi
  case "${ci,,}" in
    1|true|yes)
      echo "error: $program is missing and could not be installed; $what need Debian's $package" >&2
      exit 1 ;;
    *)
      echo "note: $program is missing (apt-get install $package); $what will be skipped" >&2 ;;
  esac
}
