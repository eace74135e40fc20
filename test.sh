#!/usr/bin/env bash
# Runs every test of the solution. The PostgreSQL tests start their own throwaway server
# (they need the server binaries: apt-get install postgresql); nothing else is needed.
set -uo pipefail
cd "$(dirname "$0")"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test Maas.sln -c Release --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# One closing line over every test assembly.
awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Passed:") p += $(i+1); if ($i == "Failed:") f += $(i+1) } }
     END { printf "total: %d passed, %d failed\n", p, f }' FS='[ ,]+' "$log"
exit "$status"
