#!/usr/bin/env bash
# Runs every test of the solution. PostgreSQL tests start their own server (see README).
set -euo pipefail
cd "$(dirname "$0")"
dotnet test Maas.sln -c Release --nologo "$@"
