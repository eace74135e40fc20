#!/usr/bin/env bash
# HTTP load for Maas, interleaved: every server of a part runs at once on 127.0.0.1, and each
# endpoint is measured in pairs with its ceiling (ceiling, endpoint, ceiling, endpoint, ... one
# pair after the other, LOAD_ROUNDS rounds), so the machine's drift between minutes apart cancels
# out of the ratios: each row reports the median of its pair ratios plus requests/s, p50, p99 and
# the server's CPU per request on each side (medians over the rounds). Writes benchmarks/load/
# results.md (and throughput.png); a part alone writes results-<part>.md. See benchmarks/README.md.
#
# Parts (LOAD_ONLY selects one; default: all four, in this order):
#   endpoints   the control plane (samples/Maas.Api as shipped) against the bare ceilings of
#               benchmarks/Maas.Load.Baseline (fixed answer, ES256 sign, SHA-256 + lookup)
#   embedding   the Maas pipeline alone: POST /v1/tokens and key introspection on a quiet host (no
#               request log line, no telemetry: Logging__LogLevel__Default=Warning,
#               OTEL_SDK_DISABLED=true, --metrics-port 0) against the same bare ceilings; with
#               LOAD_BEFORE=<git revision>, that revision's build beside this one, each against the
#               ceilings and against each other (what a change to the pipeline cost)
#   telemetry   POST /v1/tokens with metrics and traces on (as shipped plus an OTLP endpoint: the
#               Prometheus port, OTLP/HTTP export to a discarding collector, the shipped sampler)
#               against the same host with them off (OTEL_SDK_DISABLED=true, --metrics-port 0)
#   data-plane  chat completions to the zero-latency simulator: directly, through a bare YARP
#               proxy (Maas.Load.Baseline --proxy-to), through Maas's gateway (API key and token;
#               in-memory and Redis counters; limits on, never reached)
#   ledger      (only with LOAD_ONLY=ledger) the gateway with the usage ledger on against the same
#               build with it off (Maas__Gateway__Ledger__Enabled=false): both quiet, in memory, API
#               key, chat to the zero-latency simulator (issue 22's target: 0.97 or more)
#   shipped     (only with LOAD_ONLY=shipped) what the host as shipped adds to the gateway, split: the
#               gateway as shipped (request log line and metrics on), with the log line only and with
#               the metrics only, each against the same build quiet (in memory, API key, chat to the
#               zero-latency simulator)
#
# Environment (all optional):
#   LOAD_ONLY         endpoints | embedding | telemetry | data-plane | ledger | shipped (default: the first four)
#   LOAD_BEFORE       a git revision of this repository to measure beside the working tree in the
#                     embedding part (built from `git archive`, so uncommitted changes are not in it)
#   LOAD_DURATION     measured seconds per measurement (default 5)
#   LOAD_WARMUP       warm-up seconds per target before the rounds (default 5: tiered JIT and PGO settle)
#   LOAD_ROUNDS       pairs per row (default 3; the telemetry row takes at least 5)
#   LOAD_THREADS      wrk threads (default 2)
#   LOAD_CONNECTIONS  wrk connections (default 64)
#   LOAD_LATENCY_CONNECTIONS  connections of the data plane's latency rows (default 1: unsaturated,
#                     so the added p50/p99 is the gateway's own work rather than queueing)
#   LOAD_SOAK         if > 0, also drive POST /v1/tokens (endpoints) and chat through the gateway
#                     (data-plane) for that many seconds, sampling the host's RSS every 10 s
#   LOAD_POSTGRES_URL a postgresql:// URL of an empty, durable database for POST /v1/api-keys
#                     on --storage external (default: a throwaway server this script starts
#                     when the PostgreSQL server binaries are installed, fsync on; else skipped)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${LOAD_DURATION:-5}
warmup=${LOAD_WARMUP:-5}
rounds=${LOAD_ROUNDS:-3}
threads=${LOAD_THREADS:-2}
connections=${LOAD_CONNECTIONS:-64}
latency_connections=${LOAD_LATENCY_CONNECTIONS:-1}
soak=${LOAD_SOAK:-0}
postgres_url=${LOAD_POSTGRES_URL:-}
only=${LOAD_ONLY:-}
before=${LOAD_BEFORE:-}
case $only in
  "" | endpoints | embedding | telemetry | data-plane | ledger | shipped) ;;
  *) echo "LOAD_ONLY must be empty, endpoints, embedding, telemetry, data-plane, ledger or shipped, not '$only'" >&2; exit 1 ;;
esac
# The ledger and shipped parts run only when asked for: they measure switches, not endpoints.
part() { [[ ( -z $only && $1 != ledger && $1 != shipped ) || $only == "$1" ]]; }
work=$(mktemp -d "${TMPDIR:-/tmp}/maas-load.XXXXXX")
pids=()
started_at=$(date -u '+%Y-%m-%d %H:%M UTC')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

pg_data=""
pg_bin=""
cleanup() {
  local pid
  if [[ -n $pg_data ]]; then
    as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -m immediate stop >/dev/null 2>&1 || true
  fi
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }

# as_postgres CMD... : runs a PostgreSQL binary, as the postgres user when this script is root
# (PostgreSQL refuses to run as root).
as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# --- tools -------------------------------------------------------------------------------
need_package() { # command package
  command -v "$1" >/dev/null 2>&1 && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing $2 (apt-get)..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }
  fi
  command -v "$1" >/dev/null 2>&1 || { say "run.sh needs '$1': sudo apt-get install -y $2"; exit 1; }
}
need_package wrk wrk
need_package curl curl
command -v dotnet >/dev/null 2>&1 || { say "run.sh needs the .NET SDK (dotnet) on PATH"; exit 1; }

# --- build -------------------------------------------------------------------------------
say "building samples/Maas.Api, samples/Maas.ModelSimulator and benchmarks/Maas.Load.Baseline (Release)..."
build() { # PROJECT OUT
  dotnet build "$root/$1" -c Release --nologo -v quiet -o "$work/$2" >"$work/build-$2.log" 2>&1 \
    || { cat "$work/build-$2.log" >&2; exit 1; }
}
build samples/Maas.Api/Maas.Api.csproj api
if part endpoints || part embedding || part telemetry || part data-plane; then
  build benchmarks/Maas.Load.Baseline/Maas.Load.Baseline.csproj baseline
fi
before_label=""
if part embedding && [[ -n $before ]]; then
  before_commit=$(git -C "$root" rev-parse --short "$before^{commit}" 2>/dev/null) \
    || { say "LOAD_BEFORE: '$before' is not a revision of $root"; exit 1; }
  before_label="before: $before_commit"
  say "building samples/Maas.Api at $before_commit (LOAD_BEFORE=$before)..."
  mkdir -p "$work/before-src"
  git -C "$root" archive "$before_commit" | tar -x -C "$work/before-src"
  dotnet build "$work/before-src/samples/Maas.Api/Maas.Api.csproj" -c Release --nologo -v quiet -o "$work/api-before" \
    >"$work/build-api-before.log" 2>&1 || { cat "$work/build-api-before.log" >&2; exit 1; }
