#!/usr/bin/env bash
# Runs every test of the solution. The PostgreSQL, Redis and Prometheus tests start their own
# throwaway servers; the programs they need are installed below when missing.
set -uo pipefail
cd "$(dirname "$0")"

# require COMMAND PACKAGE: installs the Debian package providing COMMAND when it is missing
# (as root: apt-get update once, then apt-get install -y), otherwise says what to install and fails.
# COMMAND is a name on PATH or a path, which may hold a glob (/usr/lib/postgresql/*/bin/pg_ctl).
apt_updated=
require() {
  if [[ "$1" == */* ]]; then
    compgen -G "$1" >/dev/null && return 0
  else
    command -v "$1" >/dev/null 2>&1 && return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "test.sh: '$1' is missing: run 'sudo apt-get install -y $2' (or run test.sh as root to install it)" >&2
    exit 1
  fi
  if [ -z "$apt_updated" ]; then
    apt-get update -qq || exit 1
    apt_updated=1
  fi
  echo "test.sh: installing $2 (for $1)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null || exit 1
}
# The PostgreSQL tests run initdb, pg_ctl and postgres from Debian's server package, which keeps
# them off PATH (tests/Maas.Testing/PostgreSqlServer.cs finds them; MAAS_POSTGRES_BIN overrides).
if [ -z "${MAAS_POSTGRES_BIN:-}" ] && ! command -v pg_ctl >/dev/null 2>&1; then
  require '/usr/lib/postgresql/*/bin/pg_ctl' postgresql
fi
require redis-server redis-server
require prometheus prometheus
require promtool prometheus
# kubectl checks the fake Kubernetes API server (Debian 12 ships it as kubernetes-client).
require kubectl kubernetes-client
# The self-service page's browser tests drive Debian's Chromium with Playwright (no browser download).
require chromium chromium
# Its headless build, which the tests run first (the same engine, about half the CPU of the full browser).
require /usr/lib/chromium/chromium-headless-shell chromium-headless-shell
# The official OpenAI Node.js SDK is driven against the gateway (tests/Maas.Api.Tests/OpenAiNode, npm ci).
require node nodejs
require npm npm

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test Maas.sln -c Release --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# One closing line over every test assembly.
awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Passed:") p += $(i+1); if ($i == "Failed:") f += $(i+1) } }
     END { printf "total: %d passed, %d failed\n", p, f }' FS='[ ,]+' "$log"
exit "$status"
