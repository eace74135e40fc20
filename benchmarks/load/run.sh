#!/usr/bin/env bash
# HTTP load for Maas: starts the sample host (samples/Maas.Api) and the bare ceilings
# (benchmarks/Maas.Load.Baseline) on 127.0.0.1, drives each endpoint with wrk for a bounded
# time, prints requests/s, p50, p99 and the ratio to the endpoint's ceiling, and writes
# benchmarks/load/results.md and benchmarks/load/throughput.png. See benchmarks/README.md.
#
# Environment (all optional):
#   LOAD_DURATION     measured seconds per endpoint (default 10)
#   LOAD_WARMUP       warm-up seconds per endpoint before measuring (default 8: tiered JIT and PGO settle)
#   LOAD_THREADS      wrk threads (default 2)
#   LOAD_CONNECTIONS  wrk connections (default 64)
#   LOAD_SOAK         if > 0, also run POST /v1/tokens for that many seconds sampling the
#                     host's memory every 10 s (the steady-memory target; default 0: skipped)
#   LOAD_POSTGRES_URL a postgresql:// URL of an empty, durable database for POST /v1/api-keys
#                     on --storage external (default: a throwaway server this script starts
#                     when the PostgreSQL server binaries are installed, fsync on; else skipped)
#   LOAD_ONLY         "data-plane": only the chat rows (simulator, bare YARP proxy, Maas's gateway),
#                     written to results-data-plane.md, no chart (default: everything, results.md)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${LOAD_DURATION:-10}
warmup=${LOAD_WARMUP:-8}
threads=${LOAD_THREADS:-2}
connections=${LOAD_CONNECTIONS:-64}
soak=${LOAD_SOAK:-0}
postgres_url=${LOAD_POSTGRES_URL:-}
only=${LOAD_ONLY:-}
[[ -z $only || $only == data-plane ]] || { echo "LOAD_ONLY must be empty or data-plane, not '$only'" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/maas-load.XXXXXX")
pids=()

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
dotnet build "$root/samples/Maas.Api/Maas.Api.csproj" -c Release --nologo -v quiet -o "$work/api" >"$work/build-api.log" 2>&1 \
  || { cat "$work/build-api.log" >&2; exit 1; }
dotnet build "$root/benchmarks/Maas.Load.Baseline/Maas.Load.Baseline.csproj" -c Release --nologo -v quiet -o "$work/baseline" >"$work/build-baseline.log" 2>&1 \
  || { cat "$work/build-baseline.log" >&2; exit 1; }
dotnet build "$root/samples/Maas.ModelSimulator/Maas.ModelSimulator.csproj" -c Release --nologo -v quiet -o "$work/simulator" >"$work/build-simulator.log" 2>&1 \
  || { cat "$work/build-simulator.log" >&2; exit 1; }

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
# the caller sets url_style=urls (the simulator is a plain ASP.NET Core host).
server_pid=""
server_port=""
start() {
  local name=$1 dll=$2 port
  shift 2
  port=$(free_port)
  server_port=""
  local address=(--address "127.0.0.1:$port")
  [[ ${url_style:-} == urls ]] && address=(--urls "http://127.0.0.1:$port")
  ASPNETCORE_ENVIRONMENT=Development \
    dotnet "$dll" "${address[@]}" "$@" >"$work/$name.log" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
  for _ in $(seq 1 150); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      return 0
    fi
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null; then
      server_port=$port
      return 0
    fi
    sleep 0.2
  done
  stop "$server_pid"
}

stop() { # PID
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

rss_mib() { # PID
  awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"
}

# --- measuring ---------------------------------------------------------------------------
# Results, one line each: name|ceiling name|rps|p50 ms|p99 ms|failed|note
results="$work/results.txt"
: >"$results"

# drive NAME CEILING URL SCRIPT : warms up, measures, appends a result line, echoes it.
drive() {
  local name=$1 ceiling=$2 url=$3 script=$4 out line rps p50 p99 failed requests note=""
  (cd "$here" && wrk -t"$threads" -c"$connections" -d"${warmup}s" -s "$script" "$url" >/dev/null 2>&1) || true
  out=$(cd "$here" && wrk -t"$threads" -c"$connections" -d"${duration}s" -s "$script" "$url" 2>&1) || true
  line=$(grep '^@@' <<<"$out" || true)
  if [[ -z $line ]]; then
    say "wrk failed for $name:"; say "$out"
    echo "$name|$ceiling|0|0|0|0|wrk failed" >>"$results"
    return
  fi
  rps=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line")
  p50=$(sed -E 's/.*p50_us=([0-9]+).*/\1/' <<<"$line" | awk '{ printf "%.2f", $1 / 1000 }')
  p99=$(sed -E 's/.*p99_us=([0-9]+).*/\1/' <<<"$line" | awk '{ printf "%.2f", $1 / 1000 }')
  requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
  failed=$(sed -E 's/.*failed=([0-9]+).*/\1/' <<<"$line")
  if [[ $failed -gt 0 ]]; then
    note="$failed of $requests requests failed"
  fi
  echo "$name|$ceiling|$rps|$p50|$p99|$failed|$note" >>"$results"
  printf '  %-34s %10.0f req/s  p50 %6s ms  p99 %6s ms %s\n' "$name" "$rps" "$p50" "$p99" "$note" >&2
}

skip() { # NAME CEILING NOTE
  echo "$1|$2|||||$3" >>"$results"
  say "  $1: skipped ($3)"
}

identity=(-H 'X-MaaS-Username: load-user' -H 'X-MaaS-Group: ["system:authenticated","premium-group"]')

# A gateway client for introspection, configured as its secret's hash (see the README).
client_secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export Maas__Gateway__Clients__0__ClientId=load
export Maas__Gateway__Clients__0__SecretHash="sha256:$(printf %s "$client_secret" | sha256sum | cut -d' ' -f1)"
basic=$(printf 'load:%s' "$client_secret" | base64 -w0)

if [[ $only != data-plane ]]; then
  say "ceilings (benchmarks/Maas.Load.Baseline), ${duration}s each after ${warmup}s warm-up, wrk -t$threads -c$connections:"
  start baseline "$work/baseline/Maas.Load.Baseline.dll"
  bpid=$server_pid bport=$server_port
  [[ -n $bport ]] || { say "the baseline server did not start:"; cat "$work/baseline.log" >&2; exit 1; }
  drive "ceiling: fixed 201 JSON" "" "http://127.0.0.1:$bport/fixed" ceiling_fixed.lua
  drive "ceiling: ES256 sign" "" "http://127.0.0.1:$bport/sign" ceiling_sign.lua
  drive "ceiling: SHA-256 + lookup" "" "http://127.0.0.1:$bport/lookup" ceiling_lookup.lua
  stop "$bpid"

  say "maas-api --storage in-memory:"
  start api-in-memory "$work/api/maas-api.dll" --storage in-memory
  mpid=$server_pid mport=$server_port
  [[ -n $mport ]] || { say "the sample host did not start:"; cat "$work/api-in-memory.log" >&2; exit 1; }
  base="http://127.0.0.1:$mport"
  drive "POST /v1/tokens" "ceiling: ES256 sign" "$base/v1/tokens" tokens.lua
  drive "POST /v1/api-keys (in-memory)" "ceiling: fixed 201 JSON" "$base/v1/api-keys" api_keys.lua
  drive "GET /v1/models" "ceiling: fixed 201 JSON" "$base/v1/models" models.lua

  # Introspection (present in builds that have it) of one real API key and one real token.
  key=$(curl -fsS -X POST "${identity[@]}" -H 'Content-Type: application/json' \
    -d '{"name":"introspection load","expiration":"1h"}' "$base/v1/api-keys" | sed -E 's/.*"token":"([^"]+)".*/\1/')
  token=$(curl -fsS -X POST "${identity[@]}" -H 'Content-Type: application/json' \
    -d '{"expiration":"1h"}' "$base/v1/tokens" | sed -E 's/.*"token":"([^"]+)".*/\1/')
  status=$(curl -s -o "$work/introspect.json" -w '%{http_code}' -X POST -H "Authorization: Basic $basic" \
    --data-urlencode "token=$key" "$base/v1/introspect" || true)
  if [[ $status == 200 ]] && grep -q '"active":true' "$work/introspect.json"; then
    MAAS_LOAD_BASIC=$basic MAAS_LOAD_CREDENTIAL=$key \
      drive "POST /v1/introspect (API key)" "ceiling: SHA-256 + lookup" "$base/v1/introspect" introspect.lua
    MAAS_LOAD_BASIC=$basic MAAS_LOAD_CREDENTIAL=$token \
      drive "POST /v1/introspect (token)" "ceiling: SHA-256 + lookup" "$base/v1/introspect" introspect.lua
  elif [[ $status == 404 ]]; then
    skip "POST /v1/introspect (API key)" "ceiling: SHA-256 + lookup" "not in this build (404)"
  else
    skip "POST /v1/introspect (API key)" "ceiling: SHA-256 + lookup" "answered $status $(head -c 200 "$work/introspect.json")"
  fi

  if [[ $soak -gt 0 ]]; then
    say "soak: POST /v1/tokens for ${soak}s, host memory (RSS) every 10 s:"
    (cd "$here" && wrk -t"$threads" -c"$connections" -d"${soak}s" -s tokens.lua "$base/v1/tokens" >"$work/soak.txt" 2>&1) &
    soak_pid=$!
    samples=()
    for _ in $(seq 0 10 "$soak"); do
      samples+=("$(rss_mib "$mpid")")
      sleep 10
    done
    wait "$soak_pid" || true
    echo "${samples[*]}" >"$work/soak-rss.txt"
    say "  RSS MiB: ${samples[*]}"
  fi
  stop "$mpid"

  datapath="$work/disk/maas-api.db"
  mkdir -p "$work/disk"
  say "maas-api --storage disk:"
  start api-disk "$work/api/maas-api.dll" --storage disk --data-path "$datapath"
  dpid=$server_pid dport=$server_port
  if [[ -n $dport ]]; then
    drive "POST /v1/api-keys (disk)" "ceiling: fixed 201 JSON" "http://127.0.0.1:$dport/v1/api-keys" api_keys.lua
    stop "$dpid"
  else
    skip "POST /v1/api-keys (disk)" "ceiling: fixed 201 JSON" "$(grep -m1 -i 'maas-api:' "$work/api-disk.log" || echo 'the host did not start')"
  fi

  # as_postgres CMD... : runs a PostgreSQL binary, as the postgres user when this script is root
  # (PostgreSQL refuses to run as root).
  as_postgres() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
  }

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
  [[ -n $postgres_url ]] || start_postgres

  if [[ -n $postgres_url ]]; then
    say "maas-api --storage external:"
    start api-external "$work/api/maas-api.dll" --storage external --db-connection-url "$postgres_url"
    epid=$server_pid eport=$server_port
    if [[ -n $eport ]]; then
      drive "POST /v1/api-keys (external)" "ceiling: fixed 201 JSON" "http://127.0.0.1:$eport/v1/api-keys" api_keys.lua
      stop "$epid"
    else
      skip "POST /v1/api-keys (external)" "ceiling: fixed 201 JSON" "$(grep -m1 -i 'maas-api:' "$work/api-external.log" || echo 'the host did not start')"
    fi
  else
    skip "POST /v1/api-keys (external)" "ceiling: fixed 201 JSON" "no PostgreSQL: install postgresql or set LOAD_POSTGRES_URL"
  fi
fi

# --- data plane --------------------------------------------------------------------------
# Chat completions (chat.lua: a 4-token prompt, max_tokens 16, not streamed) against the
# zero-latency simulator directly, through a bare YARP proxy (Maas.Load.Baseline --proxy-to), and
# through Maas's gateway, at the same concurrency. The simulator and the proxy run together, so
# these rows share the two cores three ways (wrk, proxy, simulator).
say "data plane: chat completions to the zero-latency simulator (samples/Maas.ModelSimulator):"
url_style=urls start simulator "$work/simulator/Maas.ModelSimulator.dll"
spid=$server_pid sport=$server_port
[[ -n $sport ]] || { say "the simulator did not start:"; cat "$work/simulator.log" >&2; exit 1; }
upstream="http://127.0.0.1:$sport"
model_path="/llm/facebook-opt-125m-simulated"
# The direct and bare-proxy rows send a credential as long as a Maas API key, which nothing checks.
unchecked="Bearer sk-maas-$(head -c 64 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | head -c 50)"
MAAS_LOAD_AUTHORIZATION=$unchecked drive "chat: simulator directly" "" "$upstream/v1/chat/completions" chat.lua
start bare-proxy "$work/baseline/Maas.Load.Baseline.dll" --proxy-to "$upstream"
proxy_pid=$server_pid pport=$server_port
[[ -n $pport ]] || { say "the bare proxy did not start:"; cat "$work/bare-proxy.log" >&2; exit 1; }
MAAS_LOAD_AUTHORIZATION=$unchecked \
  drive "chat: bare YARP proxy" "chat: simulator directly" "http://127.0.0.1:$pport$model_path/v1/chat/completions" chat.lua
stop "$proxy_pid"
stop "$spid"

# --- report ------------------------------------------------------------------------------
rps_of() { awk -F'|' -v n="$1" '$1 == n { print $3 }' "$results"; }
p50_of() { awk -F'|' -v n="$1" '$1 == n { print $4 }' "$results"; }
p99_of() { awk -F'|' -v n="$1" '$1 == n { print $5 }' "$results"; }

table="$work/table.md"
chart="$work/chart.tsv"
{
  echo "| endpoint | requests/s | p50 (ms) | p99 (ms) | ceiling | ratio to ceiling | note |"
  echo "|---|---:|---:|---:|---|---:|---|"
} >"$table"
: >"$chart"
while IFS='|' read -r name ceiling rps p50 p99 failed note; do
  ratio=""
  ceiling_rps=""
  if [[ -n $ceiling && -n $rps ]]; then
    ceiling_rps=$(rps_of "$ceiling")
    ratio=$(awk -v a="$rps" -v b="$ceiling_rps" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
    if [[ $name == chat:* && -z $note ]]; then
      # The data plane's targets are latency added over the floor at the same concurrency.
      note=$(awk -v a="$p50" -v b="$(p50_of "$ceiling")" -v c="$p99" -v d="$(p99_of "$ceiling")" \
        'BEGIN { printf "p50 %+.2f ms, p99 %+.2f ms over the ceiling", a - b, c - d }')
    fi
  fi
  rps_text=""
  [[ -n $rps ]] && rps_text=$(printf '%.0f' "$rps")
  echo "| $name | $rps_text | $p50 | $p99 | ${ceiling#ceiling: } | $ratio | $note |" >>"$table"
  if [[ -n $rps && -n $ceiling ]]; then
    printf '"%s"\t%.0f\t%.0f\n' "$name" "$rps" "$ceiling_rps" >>"$chart"
  fi
done <"$results"

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)
wrk_version=$( (wrk -v 2>&1 || true) | awk 'NR == 1 { print $2 }')
machine="$(nproc) cores ($cpu), .NET $(dotnet --version), $(uname -sr), wrk $wrk_version"
report="$here/results.md"
[[ $only == data-plane ]] && report="$here/results-data-plane.md"
{
  echo "# Load results"
  echo
  echo "Written by \`benchmarks/load/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'): ${duration} s per endpoint after a ${warmup} s"
  echo "warm-up, \`wrk -t$threads -c$connections\`, client and servers on the same machine: $machine."
  echo "Each server runs alone while it is measured (the data-plane rows: the simulator with the proxy or"
  echo "gateway in front of it); the ratio compares an endpoint with the bare ceiling measured in the same run."
  echo
  cat "$table"
  if [[ -f $work/soak-rss.txt ]]; then
    echo
    echo "Soak: \`POST /v1/tokens\` for ${soak} s, host RSS (MiB) every 10 s: $(cat "$work/soak-rss.txt")."
  fi
  if [[ $only != data-plane ]]; then
    echo
    echo "![throughput per endpoint against its ceiling](throughput.png)"
  fi
} >"$report"
if [[ $only == data-plane ]]; then
  echo
  column -t -s'|' < <(sed -e '2d' -e 's/^| //' -e 's/ |$//' -e 's/ | /|/g' "$table")
  echo
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
fig, ax = plt.subplots(figsize=(10, 0.9 * len(rows) + 1.5))
y = range(len(rows))
ax.barh([i + 0.2 for i in y], ceiling, height=0.4, color="#bbbbbb", label="ceiling (bare endpoint)")
ax.barh([i - 0.2 for i in y], rps, height=0.4, color="#1f77b4", label="Maas")
ax.set_yticks(list(y), names)
for i, (a, b) in enumerate(zip(rps, ceiling)):
    ax.text(a, i - 0.2, f" {a / b:.2f}x", va="center", fontsize=8)
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
set title "Maas throughput against its ceiling (bare ASP.NET endpoint, same run)\n{/*0.8 $machine}"
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
     "" using (\$0 - 0.13):2:(sprintf("%.2fx", \$2 / \$3)) with labels offset 0,0.8 font ",9" notitle
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

echo
column -t -s'|' < <(sed -e '2d' -e 's/^| //' -e 's/ |$//' -e 's/ | /|/g' "$table")
echo
say "wrote $here/results.md${plotted:+ and $png ($plotted)}"