fi
if part data-plane || part ledger || part shipped || [[ -n $before_label ]]; then
  build samples/Maas.ModelSimulator/Maas.ModelSimulator.csproj simulator
fi
# with_gateway DIR : whether the sample host built in DIR has the gateway (MapMaasGateway).
with_gateway() { [[ -f $1/Maas.Gateway.dll ]] && grep -q MapMaasGateway "$1/maas-api.dll" 2>/dev/null; }
has_gateway=""
if with_gateway "$work/api"; then
  has_gateway=yes
  if part data-plane; then
    need_package redis-server redis-server
  fi
fi

# --- servers -----------------------------------------------------------------------------
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  say "no free port found"; exit 1
}

# start NAME DLL ARGS... : starts a server on a free port and sets server_pid and server_port;
# server_port stays empty when it does not become healthy within 30 s (log: $work/NAME.log).
# The address is passed as --address 127.0.0.1:PORT, or as --urls http://127.0.0.1:PORT when
# the caller sets url_style=urls (the simulator is a plain ASP.NET Core host). A sample host gets
# its own free --metrics-port unless ARGS name one: several run at once.
server_pid=""
server_port=""
start() {
  local name=$1 dll=$2 port attempt
  shift 2
  server_port=""
  # A free port may be taken by another process before the server binds it: try again, twice.
  for attempt in 1 2 3; do
    port=$(free_port)
    local address=(--address "127.0.0.1:$port")
    [[ ${url_style:-} == urls ]] && address=(--urls "http://127.0.0.1:$port")
    if [[ $dll == */maas-api.dll && " $* " != *" --metrics-port "* ]]; then
      address+=(--metrics-port "$(free_port)")
    fi
    ASPNETCORE_ENVIRONMENT=Development \
      dotnet "$dll" "${address[@]}" "$@" >"$work/$name.log" 2>&1 &
    server_pid=$!
    pids+=("$server_pid")
    for _ in $(seq 1 150); do
      if ! kill -0 "$server_pid" 2>/dev/null; then
        break
      fi
      if curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null; then
        server_port=$port
        return 0
      fi
      sleep 0.2
    done
    stop "$server_pid"
    grep -qi 'address already in use' "$work/$name.log" || return 0
    say "  $name: port $port was taken meanwhile (attempt $attempt of 3)"
  done
}

