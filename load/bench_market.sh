#!/usr/bin/env bash
# Side-by-side benchmark of the market: bazaar-load's 5x5 (or --scenario) against bazaar-market
# over gRPC and against the same logic in-process (--direct), on bazaar-engine and on a real
# redis-server, in both contention modes, all in one run. For each combination: calls/s,
# purchases/s, purchase p50/p99, and the CPU time per call of each process (utime+stime from
# /proc/<pid>/stat over the run for the store and the market; getrusage for bazaar-load). The last
# row, `floor`, is gRPC alone (bazaar-grpc-floor: a callback server answering at once, one call
# in flight per player): its "market us" is what any gRPC service pays per call here. The path
# `tls` is gRPC over TLS (a throwaway certificate made by openssl), for the cost of TLS beside
# the `grpc` row.
#
# Usage: load/bench_market.sh [--seconds S] [--scenario 5x5|economy] [--modes fine,book]
#                             [--paths grpc,tls,direct] [--stores engine,redis]
# Not part of ctest: numbers depend on the machine; compare rows of one run.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
bin="$here/build/release/bin"
SECONDS_PER_RUN=10
SCENARIO=5x5
MODES=fine,book
PATHS=grpc,direct
STORES=engine,redis
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
    --scenario) SCENARIO="$2"; shift 2 ;;
    --modes) MODES="$2"; shift 2 ;;
    --paths) PATHS="$2"; shift 2 ;;
    --stores) STORES="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
for b in bazaar-engine bazaar-market bazaar-load; do
  [[ -x "$bin/$b" ]] || { echo "bench_market: build first ($bin/$b missing)" >&2; exit 1; }
done
# shellcheck source=side_by_side.sh
source "$here/load/side_by_side.sh"
hz=$(getconf CLK_TCK)
if [[ ",$PATHS," == *,tls,* ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
fi
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
json_field() { /usr/bin/python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['runs'][0]; print(eval(sys.argv[2]))" "$@"; }

printf '%-7s %-5s %-7s %9s %11s %8s %8s %11s %11s %11s\n' store mode path calls/s purchases/s \
  "p50 ms" "p99 ms" "store us" "market us" "load us"
IFS=, read -r -a stores <<<"$STORES"
IFS=, read -r -a modes <<<"$MODES"
IFS=, read -r -a paths <<<"$PATHS"
for store in "${stores[@]}"; do
  for mode in "${modes[@]}"; do
    for path in "${paths[@]}"; do
      start_store "$store"
      args=(--store="127.0.0.1:$store_port" --scenario="$SCENARIO" --duration="${SECONDS_PER_RUN}s"
            --html= --progress=false --json_out="$work/run.json")
      # The economy in the market's one default currency (the market here has no --currencies).
      [[ "$SCENARIO" == economy* ]] && args+=(--second_currency= --currencies=gold)
      market_pid=""
      if [[ "$path" == grpc || "$path" == tls ]]; then
        MARKET_TRANSPORT=--plaintext
        if [[ "$path" == tls ]]; then
          MARKET_TRANSPORT="--tls_cert_file=$work/tls.crt --tls_key_file=$work/tls.key"
          args+=(--tls --tls_ca_file="$work/tls.crt")
        fi
        start_market "$mode"
        args+=(--market="127.0.0.1:$market_port")
      else
        args+=(--direct --mode="$mode")
      fi
      s0=$(ticks "$store_pid")
      m0=0; [[ -n "$market_pid" ]] && m0=$(ticks "$market_pid")
      load_cpu=$(/usr/bin/python3 -c '
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=False)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(r.ru_utime + r.ru_stime)' "$bin/bazaar-load" "${args[@]}")
      s1=$(ticks "$store_pid")
      m1=0; [[ -n "$market_pid" ]] && m1=$(ticks "$market_pid")
      calls=$(json_field "$work/run.json" "sum(o['calls'] for o in r['ops'].values())")
      cps=$(json_field "$work/run.json" "round(r['calls_per_second'])")
      pps=$(json_field "$work/run.json" "round(r['bought'] / r['seconds'])")
      p50=$(json_field "$work/run.json" "r['ops']['purchase']['latency_ms']['p50']")
      p99=$(json_field "$work/run.json" "r['ops']['purchase']['latency_ms']['p99']")
      per_call() { /usr/bin/python3 -c "print(f'{$1 * 1e6 / max(1, $calls):.1f}')"; }
      store_us=$(per_call "($s1 - $s0) / $hz")
      market_us="-"; [[ -n "$market_pid" ]] && market_us=$(per_call "($m1 - $m0) / $hz")
      load_us=$(per_call "$load_cpu")
      printf '%-7s %-5s %-7s %9s %11s %8s %8s %11s %11s %11s\n' "$store" "$mode" "$path" "$cps" \
        "$pps" "$p50" "$p99" "$store_us" "$market_us" "$load_us"
      [[ -n "$market_pid" ]] && { kill "$market_pid"; wait "$market_pid" 2>/dev/null || true; }
      kill "$store_pid"; wait "$store_pid" 2>/dev/null || true
    done
  done
done

# gRPC's own floor: the same callback server and stub with no market logic and no store, one
# call in flight per simulated player of the scenario.
if [[ -x "$bin/bazaar-grpc-floor" ]]; then
  shape=${SCENARIO#*@}
  [[ "$shape" == *x* ]] || shape=5x5  # a named scenario without @SxB: its default 5x5
  players=$(( ${shape%x*} + ${shape#*x} ))
  floor=$("$bin/bazaar-grpc-floor" --in_flight="$players" --seconds="$SECONDS_PER_RUN")
  read -r _ cps _ p50 _ p99 _ server_us _ client_us _ <<<"$floor"
  printf '%-7s %-5s %-7s %9s %11s %8s %8s %11s %11s %11s\n' - - floor "$cps" - "$p50" "$p99" - \
    "$server_us" "$client_us"
fi
