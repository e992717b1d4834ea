#!/usr/bin/env bash
# Persistence side by side, bazaar-engine and real redis-server in the same run:
#   - BGSAVE of N keys: wall time until done, and latest_fork_usec
#   - startup load of that dump: time from start until PING answers PONG
#   - redis-benchmark SET throughput with appendonly yes, appendfsync always and everysec, both
#     servers running side by side in alternating rounds
# Usage: load/bench_persistence.sh [--engine PATH] [--keys 1000000] [--requests 100000] [--rounds 4]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
ENGINE="${ENGINE:-$here/build/release/bin/bazaar-engine}"
KEYS=1000000
REQUESTS=100000
ROUNDS=4
while [[ $# -gt 0 ]]; do
  case "$1" in
    --engine) ENGINE="$2"; shift 2 ;;
    --keys) KEYS="$2"; shift 2 ;;
    --requests) REQUESTS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
# shellcheck source=side_by_side.sh
source "$here/load/side_by_side.sh"

start() {  # start KIND DIR ARGS... -> sets port, pid
  local kind=$1 dir=$2; shift 2
  port=$(free_port)
  if [[ $kind == redis ]]; then
    redis-server --port "$port" --dir "$dir" "$@" >"$dir/log" 2>&1 &
  else
    "$ENGINE" --port "$port" --dir "$dir" "$@" >"$dir/log" 2>&1 &
  fi
  pid=$!; pids+=("$pid")
  until [[ "$(redis-cli -p "$port" PING 2>/dev/null)" == PONG ]]; do sleep 0.01; done
}
info() { redis-cli -p "$port" INFO "$1" | tr -d '\r' | awk -F: -v k="$2" '$1==k{print $2}'; }

/usr/bin/python3 - "$KEYS" > "$work/keys.resp" <<'PY'
import sys
out = sys.stdout.buffer
for i in range(int(sys.argv[1])):
    k = b"key:%08d" % i; v = b"value:%08d" % i
    out.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
PY

printf '%-7s %12s %16s %14s\n' server bgsave_ms latest_fork_usec load_ms
for kind in redis engine; do
  dir="$work/$kind"; mkdir -p "$dir"
  start "$kind" "$dir" --save "" --appendonly no
  redis-cli -p "$port" --pipe < "$work/keys.resp" >/dev/null
  t0=$(now_ms)
  redis-cli -p "$port" BGSAVE >/dev/null
  until [[ "$(info persistence rdb_bgsave_in_progress)" == 0 && -f "$dir/dump.rdb" ]]; do sleep 0.01; done
  bgsave_ms=$(( $(now_ms) - t0 ))
  fork_usec=$(info stats latest_fork_usec)
  redis-cli -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true; wait "$pid" 2>/dev/null || true
  t0=$(now_ms)
  start "$kind" "$dir" --save "" --appendonly no
  load_ms=$(( $(now_ms) - t0 ))
  redis-cli -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true; wait "$pid" 2>/dev/null || true
  printf '%-7s %12s %16s %14s\n' "$kind" "$bgsave_ms" "$fork_usec" "$load_ms"
done

# SET throughput with the AOF on: both servers up side by side, alternating rounds (which one
# goes first alternates), the mean of the rounds.
echo
printf '%-9s %12s %12s %7s   (SET req/s, -c 50, mean of %d alternating rounds)\n' \
  appendfsync redis engine ratio "$ROUNDS"
for policy in always everysec; do
  declare -A port_of=() sum=()
  for kind in redis engine; do
    adir="$work/$kind-$policy"; mkdir -p "$adir"
    start "$kind" "$adir" --save "" --appendonly yes --appendfsync "$policy"
    port_of[$kind]=$port; sum[$kind]=0
  done
  for round in $(seq "$ROUNDS"); do
    if (( round % 2 )); then order="redis engine"; else order="engine redis"; fi
    for kind in $order; do
      rate=$(redis-benchmark -p "${port_of[$kind]}" -t set -n "$REQUESTS" -c 50 -r 100000 -q \
        2>/dev/null | tr '\r' '\n' | awk '/requests per second/{print $2}' | tail -1)
      sum[$kind]=$(/usr/bin/python3 -c "print(${sum[$kind]} + $rate)")
    done
  done
  for kind in redis engine; do redis-cli -p "${port_of[$kind]}" SHUTDOWN NOSAVE >/dev/null 2>&1 || true; done
  /usr/bin/python3 -c "r, e = ${sum[redis]} / $ROUNDS, ${sum[engine]} / $ROUNDS; print('%-11s %12.0f %12.0f %6.2f' % ('$policy', r, e, e / r))"
done