stop() { # PID
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

rss_mib() { # PID
  awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"
}

# CPU time (user + system) of a process, in clock ticks.
cpu_ticks() { # PID
  awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
tick_hz=$(getconf CLK_TCK 2>/dev/null || echo 100)

identity=(-H 'X-MaaS-Username: load-user' -H 'X-MaaS-Group: ["system:authenticated","premium-group"]')

# new_key PORT / new_token PORT : a credential of load-user (premium) from the sample host on PORT.
new_key() {
  curl -fsS -X POST "${identity[@]}" ${identity_secret:+-H "X-MaaS-Gateway-Secret: $identity_secret"} -H 'Content-Type: application/json' \
    -d '{"name":"load","expiration":"1h"}' "http://127.0.0.1:$1/v1/api-keys" | sed -E 's/.*"token":"([^"]+)".*/\1/'
}
new_token() {
  curl -fsS -X POST "${identity[@]}" ${identity_secret:+-H "X-MaaS-Gateway-Secret: $identity_secret"} -H 'Content-Type: application/json' \
    -d '{"expiration":"1h"}' "http://127.0.0.1:$1/v1/tokens" | sed -E 's/.*"token":"([^"]+)".*/\1/'
}

# --- targets and pairs -------------------------------------------------------------------
# A target is one URL driven by one wrk script against one server process (whose CPU is counted);
# a pair is a row of the report: an endpoint target and its ceiling target.
declare -A t_url t_script t_pid t_auth t_basic t_credential t_connections
target() { # NAME PID URL SCRIPT [AUTHORIZATION [BASIC CREDENTIAL]]
  t_pid[$1]=$2 t_url[$1]=$3 t_script[$1]=$4 t_auth[$1]=${5:-} t_basic[$1]=${6:-} t_credential[$1]=${7:-}
}
# at_connections NAME N : a copy of target NAME driven by N connections (and as many wrk threads,
# at most $threads), named "NAME, N connection(s)"; sets copied_name to it.
copied_name=""
at_connections() {
  copied_name="$1, $2 connection$([[ $2 -eq 1 ]] || echo s)"
  target "$copied_name" "${t_pid[$1]}" "${t_url[$1]}" "${t_script[$1]}" "${t_auth[$1]}" "${t_basic[$1]}" "${t_credential[$1]}"
  t_connections[$copied_name]=$2
}
pair_section=() pair_endpoint=() pair_ceiling=() pair_note=()
pair() { # SECTION ENDPOINT CEILING [NOTE: set when the row is skipped]
  pair_section+=("$1") pair_endpoint+=("$2") pair_ceiling+=("$3") pair_note+=("${4:-}")
}

# Measurements, one line each: pair index|side (c: ceiling, e: endpoint)|round|rps|p50 µs|p99 µs|failed|requests|CPU µs per request
measurements="$work/measurements.txt"
: >"$measurements"

# wrk_run NAME SECONDS : drives a target; prints the "@@ ..." line of report.lua and the server's
# CPU µs per request, or nothing when wrk failed.
wrk_run() {
  local name=$1 seconds=$2 before after out line requests
  before=$(cpu_ticks "${t_pid[$name]}")
  out=$(cd "$here" && MAAS_LOAD_AUTHORIZATION=${t_auth[$name]} MAAS_LOAD_BASIC=${t_basic[$name]} \
    MAAS_LOAD_CREDENTIAL=${t_credential[$name]} \
    wrk -t"$(( ${t_connections[$name]:-$connections} < threads ? ${t_connections[$name]:-$connections} : threads ))" \
      -c"${t_connections[$name]:-$connections}" -d"${seconds}s" -s "${t_script[$name]}" "${t_url[$name]}" 2>&1) || true
  after=$(cpu_ticks "${t_pid[$name]}")
  line=$(grep '^@@' <<<"$out" || true)
  if [[ -z $line ]]; then
    say "wrk failed for $name:"; say "$out"
    return
  fi
  requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
  awk -v l="$line" -v a="$before" -v b="$after" -v n="$requests" -v hz="$tick_hz" \
    'BEGIN { printf "%s cpu_us=%.1f\n", l, (n > 0 ? (b - a) * 1e6 / hz / n : 0) }'
}

field() { sed -E "s/.*$1=([0-9.]+).*/\\1/" <<<"$2"; }

# run_pairs SECTION ROUNDS : warms every target of the section's pairs, then measures each pair
# ROUNDS times, ceiling then endpoint, one pair after the other.
run_pairs() {
  local section=$1 n=$2 i r side name line warmed=" "
  for i in "${!pair_section[@]}"; do
    [[ ${pair_section[$i]} == "$section" && -z ${pair_note[$i]} ]] || continue
    for name in "${pair_ceiling[$i]}" "${pair_endpoint[$i]}"; do
      [[ $warmed == *" $name "* ]] && continue
      wrk_run "$name" "$warmup" >/dev/null
      warmed+="$name "
    done
  done
  for r in $(seq 1 "$n"); do
    say "  round $r of $n"
    for i in "${!pair_section[@]}"; do
      [[ ${pair_section[$i]} == "$section" && -z ${pair_note[$i]} ]] || continue
      # Odd rounds measure the ceiling first, even rounds the endpoint first: no side always
      # follows the other.
      local order="c e"
      [[ $((r % 2)) -eq 0 ]] && order="e c"
      for side in $order; do
        if [[ $side == c ]]; then name=${pair_ceiling[$i]}; else name=${pair_endpoint[$i]}; fi
        line=$(wrk_run "$name" "$duration")
        if [[ -z $line ]]; then
          echo "$i|$side|$r|0|0|0|1|0|0" >>"$measurements"
          continue
        fi
        echo "$i|$side|$r|$(field rps "$line")|$(field p50_us "$line")|$(field p99_us "$line")|$(field failed "$line")|$(field requests "$line")|$(field cpu_us "$line")" >>"$measurements"
        printf '    %-44s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  %6.0f µs CPU/req\n' "$name" "$(field rps "$line")" \
          "$(awk -v v="$(field p50_us "$line")" 'BEGIN { print v / 1000 }')" "$(awk -v v="$(field p99_us "$line")" 'BEGIN { print v / 1000 }')" \
          "$(field cpu_us "$line")" >&2
      done
    done
  done
}

# soak NAME PID LABEL : drives a target for $soak seconds, sampling the server's RSS every 10 s.
soak_notes=()
soak_run() {
  local name=$1 pid=$2 label=$3 samples=() soak_pid
  say "soak: $label for ${soak}s, host memory (RSS) every 10 s:"
  (cd "$here" && MAAS_LOAD_AUTHORIZATION=${t_auth[$name]} wrk -t"$threads" -c"$connections" -d"${soak}s" \
    -s "${t_script[$name]}" "${t_url[$name]}" >"$work/soak-$pid.txt" 2>&1) &
  soak_pid=$!
  for _ in $(seq 0 10 "$soak"); do
    samples+=("$(rss_mib "$pid")")
    sleep 10
  done
  wait "$soak_pid" || true
  say "  RSS MiB: ${samples[*]}"
  soak_notes+=("Soak: $label for ${soak} s, host RSS (MiB) every 10 s: ${samples[*]}.")
}

# --- endpoints ---------------------------------------------------------------------------
# A gateway client for introspection, configured as its secret's hash (see the README).
client_secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export Maas__Gateway__Clients__0__ClientId=load
export Maas__Gateway__Clients__0__SecretHash="sha256:$(printf %s "$client_secret" | sha256sum | cut -d' ' -f1)"
basic=$(printf 'load:%s' "$client_secret" | base64 -w0)

# start_postgres : a throwaway, durable (fsync on) server on 127.0.0.1 in $work; sets postgres_url.
start_postgres() {
  local initdb port
  initdb=$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 || true)
  [[ -n $initdb && -x $initdb ]] || { say "no PostgreSQL server binaries (apt-get install postgresql): external mode skipped"; return 0; }
  pg_bin=$(dirname "$(readlink -f "$initdb")")
  if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
    say "no postgres user to run PostgreSQL as: external mode skipped"; pg_bin=""; return 0
  fi
  mkdir -p "$work/pg"
  [[ $(id -u) -eq 0 ]] && chown postgres "$work/pg" && chmod 755 "$work"
  port=$(free_port)
  as_postgres "$pg_bin/initdb" -D "$work/pg/data" -U maas --auth=trust >"$work/pg-init.log" 2>&1 \
    || { say "initdb failed: external mode skipped"; cat "$work/pg-init.log" >&2; pg_bin=""; return 0; }
  pg_data="$work/pg/data"
  as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -w -l "$work/pg/server.log" \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$work/pg -c fsync=on -c synchronous_commit=on" start >/dev/null \
    || { say "PostgreSQL did not start: external mode skipped"; cat "$work/pg/server.log" >&2; pg_data=""; return 0; }
  postgres_url="postgresql://maas@127.0.0.1:$port/postgres"
  say "started a throwaway PostgreSQL (fsync on) on 127.0.0.1:$port"
}

# The sample host as shipped (in-memory store): the endpoints part.
if part endpoints; then
  say "starting maas-api --storage in-memory (as shipped)..."
  start api-in-memory "$work/api/maas-api.dll" --storage in-memory
  mpid=$server_pid mport=$server_port
  [[ -n $mport ]] || { say "the sample host did not start:"; cat "$work/api-in-memory.log" >&2; exit 1; }
  target "POST /v1/tokens" "$mpid" "http://127.0.0.1:$mport/v1/tokens" tokens.lua
fi

if part endpoints; then
  say "starting the ceilings (benchmarks/Maas.Load.Baseline) and maas-api on disk and external storage..."
  start baseline "$work/baseline/Maas.Load.Baseline.dll"
  bpid=$server_pid bport=$server_port
  [[ -n $bport ]] || { say "the baseline server did not start:"; cat "$work/baseline.log" >&2; exit 1; }
  target "ceiling: fixed 201 JSON" "$bpid" "http://127.0.0.1:$bport/fixed" ceiling_fixed.lua
  target "ceiling: ES256 sign" "$bpid" "http://127.0.0.1:$bport/sign" ceiling_sign.lua
  target "ceiling: SHA-256 + lookup" "$bpid" "http://127.0.0.1:$bport/lookup" ceiling_lookup.lua

  base="http://127.0.0.1:$mport"
  target "POST /v1/api-keys (in-memory)" "$mpid" "$base/v1/api-keys" api_keys.lua
  target "GET /v1/models" "$mpid" "$base/v1/models" models.lua
  pair endpoints "POST /v1/tokens" "ceiling: ES256 sign"
  pair endpoints "POST /v1/api-keys (in-memory)" "ceiling: fixed 201 JSON"
  pair endpoints "GET /v1/models" "ceiling: fixed 201 JSON"

  # Introspection (present in builds that have it) of one real API key and one real token.
  key=$(new_key "$mport")
  token=$(new_token "$mport")
  status=$(curl -s -o "$work/introspect.json" -w '%{http_code}' -X POST -H "Authorization: Basic $basic" \
    --data-urlencode "token=$key" "$base/v1/introspect" || true)
  if [[ $status == 200 ]] && grep -q '"active":true' "$work/introspect.json"; then
    target "POST /v1/introspect (API key)" "$mpid" "$base/v1/introspect" introspect.lua "" "$basic" "$key"
    target "POST /v1/introspect (token)" "$mpid" "$base/v1/introspect" introspect.lua "" "$basic" "$token"
    pair endpoints "POST /v1/introspect (API key)" "ceiling: SHA-256 + lookup"
    pair endpoints "POST /v1/introspect (token)" "ceiling: SHA-256 + lookup"
  else
    pair endpoints "POST /v1/introspect (API key)" "ceiling: SHA-256 + lookup" "skipped: answered $status $(head -c 160 "$work/introspect.json" | tr '\n|' '  ')"
  fi

  mkdir -p "$work/disk"
  start api-disk "$work/api/maas-api.dll" --storage disk --data-path "$work/disk/maas-api.db"
  if [[ -n $server_port ]]; then
    target "POST /v1/api-keys (disk)" "$server_pid" "http://127.0.0.1:$server_port/v1/api-keys" api_keys.lua
    pair endpoints "POST /v1/api-keys (disk)" "ceiling: fixed 201 JSON"
  else
    pair endpoints "POST /v1/api-keys (disk)" "ceiling: fixed 201 JSON" "skipped: $(grep -m1 -i 'maas-api:' "$work/api-disk.log" || echo 'the host did not start')"
  fi

  [[ -n $postgres_url ]] || start_postgres
  if [[ -n $postgres_url ]]; then
    start api-external "$work/api/maas-api.dll" --storage external --db-connection-url "$postgres_url"
    if [[ -n $server_port ]]; then
      target "POST /v1/api-keys (external)" "$server_pid" "http://127.0.0.1:$server_port/v1/api-keys" api_keys.lua
      pair endpoints "POST /v1/api-keys (external)" "ceiling: fixed 201 JSON"
    else
      pair endpoints "POST /v1/api-keys (external)" "ceiling: fixed 201 JSON" "skipped: $(grep -m1 -i 'maas-api:' "$work/api-external.log" || echo 'the host did not start')"
    fi
  else
    pair endpoints "POST /v1/api-keys (external)" "ceiling: fixed 201 JSON" "skipped: no PostgreSQL (install postgresql or set LOAD_POSTGRES_URL)"
  fi

  say "endpoints against their ceilings: $rounds rounds of ${duration}s pairs after ${warmup}s warm-up per target, wrk -t$threads -c$connections:"
  run_pairs endpoints "$rounds"
  if [[ $soak -gt 0 ]]; then
    soak_run "POST /v1/tokens" "$mpid" "\`POST /v1/tokens\` (in-memory store)"
  fi
fi

# --- gateway hosts -----------------------------------------------------------------------
# The standalone zero-latency simulator and sample hosts forwarding one model to it through Maas's
# gateway: the data-plane part's rows and the embedding part's head-to-head with LOAD_BEFORE.
model_path="/llm/facebook-opt-125m-simulated"
# The gateways run as an operator runs them, in Production (the bare proxy's environment too: no
# developer exception page), with the data plane switched on and a gateway secret for the
# identity headers that mint the load's credentials.
gateway_secret="load-$(head -c 32 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | head -c 32)"
quiet=(Logging__LogLevel__Default=Warning OTEL_SDK_DISABLED=true)
gateway_settings=()
spid="" upstream=""
# start_simulator : starts the standalone simulator once; sets spid and upstream, and gateway_settings:
# the model at $model_path forwarded to it, the default tiers' names and groups with limits the run
# cannot reach (counted on every call, never refused), the in-process simulator off.
start_simulator() {
  local i tier_groups
  [[ -n $spid ]] && return 0
  url_style=urls start simulator "$work/simulator/Maas.ModelSimulator.dll"
  spid=$server_pid
  [[ -n $server_port ]] || { say "the simulator did not start:"; cat "$work/simulator.log" >&2; exit 1; }
  upstream="http://127.0.0.1:$server_port"
  gateway_settings=(
    Maas__DataPlane__Gateway=true Maas__DataPlane__Simulator=false
    Maas__Models__0__Id=facebook/opt-125m Maas__Models__0__Url=$model_path Maas__Models__0__Upstream=$upstream
  )
  tier_groups=("free:system:authenticated" "premium:premium-group" "enterprise:enterprise-group")
  for i in 0 1 2; do
    gateway_settings+=(
      "Maas__Tiers__${i}__Name=${tier_groups[$i]%%:*}" "Maas__Tiers__${i}__Level=$i" "Maas__Tiers__${i}__Groups__0=${tier_groups[$i]#*:}"
      "Maas__Tiers__${i}__Limits__Requests=2000000000" "Maas__Tiers__${i}__Limits__Window=1m"
      "Maas__Tiers__${i}__Limits__TokensPerMinute=1000000000000"
    )
  done
}

# start_gateway NAME DLL [SETTING=VALUE...] : starts the sample host DLL with the gateway settings (and
# the extra ones) in Production on a free port; sets gateway_pid, and gateway_port when it became
# healthy within 30 s (empty otherwise; log: $work/NAME.log). The host gets its own free
# --metrics-port, or 0 when the settings turn the OpenTelemetry SDK off.
gateway_pid="" gateway_port=""
start_gateway() {
  local name=$1 dll=$2 port metrics_port
  shift 2
  port=$(free_port)
  metrics_port=$(free_port)
  [[ " $* " == *" OTEL_SDK_DISABLED=true "* ]] && metrics_port=0
  env "${gateway_settings[@]}" "$@" ASPNETCORE_ENVIRONMENT=Production "Maas__Gateway__SharedSecret=$gateway_secret" \
    dotnet "$dll" --address "127.0.0.1:$port" --metrics-port "$metrics_port" --storage in-memory \
    >"$work/$name.log" 2>&1 &
  gateway_pid=$!
  gateway_port=""
  pids+=("$gateway_pid")
  for _ in $(seq 1 150); do
    kill -0 "$gateway_pid" 2>/dev/null || break
    curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null && break
    sleep 0.2
  done
  curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null && gateway_port=$port
  return 0
}

# gateway_credential KIND PORT : a premium user's API key (KIND key) or token from the gateway host on PORT.
gateway_credential() {
  if [[ $1 == key ]]; then identity_secret=$gateway_secret new_key "$2"; else identity_secret=$gateway_secret new_token "$2"; fi
}

# probe_chat NAME PORT CREDENTIAL : one chat call through the gateway on PORT; prints the status
# (answer and headers in $work/NAME-probe.txt and .headers).
probe_chat() {
  curl -s -o "$work/$1-probe.txt" -D "$work/$1-probe.headers" -w '%{http_code}' -H "Authorization: Bearer $3" \
    -H 'Content-Type: application/json' -d '{"model":"facebook/opt-125m","messages":[{"role":"user","content":"probe"}]}' \
    "http://127.0.0.1:$2$model_path/v1/chat/completions" || true
}

# gateway_target NAME DLL ROW SIDE [SETTING=VALUE...] : starts the sample host DLL as a gateway (start_gateway
# NAME), checks one chat call with a premium user's API key, and adds the target ROW for it; returns 1 with
# gateway_failure saying why (SIDE names the host in it) when the host did not start or the call failed.
gateway_failure=""
gateway_target() {
  local name=$1 dll=$2 row=$3 side=$4 credential status
  shift 4
  start_gateway "$name" "$dll" "$@"
  if [[ -z $gateway_port ]]; then
    gateway_failure=$(grep -m1 -i 'maas-api:' "$work/$name.log" || echo "the $side host did not start")
    return 1
  fi
  credential=$(gateway_credential key "$gateway_port")
  status=$(probe_chat "$name" "$gateway_port" "$credential")
  if [[ $status != 200 ]]; then
    gateway_failure="the $side gateway answered $status $(head -c 160 "$work/$name-probe.txt" | tr '\n|' '  ')"
    return 1
  fi
  target "$row" "$gateway_pid" "http://127.0.0.1:$gateway_port$model_path/v1/chat/completions" chat.lua "Bearer $credential"
}

# required_gateway_target NAME DLL ROW SIDE [SETTING=VALUE...] : gateway_target for a part that cannot run
# without it: on failure says why, prints the host's log and ends the run.
required_gateway_target() {
  gateway_target "$@" && return 0
  say "$gateway_failure (log: $work/$1.log)"
  cat "$work/$1.log" >&2
  exit 1
}

# --- embedding ---------------------------------------------------------------------------
# The Maas pipeline (authentication, binding, issuance or validation, the answer) without what the
# sample host adds around it: no request log line, no telemetry, no metrics port.
quiet_start() { # NAME DLL : a quiet in-memory sample host; sets server_pid and server_port
  Logging__LogLevel__Default=Warning OTEL_SDK_DISABLED=true start "$1" "$2" --storage in-memory --metrics-port 0
  [[ -n $server_port ]] || { say "$1 did not start:"; cat "$work/$1.log" >&2; exit 1; }
}
# embedding_rows LABEL PID PORT : the rows of one quiet host against the bare ceilings.
embedding_rows() {
  local label=$1 pid=$2 port=$3 key
  target "POST /v1/tokens ($label)" "$pid" "http://127.0.0.1:$port/v1/tokens" tokens.lua
  pair embedding "POST /v1/tokens ($label)" "ceiling: ES256 sign"
  key=$(new_key "$port")
  target "POST /v1/introspect (API key, $label)" "$pid" "http://127.0.0.1:$port/v1/introspect" introspect.lua "" "$basic" "$key"
  pair embedding "POST /v1/introspect (API key, $label)" "ceiling: SHA-256 + lookup"
}
# head_to_head_gateway : the gateway pair of the head-to-head (chat with an API key through this
# build's gateway against the LOAD_BEFORE build's), or a skipped row saying why.
head_to_head_gateway() {
  local row="chat: Maas gateway (API key, quiet host)" side label dir
  local before_row="$row"
  before_row="${row%)}, $before_label)"
  if [[ -z $has_gateway ]] || ! with_gateway "$work/api-before"; then
    pair embedding "$row" "$before_row" "skipped: no gateway in one of the builds"
    return
  fi
  start_simulator
  for side in new before; do
    if [[ $side == new ]]; then label=$row dir=api; else label=$before_row dir=api-before; fi
    gateway_target "gateway-quiet-$side" "$work/$dir/maas-api.dll" "$label" "$side" "${quiet[@]}" \
      || { pair embedding "$row" "$before_row" "skipped: $gateway_failure"; return; }
  done
  pair embedding "$row" "$before_row"
}
if part embedding; then
  if [[ -z ${bpid:-} ]]; then
    start baseline "$work/baseline/Maas.Load.Baseline.dll"
    bpid=$server_pid bport=$server_port
    [[ -n $bport ]] || { say "the baseline server did not start:"; cat "$work/baseline.log" >&2; exit 1; }
    target "ceiling: ES256 sign" "$bpid" "http://127.0.0.1:$bport/sign" ceiling_sign.lua
    target "ceiling: SHA-256 + lookup" "$bpid" "http://127.0.0.1:$bport/lookup" ceiling_lookup.lua
  fi
  say "starting maas-api quiet (no request log line, OTEL_SDK_DISABLED=true, --metrics-port 0)..."
  quiet_start api-quiet "$work/api/maas-api.dll"
  embedding_rows "quiet host" "$server_pid" "$server_port"
  qpid=$server_pid qport=$server_port
  if [[ -n $before_label ]]; then
    say "starting maas-api quiet at $before_commit..."
    quiet_start api-quiet-before "$work/api-before/maas-api.dll"
    embedding_rows "quiet host, $before_label" "$server_pid" "$server_port"
    # Head to head, the same run: each hot path of this build against the same on the LOAD_BEFORE
    # build (ratio new/old), in interleaved pairs as every row. The gateway pair is a chat call with
    # an API key through each build's gateway (quiet, in Production, in-memory counters) to the
    # standalone simulator, so both sides forward to the same upstream.
    pair embedding "POST /v1/tokens (quiet host)" "POST /v1/tokens (quiet host, $before_label)"
    pair embedding "POST /v1/introspect (API key, quiet host)" "POST /v1/introspect (API key, quiet host, $before_label)"
    head_to_head_gateway
  fi
  say "embedding: $rounds rounds of ${duration}s pairs after ${warmup}s warm-up per target:"
  run_pairs embedding "$rounds"
fi

# --- telemetry ---------------------------------------------------------------------------
# POST /v1/tokens on the host as shipped with OTLP export on (OTEL_EXPORTER_OTLP_ENDPOINT, over
# HTTP/protobuf, to the baseline's collector that discards what it receives: traces with the
# shipped sampler, metrics, and the log lines; metrics also into the Prometheus exporter on its
# metrics port) against the same build with the OpenTelemetry SDK off (the standard
# OTEL_SDK_DISABLED=true) and no metrics port. Both log a line per request, as shipped. Without an
# OTLP endpoint the host builds no spans at all, so the "on" side needs one to measure tracing.
if part telemetry; then
  say "starting an OTLP sink and maas-api --storage in-memory with OTLP export on..."
  start otlp-sink "$work/baseline/Maas.Load.Baseline.dll"
  [[ -n $server_port ]] || { say "the OTLP sink did not start:"; cat "$work/otlp-sink.log" >&2; exit 1; }
  OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$server_port" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
    start api-otlp "$work/api/maas-api.dll" --storage in-memory
  [[ -n $server_port ]] || { say "the sample host with OTLP export did not start:"; cat "$work/api-otlp.log" >&2; exit 1; }
  target "POST /v1/tokens, metrics and traces on" "$server_pid" "http://127.0.0.1:$server_port/v1/tokens" tokens.lua
  say "starting maas-api --storage in-memory with telemetry off (OTEL_SDK_DISABLED=true, --metrics-port 0)..."
  OTEL_SDK_DISABLED=true start api-no-telemetry "$work/api/maas-api.dll" --storage in-memory --metrics-port 0
  [[ -n $server_port ]] || { say "the sample host without telemetry did not start:"; cat "$work/api-no-telemetry.log" >&2; exit 1; }
  target "POST /v1/tokens, telemetry off" "$server_pid" "http://127.0.0.1:$server_port/v1/tokens" tokens.lua
  pair telemetry "POST /v1/tokens, metrics and traces on" "POST /v1/tokens, telemetry off"
  telemetry_rounds=$(( rounds > 5 ? rounds : 5 ))
  say "telemetry: $telemetry_rounds rounds of ${duration}s pairs after ${warmup}s warm-up per target:"
  run_pairs telemetry "$telemetry_rounds"
fi

# --- data plane --------------------------------------------------------------------------
# Chat completions (chat.lua: a 4-token prompt, max_tokens 16, not streamed) against the
# zero-latency simulator directly, through a bare YARP proxy (Maas.Load.Baseline --proxy-to: no
# authentication, no limits, no logging, no telemetry) and through Maas's gateway, at the same
# concurrency. Every server runs at once; wrk, the server measured and the simulator share the cores.
#
# Maas's gateway is the sample host forwarding the same model to the same simulator with limits
# the run cannot reach (counted on every call, never refused), set through configuration only
# (Maas__* variables): the default tiers' names and groups with 2,000,000,000 requests a minute and
# 10^12 tokens a minute each; the in-process simulator is off. Like the bare proxy, these hosts
# log no line per request and run no telemetry (Logging__LogLevel__Default=Warning,
# OTEL_SDK_DISABLED=true, --metrics-port 0) and run in Production, as the bare proxy does: the rows
# measure the gateway. One more row measures
# the host as shipped (a log line per request and metrics on; no OTLP endpoint, so no spans) to
# show what those cost.
if part data-plane; then
  say "starting the simulator, the bare proxy and the gateways..."
  start_simulator
  # The direct and bare-proxy rows send a credential as long as a Maas API key (75 characters),
  # which nothing checks.
  unchecked="Bearer sk-maas-$(head -c 128 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | head -c 67)"
  target "chat: simulator directly" "$spid" "$upstream/v1/chat/completions" chat.lua "$unchecked"
  start bare-proxy "$work/baseline/Maas.Load.Baseline.dll" --proxy-to "$upstream"
  [[ -n $server_port ]] || { say "the bare proxy did not start:"; cat "$work/bare-proxy.log" >&2; exit 1; }
  target "chat: bare YARP proxy" "$server_pid" "http://127.0.0.1:$server_port$model_path/v1/chat/completions" chat.lua "$unchecked"
  pair data-plane "chat: bare YARP proxy" "chat: simulator directly"

  # gateway NAME LABEL CREDENTIALS [SETTING=VALUE...] : starts the sample host with the gateway
  # settings (and the extra ones), checks one chat call, and adds a target and a pair against the
  # bare proxy for each credential kind in CREDENTIALS ("key", "key token"); sets gateway_pid, or
  # empties it when the host did not start.
  gateway() {
    local name=$1 label=$2 kinds=$3 port pid kind credential status
    shift 3
    start_gateway "$name" "$work/api/maas-api.dll" "$@"
    pid=$gateway_pid port=$gateway_port
    if [[ -z $port ]]; then
      gateway_pid=""
      pair data-plane "chat: Maas gateway ($label, API key)" "chat: bare YARP proxy" "skipped: $(grep -m1 -i 'maas-api:' "$work/$name.log" || echo 'the host did not start')"
      return
    fi
    for kind in $kinds; do
      credential=$(gateway_credential "$kind" "$port")
      status=$(probe_chat "$name" "$port" "$credential")
      local row="chat: Maas gateway ($label, $([[ $kind == key ]] && echo 'API key' || echo token))"
      if [[ $status != 200 ]]; then
        pair data-plane "$row" "chat: bare YARP proxy" "skipped: the gateway answered $status $(head -c 160 "$work/$name-probe.txt" | tr '\n|' '  ')"
        continue
      fi
      grep -qi '^ratelimit:' "$work/$name-probe.headers" || say "  note: the gateway's answer carries no RateLimit header: are the limits on?"
      target "$row" "$pid" "http://127.0.0.1:$port$model_path/v1/chat/completions" chat.lua "Bearer $credential"
      pair data-plane "$row" "chat: bare YARP proxy"
    done
  }

  if [[ -n $has_gateway ]]; then
    gateway gateway-in-memory in-memory "key token" "${quiet[@]}"
    gateway_in_memory_pid=${gateway_pid:-}
    redis_port=$(free_port)
    mkdir -p "$work/redis"
    redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work/redis" --save "" --appendonly no \
      >"$work/redis.log" 2>&1 &
    pids+=("$!")
    for _ in $(seq 1 50); do
      (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && break
      sleep 0.1
    done
    gateway gateway-redis Redis "key token" "${quiet[@]}" "Maas__Gateway__Limits__Redis=127.0.0.1:$redis_port"
    gateway gateway-as-shipped "in-memory, host as shipped: request log lines and metrics on" "key"
  else
    pair data-plane "chat: Maas gateway (in-memory, API key)" "chat: bare YARP proxy" "skipped: no gateway in this build of samples/Maas.Api"
  fi

  # Added latency, measured where it is the gateway's work and not a queue: the same pairs at
  # $latency_connections connection(s), far from saturating the cores (at $connections connections the
  # added p50 is mostly the throughput difference turned into queueing).
  for i in "${!pair_section[@]}"; do
    [[ ${pair_section[$i]} == data-plane && -z ${pair_note[$i]} && ${pair_endpoint[$i]} == "chat: Maas gateway ("*", "*")" \
      && ${pair_endpoint[$i]} != *"as shipped"* ]] || continue
    at_connections "${pair_endpoint[$i]}" "$latency_connections"
    endpoint_copy=$copied_name
    at_connections "${pair_ceiling[$i]}" "$latency_connections"
    pair data-plane "$endpoint_copy" "$copied_name"
  done
  say "data plane: $rounds rounds of ${duration}s pairs after ${warmup}s warm-up per target, wrk -t$threads -c$connections (latency rows: -c$latency_connections):"
  run_pairs data-plane "$rounds"
  if [[ $soak -gt 0 && -n ${gateway_in_memory_pid:-} ]]; then
    soak_run "chat: Maas gateway (in-memory, API key)" "$gateway_in_memory_pid" "chat through Maas's gateway (in-memory counters, API key)"
  fi
fi

# --- ledger ------------------------------------------------------------------------------
# The usage ledger's cost on the gateway's hot path: the same build, quiet, in memory, chat with an
# API key to the standalone simulator, with the ledger on (the default) against it off.
if part ledger; then
  if [[ -z $has_gateway ]]; then
    pair ledger "chat: Maas gateway (ledger on)" "chat: Maas gateway (ledger off)" "skipped: no gateway in this build of samples/Maas.Api"
  else
    start_simulator
    for side in on off; do
      ledger_setting=()
      [[ $side == off ]] && ledger_setting=(Maas__Gateway__Ledger__Enabled=false)
      required_gateway_target "gateway-ledger-$side" "$work/api/maas-api.dll" "chat: Maas gateway (ledger $side)" "ledger-$side" "${quiet[@]}" "${ledger_setting[@]}"
    done
    pair ledger "chat: Maas gateway (ledger on)" "chat: Maas gateway (ledger off)"
  fi
  say "ledger: $rounds rounds of ${duration}s pairs after ${warmup}s warm-up per target:"
  run_pairs ledger "$rounds"
fi

# --- shipped -----------------------------------------------------------------------------
# What the host as shipped adds to the gateway, split: its request log line and its metrics, each alone and
# both, against the same build quiet. The metrics hosts scrape nothing: the Prometheus exporter only
# aggregates until read, as on a host nobody scrapes yet.
if part shipped; then
  if [[ -z $has_gateway ]]; then
    pair shipped "chat: Maas gateway (as shipped)" "chat: Maas gateway (quiet)" "skipped: no gateway in this build of samples/Maas.Api"
  else
    start_simulator
    shipped_hosts=(
      "quiet|${quiet[*]}"
      "as shipped|"
      "request log line only|OTEL_SDK_DISABLED=true"
      "metrics only|Logging__LogLevel__Default=Warning"
    )
    for host in "${shipped_hosts[@]}"; do
      label=${host%%|*}
      read -r -a settings <<<"${host#*|}"
      required_gateway_target "gateway-${label// /-}" "$work/api/maas-api.dll" "chat: Maas gateway ($label)" "$label" "${settings[@]}"
      [[ $label == quiet ]] || pair shipped "chat: Maas gateway ($label)" "chat: Maas gateway (quiet)"
    done
  fi
  say "shipped: $rounds rounds of ${duration}s pairs after ${warmup}s warm-up per target:"
  run_pairs shipped "$rounds"
fi

# --- report ------------------------------------------------------------------------------
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# column_median PAIR SIDE FIELD : the median over the rounds of one measured field.
column_median() { awk -F'|' -v i="$1" -v s="$2" -v f="$3" '$1 == i && $2 == s { print $f }' "$measurements" | median; }
# per_round PAIR EXPRESSION : one value per round from that round's ceiling (c*) and endpoint (e*) fields.
per_round() {
  awk -F'|' -v i="$1" '$1 == i { rps[$2, $3] = $4; p50[$2, $3] = $5; p99[$2, $3] = $6; round[$3] = 1 }
    END { for (r in round) if (rps["c", r] > 0) {
      '"$2"' } }' "$measurements"
}
ms() { awk -v v="$1" 'BEGIN { if (v != "") printf "%.2f", v / 1000 }'; }
whole() { awk -v v="$1" 'BEGIN { if (v != "") printf "%.0f", v }'; }

table="$work/table.md"
chart="$work/chart.tsv"
# The head-to-head rows (this build against the LOAD_BEFORE build, same run), one "row: ratio" each.
head_to_head=()
: >"$table"
: >"$chart"
section_title() {
  case $1 in
    endpoints) echo "Endpoints against their ceilings (the sample host as shipped; the ceilings are bare endpoints of \`benchmarks/Maas.Load.Baseline\`)" ;;
    embedding) echo "The Maas pipeline on a quiet host (no request log line, no telemetry) against the same ceilings${before_label:+, beside the build at ${before_commit} and head to head with it (ceiling: the same row on ${before_commit}; ratio new/old)} (targets: tokens 0.90 or more of ES256 sign, key introspection 0.85 or more of the lookup)" ;;
    telemetry) echo "Telemetry: \`POST /v1/tokens\` with metrics and traces on (ceiling: the same build with them off; target 0.95 or more)" ;;
    ledger) echo "The usage ledger: the gateway (quiet, in memory, API key) with the ledger on against the same build with it off (target 0.97 or more)" ;;
    shipped) echo "What the host as shipped adds to the gateway (in memory, API key): the request log line and the metrics, alone and together, against the same build quiet" ;;
    data-plane) echo "Data plane: chat completions to the zero-latency simulator (targets: gateway in memory 0.85 or more of the bare proxy, on Redis 0.70 or more; p50 at most +0.2 ms and p99 at most +1 ms over it, read on the rows at $latency_connections connection(s), where the added latency is the gateway's own work, not a queue)" ;;
  esac
}
for section in endpoints embedding telemetry data-plane ledger shipped; do
  part "$section" || continue
  {
    echo
    echo "### $(section_title "$section")"
    echo
    echo "| endpoint | req/s | p50 ms | p99 ms | server CPU µs/req | ceiling | ceiling req/s | p50 ms | p99 ms | server CPU µs/req | ratio (median of pairs) | pair ratios | CPU ratio | note |"
    echo "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---:|---|"
  } >>"$table"
  for i in "${!pair_section[@]}"; do
    [[ ${pair_section[$i]} == "$section" ]] || continue
    name=${pair_endpoint[$i]} ceiling=${pair_ceiling[$i]} note=${pair_note[$i]}
    if [[ -n $note ]]; then
      echo "| $name |  |  |  |  | ${ceiling#ceiling: } |  |  |  |  |  |  |  | $note |" >>"$table"
      [[ -n $before_label && $ceiling == *"$before_label"* ]] && head_to_head+=("$name: $note")
      continue
    fi
    e_rps=$(column_median "$i" e 4) e_p50=$(column_median "$i" e 5) e_p99=$(column_median "$i" e 6) e_cpu=$(column_median "$i" e 9)
    c_rps=$(column_median "$i" c 4) c_p50=$(column_median "$i" c 5) c_p99=$(column_median "$i" c 6) c_cpu=$(column_median "$i" c 9)
    ratio=$(per_round "$i" 'print rps["e", r] / rps["c", r]' | median)
    cpu_ratio=$(awk -F'|' -v i="$i" '$1 == i { cpu[$2, $3] = $9; round[$3] = 1 }
      END { for (r in round) if (cpu["e", r] > 0) print cpu["c", r] / cpu["e", r] }' "$measurements" | median)
    ratios=$(per_round "$i" 'printf "%s %.2f\n", r, rps["e", r] / rps["c", r]' | sort -n | awk '{ printf "%s%s", (NR > 1 ? ", " : ""), $2 }')
    failed=$(awk -F'|' -v i="$i" '$1 == i { f += $7 } END { print f + 0 }' "$measurements")
    note=""
    if [[ $name == chat:* ]]; then
      added_p50=$(per_round "$i" 'print p50["e", r] - p50["c", r]' | median)
      added_p99=$(per_round "$i" 'print p99["e", r] - p99["c", r]' | median)
      note=$(awk -v a="$added_p50" -v b="$added_p99" 'BEGIN { printf "p50 %+.2f ms, p99 %+.2f ms over the ceiling (medians of the pairs)", a / 1000, b / 1000 }')
    fi
    [[ $failed -gt 0 ]] && note="${note:+$note; }$failed failed answers"
    echo "| $name | $(whole "$e_rps") | $(ms "$e_p50") | $(ms "$e_p99") | $(whole "$e_cpu") | ${ceiling#ceiling: } | $(whole "$c_rps") | $(ms "$c_p50") | $(ms "$c_p99") | $(whole "$c_cpu") | **$(awk -v v="$ratio" 'BEGIN { printf "%.2f", v }')** | $ratios | $(awk -v v="$cpu_ratio" 'BEGIN { if (v != "") printf "%.2f", v }') | $note |" >>"$table"
    printf '%s\t%.0f\t%.0f\t%s\n' "\"$name\"" "$e_rps" "$c_rps" "$ratio" >>"$chart"
    if [[ -n $before_label && $ceiling == *"$before_label"* && $name != *"$before_label"* ]]; then
      head_to_head+=("$name: **$(awk -v v="$ratio" 'BEGIN { printf "%.2f", v }')** (pair ratios $ratios)")
    fi
  done
done

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)
wrk_version=$( (wrk -v 2>&1 || true) | awk 'NR == 1 { print $2 }')
machine="$(nproc) cores ($cpu), .NET $(dotnet --version), $(uname -sr), wrk $wrk_version"
report="$here/results.md"
[[ -n $only ]] && report="$here/results-$only.md"
command_line="benchmarks/load/run.sh"
[[ -n $before ]] && command_line="LOAD_BEFORE=$before $command_line"
[[ -n $only ]] && command_line="LOAD_ONLY=$only $command_line"
{
  echo "# Load results"
  echo
  echo "Written by \`$command_line\`, started $started_at: $machine;"
  echo "\`wrk -t$threads -c$connections\`, client and servers on the same machine. Every server of a part runs at once;"
  echo "each row is measured in $rounds interleaved pairs (the telemetry row in at least 5): ceiling ${duration} s and endpoint ${duration} s back to"
  echo "back (odd rounds ceiling first, even rounds endpoint first), after ${warmup} s of warm-up per target. A row reports the"
  echo "median over its pairs of requests/s, p50, p99 and the server process's CPU time per request (user + system"
  echo "from /proc, less sensitive to other load than throughput), the median of the pair ratios (endpoint/ceiling"
  echo "requests/s) with each pair's ratio in round order, and the CPU ratio: the median of ceiling/endpoint CPU per"
  echo "request, what the throughput ratio would be if the server's CPU were the only limit."
  echo "Load average (1, 5, 15 min) at the start: $load_before; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "($(uptime | sed -E 's/^ *//'))."
  echo "Other work on the machine lowers every absolute number; the ratios of interleaved pairs are what to compare."
  cat "$table"
  if [[ ${#head_to_head[@]} -gt 0 ]]; then
    echo
    echo "Head to head with $before_commit (LOAD_BEFORE=$before), same run, new/old requests/s (median of the pair ratios):"
    echo
    printf -- '- %s\n' "${head_to_head[@]}"
  fi
  for note in "${soak_notes[@]}"; do
    echo
    echo "$note"
  done
  if part endpoints; then
    echo
    echo "![throughput per endpoint against its ceiling](throughput.png)"
  fi
} >"$report"
echo
sed -n '/^| /p' "$table" | grep -v '^|---' | column -t -s'|' >&2 || true
echo
if [[ ${#head_to_head[@]} -gt 0 ]]; then
  say "head to head with $before_commit (new/old requests/s, median of the pair ratios):"
  printf '  %s\n' "${head_to_head[@]//\*\*/}" >&2
  echo
fi
if ! part endpoints; then
  say "wrote $report"
  exit 0
fi
# --- chart -------------------------------------------------------------------------------
png="$here/throughput.png"
plot_matplotlib() { # python
  "$1" - "$chart" "$png" "$machine" <<'PY'
import sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
names = [r[0].strip('"') for r in rows][::-1]
rps = [float(r[1]) for r in rows][::-1]
ceiling = [float(r[2]) for r in rows][::-1]
ratio = [float(r[3]) for r in rows][::-1]
fig, ax = plt.subplots(figsize=(10, 0.9 * len(rows) + 1.5))
y = range(len(rows))
ax.barh([i + 0.2 for i in y], ceiling, height=0.4, color="#bbbbbb", label="ceiling (bare endpoint)")
ax.barh([i - 0.2 for i in y], rps, height=0.4, color="#1f77b4", label="Maas")
ax.set_yticks(list(y), names)
for i, (a, q) in enumerate(zip(rps, ratio)):
    ax.text(a, i - 0.2, f" {q:.2f}x", va="center", fontsize=8)
ax.set_xlabel("requests/s")
ax.set_title("Maas throughput against its ceiling\n" + sys.argv[3], fontsize=9)
ax.legend(loc="lower right")
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
PY
}
plot_gnuplot() {
  gnuplot <<GP
set terminal pngcairo size 1100,600 font "sans,10"
set output "$png"
set title "Maas throughput against its ceiling (interleaved pairs; labels: median of the pair ratios)\n{/*0.8 $machine}"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.9 border -1
set boxwidth 0.9
set ylabel "requests/s"
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set grid ytics
set xtics nomirror noenhanced font ",9" rotate by -20
set bmargin 7
set key outside top center horizontal
set datafile separator "\t"
plot "$chart" using 2:xtic(1) title "Maas" linecolor rgb "#1f77b4", \
     "" using 3 title "ceiling" linecolor rgb "#bbbbbb", \
     "" using (\$0 - 0.13):2:(sprintf("%.2fx", \$4)) with labels offset 0,0.8 font ",9" notitle
GP
}
plotted=""
for python in /usr/bin/python3 python3; do
  if command -v "$python" >/dev/null 2>&1 && "$python" -c 'import matplotlib' 2>/dev/null; then
    plot_matplotlib "$python" && plotted="matplotlib"
    break
  fi
done
if [[ -z $plotted ]]; then
  if ! command -v gnuplot >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing gnuplot-nox (apt-get) for the chart..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null 2>&1 || true
  fi
  if command -v gnuplot >/dev/null 2>&1; then
    plot_gnuplot && plotted="gnuplot"
  fi
fi
[[ -n $plotted ]] || say "no chart: install python3-matplotlib or gnuplot-nox (apt-get) and run again"

say "wrote $report${plotted:+ and $png ($plotted)}"
