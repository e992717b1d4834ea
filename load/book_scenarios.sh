#!/usr/bin/env bash
# The book's scenarios (1x1, 5x1, 5x5) in both contention modes, over gRPC and --direct, against
# real redis-server and bazaar-engine, each combination on a fresh store. Prints one line per
# run (listed, bought, purchase retries, avg purchase ms, invariants) and leaves the full reports
# (text, JSON, HTML) in the output directory. Not part of ctest.
#   load/book_scenarios.sh [--bin build/release/bin] [--engine PATH] [--duration 10s] [--out DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$here/build/release/bin"; ENGINE=""; DURATION=10s; OUT=$(mktemp -d)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin) BIN="$2"; shift 2 ;;
    --engine) ENGINE="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
ENGINE="${ENGINE:-$BIN/bazaar-engine}"
mkdir -p "$OUT"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
start_store() {  # kind -> sets store_pid, store_port
  store_port=$(free_port); local dir; dir=$(mktemp -d -p "$OUT")
  if [[ $1 == redis ]]; then
    redis-server --port "$store_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" >"$dir/log" 2>&1 &
  else
    "$ENGINE" --port "$store_port" --bind 127.0.0.1 --dir "$dir" >"$dir/log" 2>&1 &
  fi
  store_pid=$!; pids+=("$store_pid")
  for _ in $(seq 100); do redis-cli -p "$store_port" PING >/dev/null 2>&1 && return; sleep 0.05; done
  echo "store $1 did not start" >&2; exit 1
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
summary() {  # json file -> one line per scenario
  /usr/bin/python3 - "$1" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["runs"]:
    p = r["ops"]["purchase"]
    print(f'{r["scenario"]:>4} listed {r["listed"]:>7} bought {r["bought"]:>6} '
          f'retries {r["purchase_retries"]:>6} aborted {r["aborted"]:>4} '
          f'avg buy {p["latency_ms"]["avg"]:7.2f} ms p99 {p["latency_ms"]["p99"]:7.2f} ms  '
          f'invariants {"OK" if r["invariants"].get("ok") else "FAIL"}')
PY
}
for store in redis engine; do
  for mode in fine book; do
    for path in grpc direct; do
      start_store "$store"
      name="$store-$mode-$path"
      args=(--store="127.0.0.1:$store_port" --scenario=all --duration="$DURATION" --progress=false
            --html="$OUT/$name.html" --json_out="$OUT/$name.json")
      if [[ $path == grpc ]]; then
        mport=$(free_port)
        "$BIN/bazaar-market" --listen="127.0.0.1:$mport" --plaintext --store="127.0.0.1:$store_port" \
          --mode="$mode" --stats_interval=0 >"$OUT/$name.market.log" 2>&1 &
        mpid=$!; pids+=("$mpid")
        for _ in $(seq 100); do grep -q "listening on" "$OUT/$name.market.log" && break; sleep 0.05; done
        "$BIN/bazaar-load" --market="127.0.0.1:$mport" "${args[@]}" >"$OUT/$name.txt" || true
        stop "$mpid"
      else
        "$BIN/bazaar-load" --direct --mode="$mode" "${args[@]}" >"$OUT/$name.txt" || true
      fi
      stop "$store_pid"
      echo "== $store, mode $mode, $path ($DURATION per scenario)"
      summary "$OUT/$name.json"
    done
  done
done
echo "reports in $OUT"
