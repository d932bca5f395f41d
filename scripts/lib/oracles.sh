# shellcheck shell=bash
# Sourced by scripts that check cxrelay with tools nobody on the project wrote (the "oracles"):
# installs a PINNED version of each into a cache folder and prints the path of its executable on
# stdout; one line on stderr says what it found or did. See scripts/lib/oracles.md.
#
#   ensure_schemathesis  schemathesis (PyPI) in its own virtualenv        -> .../bin/schemathesis
#   ensure_redocly       Redocly CLI (@redocly/cli, npm)                  -> .../node_modules/.bin/redocly
#   ensure_promtool      promtool, taken out of Debian's `prometheus` package (never installed:
#                        the package would start a Prometheus server on :9090, the simulator's port)
#
# Cache: ${CXRELAY_TOOLS_DIR:-$HOME/.cache/cxrelay/tools}/<tool>/<version>/, complete once its
# `.installed` stamp (holding the version) exists. A second call with the same pin only checks the
# stamp; a changed pin installs beside the old one (delete old version folders by hand). A folder
# without its stamp (an install that was interrupted or failed) is removed and installed again.
# Installs of one tool are serialized with flock, so parallel callers do not race.
#
# Usage:  source scripts/lib/oracles.sh; st=$(ensure_schemathesis) || exit 1; "$st" --version

# The pins. Bump them here (and in oracles.md); the cache keeps each version in its own folder.
CX_SCHEMATHESIS_VERSION=4.32.5
# Newest 2.x whose engines accept Node 20 (>=20.19.0 <21, or >=22.12.0).
CX_REDOCLY_VERSION=2.77.0
# Debian bookworm's (security) version. Debian mirrors keep only the current version of a
# package: when a newer deb12uN appears, this download fails with a message saying so, and the
# pin must move to the version `apt-cache policy prometheus` shows.
CX_PROMTOOL_DEB_VERSION=2.42.0+ds-5+deb12u1

# cx_say, cx_err, cx_as_root come from services.sh.
if ! declare -F cx_as_root >/dev/null 2>&1; then
  # shellcheck source=scripts/lib/services.sh
  source "$(dirname "${BASH_SOURCE[0]}")/services.sh"
fi

cx_tools_dir() { printf '%s\n' "${CXRELAY_TOOLS_DIR:-$HOME/.cache/cxrelay/tools}"; }

# One line on stderr (stdout carries the tool's path).
cx_tool_say() { cx_say "$@" >&2; }

# cx_tool_ready DIR VERSION EXE: true when DIR holds a finished install of VERSION with EXE.
cx_tool_ready() {
  [ -f "$1/.installed" ] && [ "$(cat "$1/.installed" 2>/dev/null)" = "$2" ] && [ -x "$3" ]
}

# cx_tool_install NAME VERSION DIR EXE INSTALLER: the shared frame of the ensure_* functions.
# Takes the tool's lock, installs with INSTALLER DIR (which must create EXE; its output goes to a
# log) unless DIR is ready, writes the stamp, prints EXE. On failure shows the end of the log.
cx_tool_install() {
  local name=$1 version=$2 dir=$3 exe=$4 installer=$5
  if cx_tool_ready "$dir" "$version" "$exe"; then
    cx_tool_say "$name $version: already installed in $dir"
    printf '%s\n' "$exe"
    return 0
  fi
  local parent lock_fd
  parent=$(dirname "$dir")
  mkdir -p "$parent" || {
    cx_err "$name $version: cannot create $parent (set CXRELAY_TOOLS_DIR to a writable folder)"
    return 1
  }
  exec {lock_fd}>"$parent/.lock"
  if command -v flock >/dev/null 2>&1 && ! flock -w 900 "$lock_fd"; then
    exec {lock_fd}>&-
    cx_err "$name $version: another install still holds $parent/.lock after 15 minutes"
    return 1
  fi
  # Another caller may have finished the same install while this one waited for the lock.
  if cx_tool_ready "$dir" "$version" "$exe"; then
    exec {lock_fd}>&-
    cx_tool_say "$name $version: already installed in $dir"
    printf '%s\n' "$exe"
    return 0
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  local log=$parent/.install-$version.log start=$SECONDS
  if ! "$installer" "$dir" >"$log" 2>&1 || [ ! -x "$exe" ]; then
    cx_err "$name $version: install failed; the end of $log:"
    tail -n 25 "$log" | sed 's/^/    /' >&2
    rm -rf "$dir"
    exec {lock_fd}>&-
    return 1
  fi
  printf '%s\n' "$version" >"$dir/.installed"
  exec {lock_fd}>&-
  rm -f "$log"
  cx_tool_say "$name $version: installed in $dir ($((SECONDS - start)) s)"
  printf '%s\n' "$exe"
}

