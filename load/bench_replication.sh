#!/usr/bin/env bash
# Replication side by side, bazaar-engine and real redis-server in the same run (each server
# replicates to its own kind):
#   - full sync of N keys: seconds from the replica's start until master_link_status:up,
#     diskless (the 7.0 default, delay 0) and disk-based
#   - the primary's SET throughput (redis-benchmark, -c 50, unpipelined and -P 16) with 0, 1 and
#     2 replicas attached
# Usage: load/bench_replication.sh [--engine PATH] [--keys 1000000] [--requests 200000]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
ENGINE="${ENGINE:-$here/build/release/bin/bazaar-engine}"
KEYS=1000000
REQUESTS=200000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --engine) ENGINE="$2"; shift 2 ;;
    --keys) KEYS="$2"; shift 2 ;;
    --requests) REQUESTS="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
# shellcheck source=side_by_side.sh
source "$here/load/side_by_side.sh"
field() { redis-cli -p "$1" INFO "$2" | tr -d '\r' | awk -F: -v f="$3" '$1==f{print $2}'; }

start() {  # start KIND NAME ARGS... -> sets port
  local kind=$1 name=$2; shift 2
  port=$(free_port)
  mkdir -p "$work/$name"
  if [[ $kind == redis ]]; then
    redis-server --port "$port" --dir "$work/$name" --save "" --appendonly no "$@" >"$work/$name.log" 2>&1 &
  else
    "$ENGINE" --port "$port" --dir "$work/$name" --save "" "$@" >"$work/$name.log" 2>&1 &
  fi
  pids+=($!)
  for _ in $(seq 200); do redis-cli -p "$port" PING >/dev/null 2>&1 && return; sleep 0.05; done
  echo "$kind did not start" >&2; cat "$work/$name.log" >&2; exit 1
}

/usr/bin/python3 - "$KEYS" > "$work/keys.resp" <<'PY'
import sys
n, out = int(sys.argv[1]), sys.stdout.buffer
for i in range(n):
    k, v = b"key:%08d" % i, b"value:%08d" % i
    out.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
PY

sync_seconds() {  # sync_seconds KIND DISKLESS(yes|no)
  local kind=$1 diskless=$2 primary replica t0
  start "$kind" "p-$kind-$diskless" --repl-diskless-sync "$diskless" --repl-diskless-sync-delay 0
  primary=$port
  redis-cli -p "$primary" --pipe < "$work/keys.resp" >/dev/null
  t0=$(now_ms)
  start "$kind" "r-$kind-$diskless" --replicaof 127.0.0.1 "$primary"
  replica=$port
  until [[ "$(field "$replica" replication master_link_status)" == up ]]; do sleep 0.02; done
  echo "$(( $(now_ms) - t0 ))"
  [[ "$(field "$replica" keyspace db0 | cut -d, -f1)" == "keys=$KEYS" ]] || echo "replica of $kind holds the wrong key count" >&2
  redis-cli -p "$replica" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  redis-cli -p "$primary" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
}

echo "full sync of $KEYS keys (ms, replica start to link up)"
printf '%-10s %10s %10s %7s\n' mode redis engine ratio
for diskless in yes no; do
  r=$(sync_seconds redis $diskless); e=$(sync_seconds engine $diskless)
  printf '%-10s %10s %10s %7s\n' "diskless=$diskless" "$r" "$e" \
    "$(/usr/bin/python3 -c "print('%.2f' % ($e / $r))")"
done

throughput() {  # throughput PORT PIPELINE -> requests/s of SET
  redis-benchmark -p "$1" -t set -n "$REQUESTS" -c 50 -P "$2" -r 100000 -q 2>/dev/null |
    tr '\r' '\n' | awk '/^SET:/{print $2}' | tail -1
}

echo
echo "primary SET throughput (requests/s) with replicas attached"
printf '%-8s %-9s %12s %12s %7s\n' replicas pipeline redis engine ratio
declare -A prim
for kind in redis engine; do
  start "$kind" "tp-$kind" --repl-diskless-sync-delay 0
  prim[$kind]=$port
done
for replicas in 0 1 2; do
  if (( replicas > 0 )); then
    for kind in redis engine; do
      start "$kind" "tp-$kind-r$replicas" --replicaof 127.0.0.1 "${prim[$kind]}"
      until [[ "$(field "$port" replication master_link_status)" == up ]]; do sleep 0.05; done
    done
  fi
  for p in 1 16; do
    r=$(throughput "${prim[redis]}" "$p"); e=$(throughput "${prim[engine]}" "$p")
    printf '%-8s %-9s %12s %12s %7s\n' "$replicas" "$p" "$r" "$e" \
      "$(/usr/bin/python3 -c "print('%.2f' % ($e / $r))")"
  done
done
