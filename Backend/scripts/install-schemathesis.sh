#!/usr/bin/env bash
# schemathesis (PyPI) for the fuzzing suite (Backend/test/resilience/fuzz.resilience.ts):
# a Python venv outside the repo, keyed by version,
#   ${KRYPTOVAULT_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kryptovault-tools}/schemathesis-4.32.5/
# with schemathesis and its dependencies at the exact versions of
# Backend/scripts/schemathesis-requirements.txt (a pip constraints file). Idempotent: a venv
# whose stamp matches the constraints is reused as it is. Progress goes to stderr; the one
# line on stdout is the path of the `st` executable.
#
# Not --require-hashes: several dependencies (jsonschema_rs, PyYAML, MarkupSafe,
# charset-normalizer) are native wheels, one per Python version and platform, so a hash list
# written on one machine refuses another Python; versions are pinned exactly instead.
#
# Needs python3 >= 3.10 with the venv module (Debian: python3-venv) and PyPI.
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CONSTRAINTS="$HERE/schemathesis-requirements.txt"
CACHE_ROOT="${KRYPTOVAULT_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kryptovault-tools}"
VENV="$CACHE_ROOT/schemathesis-$SCHEMATHESIS_VERSION"
STAMP="$VENV/constraints.sha256"
ST="$VENV/bin/st"

log() { printf '[schemathesis] %s\n' "$*" >&2; }

want_stamp() { sha256sum "$CONSTRAINTS" | cut -d' ' -f1; }
is_current() {
  [[ -x "$ST" && -f "$STAMP" && "$(cat "$STAMP")" == "$(want_stamp)" ]] && "$ST" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION"
}

grep -qx "schemathesis==$SCHEMATHESIS_VERSION" "$CONSTRAINTS" || { log "error: $CONSTRAINTS does not pin schemathesis==$SCHEMATHESIS_VERSION"; exit 1; }

mkdir -p "$CACHE_ROOT"
# Two test runs installing at once would build the same venv twice over each other.
exec 9>"$VENV.lock"
flock 9

if is_current; then
  log "schemathesis $SCHEMATHESIS_VERSION already installed in $VENV"
  echo "$ST"
  exit 0
fi

python="$(command -v python3 || true)"
[[ -n "$python" ]] || { log "error: python3 is not on PATH (schemathesis needs Python >= 3.10)"; exit 1; }
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || { log "error: $("$python" --version) is too old (schemathesis needs Python >= 3.10)"; exit 1; }

log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV (with $("$python" --version))"
# A venv cannot be moved (its scripts name their interpreter by absolute path): build in
# place, and write the stamp last so an interrupted install is redone next time.
rm -rf "$VENV"
"$python" -m venv "$VENV" || { log "error: python3 -m venv failed (Debian: apt-get install python3-venv)"; exit 1; }
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
  --constraint "$CONSTRAINTS" "schemathesis==$SCHEMATHESIS_VERSION" >&2
"$ST" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION" || { log "error: $ST does not report version $SCHEMATHESIS_VERSION"; exit 1; }
want_stamp >"$STAMP"
log "installed: $("$ST" --version)"
echo "$ST"
