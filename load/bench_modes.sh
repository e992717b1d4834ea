#!/usr/bin/env bash
# The book's scenarios (1x1, 5x1, 5x5) in the three contention modes (book: WATCH market:, fine:
# WATCH per listing, script: one FCALL per call, no WATCH), each on a fresh store, printed as one
# table beside the book's WATCH figures ("Redis in Action", as quoted in load/report.cc). Over
# gRPC by default, --direct for the market logic in-process. Not part of ctest; a real comparison
# wants --duration 60s on a quiet machine.
#   load/bench_modes.sh [--bin build/release/bin] [--store redis|engine] [--direct]
#                       [--duration 10s] [--out DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$here/build/release/bin"; STORE=engine; PATHKIND=grpc; DURATION=10s; OUT=$(mktemp -d)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin) BIN="$2"; shift 2 ;;
    --store) STORE="$2"; shift 2 ;;
    --direct) PATHKIND=direct; shift ;;
    --duration) DURATION="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
start_store() {  # sets store_pid, store_port
  store_port=$(free_port); local dir; dir=$(mktemp -d -p "$OUT")
  if [[ $STORE == redis ]]; then
    redis-server --port "$store_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" >"$dir/log" 2>&1 &
  else
    "$BIN/bazaar-engine" --port "$store_port" --bind 127.0.0.1 --dir "$dir" >"$dir/log" 2>&1 &
  fi
  store_pid=$!; pids+=("$store_pid")
  for _ in $(seq 100); do redis-cli -p "$store_port" PING >/dev/null 2>&1 && return; sleep 0.05; done
  echo "store $STORE did not start" >&2; exit 1
}
for mode in book fine script; do
  start_store
  args=(--store="127.0.0.1:$store_port" --scenario=1x1,5x1,5x5 --duration="$DURATION"
        --progress=false --html="" --json_out="$OUT/$mode.json")
  if [[ $PATHKIND == grpc ]]; then
    mport=$(free_port)
    "$BIN/bazaar-market" --listen="127.0.0.1:$mport" --plaintext --store="127.0.0.1:$store_port" \
      --mode="$mode" --stats_interval=0 >"$OUT/$mode.market.log" 2>&1 &
    mpid=$!; pids+=("$mpid")
    for _ in $(seq 100); do grep -q "listening on" "$OUT/$mode.market.log" && break; sleep 0.05; done
    "$BIN/bazaar-load" --market="127.0.0.1:$mport" "${args[@]}" >"$OUT/$mode.txt"
    stop "$mpid"
  else
    "$BIN/bazaar-load" --direct --mode="$mode" "${args[@]}" >"$OUT/$mode.txt"
  fi
  stop "$store_pid"
done
/usr/bin/python3 - "$OUT" "$STORE" "$PATHKIND" "$DURATION" <<'PY'
import json, os, sys
out, store, path, duration = sys.argv[1:]
# "Redis in Action" WATCH figures, 60 s runs: listed, bought, purchase retries, avg wait
# (the same figures load/report.cc prints beside every run).
book = {"1x1": ("145,000", "27,000", "80,000", "n/a"),
        "5x1": ("331,000", "<200", "50,000", "150 ms"),
        "5x5": ("206,000", "<600", "161,000", "498 ms")}
runs = {}
for mode in ("book", "fine", "script"):
    for r in json.load(open(os.path.join(out, mode + ".json")))["runs"]:
        runs[(r["scenario"], mode)] = r
print(f"bazaar-load, {path} on {store}, {duration} per run; per 60 s: listed / bought / purchase "
      "retries, avg purchase ms, invariants")
hdr = f'{"scenario":8} {"source":22} {"listed/60s":>11} {"bought/60s":>11} {"retries/60s":>12} {"avg buy":>9} {"p99 buy":>9}  inv'
print(hdr); print("-" * len(hdr))
for sc in ("1x1", "5x1", "5x5"):
    l, b, t, w = book[sc]
    print(f'{sc:8} {"book: WATCH (60 s)":22} {l:>11} {b:>11} {t:>12} {w:>9} {"":>9}')
    for mode in ("book", "fine", "script"):
        r = runs.get((sc, mode))
        if not r: continue
        k = 60.0 / max(r["seconds"], 1e-9)
        p = r["ops"]["purchase"]["latency_ms"]
        retries = r["purchase_retries"]
        print(f'{"":8} {"ours: " + mode:22} {int(r["listed"] * k):>11,} {int(r["bought"] * k):>11,} '
              f'{(f"{int(retries * k):,}" if retries >= 0 else "?"):>12} {p["avg"]:>6.2f} ms {p["p99"]:>6.2f} ms'
              f'  {"OK" if r["invariants"].get("ok") else "FAIL"}')
print("book: fine-grained locks (Table 6.3): figures not quoted in this repository; see the book")
print(f"reports in {out}")
PY