# --- schemathesis ---------------------------------------------------------------------------------
cx_install_schemathesis() {
  local dir=$1 python=${CXRELAY_PYTHON:-python3}
  if ! command -v "$python" >/dev/null 2>&1; then
    echo "no $python on PATH (schemathesis needs Python 3.9 or newer; set CXRELAY_PYTHON)"
    return 1
  fi
  "$python" -m venv "$dir/venv" || {
    echo "'$python -m venv' failed (on Debian: apt-get install python3-venv)"
    return 1
  }
  # --only-binary: no sdist builds (every dependency ships wheels for CPython 3.9-3.13 on x86_64).
  if ! PIP_DISABLE_PIP_VERSION_CHECK=1 "$dir/venv/bin/python" -m pip install --quiet \
    --timeout 30 --retries 2 --no-input "schemathesis==$CX_SCHEMATHESIS_VERSION"; then
    echo "pip could not install schemathesis==$CX_SCHEMATHESIS_VERSION: is PyPI reachable (pip's errors above)?"
    return 1
  fi
  # What got resolved, for the record (the transitive versions are not pinned).
  "$dir/venv/bin/python" -m pip freeze --disable-pip-version-check >"$dir/pip-freeze.txt" 2>/dev/null || true
}

ensure_schemathesis() {
  local dir
  dir=$(cx_tools_dir)/schemathesis/$CX_SCHEMATHESIS_VERSION
  cx_tool_install schemathesis "$CX_SCHEMATHESIS_VERSION" "$dir" "$dir/venv/bin/schemathesis" \
    cx_install_schemathesis
}

# --- Redocly CLI ----------------------------------------------------------------------------------
# Run it with REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true: otherwise it tries to send
# usage data and to look for a newer version on every run.
cx_install_redocly() {
  local dir=$1
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm not found (Redocly CLI $CX_REDOCLY_VERSION needs Node.js 20.19+ or 22.12+ with npm)"
    return 1
  fi
  if ! npm install --prefix "$dir" --no-audit --no-fund --no-update-notifier --save-exact \
    --fetch-retries 2 --fetch-retry-mintimeout 2000 --fetch-retry-maxtimeout 10000 \
    --fetch-timeout 60000 --loglevel warn "@redocly/cli@$CX_REDOCLY_VERSION"; then
    echo "npm could not install @redocly/cli@$CX_REDOCLY_VERSION: is the npm registry reachable (npm's errors above)?"
    return 1
  fi
  REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true "$dir/node_modules/.bin/redocly" --version || {
    echo "redocly $CX_REDOCLY_VERSION installed but does not run on node $(node --version 2>/dev/null)"
    return 1
  }
}

ensure_redocly() {
  local dir
  dir=$(cx_tools_dir)/redocly/$CX_REDOCLY_VERSION
  cx_tool_install redocly "$CX_REDOCLY_VERSION" "$dir" "$dir/node_modules/.bin/redocly" \
    cx_install_redocly
}

# --- promtool -------------------------------------------------------------------------------------
# apt-get download needs no root, but a folder the _apt user can write to (else apt warns that it
# downloads unsandboxed); the package lists must know the pinned version, so a first failure runs
# `apt-get update` (as root) once and tries again.
cx_apt_download_prometheus() {
  local into=$1
  (cd "$into" && apt-get download -q -o Acquire::Retries=2 -o Acquire::http::Timeout=30 \
    "prometheus=$CX_PROMTOOL_DEB_VERSION")
}

cx_install_promtool() {
  local dir=$1
  if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
    echo "apt-get and dpkg-deb are needed (promtool comes from Debian's prometheus package)"
    return 1
  fi
  local work
  work=$(mktemp -d "$dir/.download.XXXXXX") || return 1
  chmod 0777 "$work"
  if ! cx_apt_download_prometheus "$work"; then
    echo "apt-get download prometheus=$CX_PROMTOOL_DEB_VERSION failed; running apt-get update and trying again"
    cx_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
      echo "apt-get update failed (is the Debian archive reachable?)"
    if ! cx_apt_download_prometheus "$work"; then
      echo "could not download prometheus=$CX_PROMTOOL_DEB_VERSION from the Debian archive: unreachable, or the version is gone (Debian keeps only the current one)."
      echo "versions known here: $(apt-cache policy prometheus 2>/dev/null | sed -n 's/^ *Candidate: //p')"
      echo "if it moved on, bump CX_PROMTOOL_DEB_VERSION in scripts/lib/oracles.sh"
      return 1
    fi
  fi
  local deb
  deb=$(find "$work" -maxdepth 1 -name 'prometheus_*.deb' -print -quit)
  [ -n "$deb" ] || {
    echo "apt-get download succeeded but left no prometheus_*.deb in $work"
    return 1
  }
  mkdir -p "$work/x"
  dpkg-deb -x "$deb" "$work/x" || return 1
  install -m 0755 "$work/x/usr/bin/promtool" "$dir/promtool" || return 1
  rm -rf "$work"
  "$dir/promtool" --version
}

ensure_promtool() {
  local dir
  dir=$(cx_tools_dir)/promtool/$CX_PROMTOOL_DEB_VERSION
  cx_tool_install promtool "$CX_PROMTOOL_DEB_VERSION" "$dir" "$dir/promtool" cx_install_promtool
}
