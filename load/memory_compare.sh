#!/usr/bin/env bash
# Memory side by side: loads the same data into bazaar-engine and a real redis-server (each fresh,
# persistence off) and compares INFO memory's used_memory growth per dataset:
#   strings  1M string keys (key:NNNNNNNN -> value:NNNNNNNN)
#   hashes   1M fields in 10k hashes (100 fields each)
#   sets     1M members in one set
#   zsets    1M members in one sorted set
#   lists    1M elements in one list (RPUSH of 100 at a time)
#   intsets  1M members in 100k sets of 10 integers each (Redis's intset encoding)
#   smallzsets 1M members in 100k sorted sets of 10 each (Redis's listpack encoding)
# Each row also gives the growth of used_memory_rss (what the process holds from the OS).
# Usage: load/memory_compare.sh [--engine PATH] [--n 1000000]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
ENGINE="${ENGINE:-$here/build/release/bin/bazaar-engine}"
N=1000000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --engine) ENGINE="$2"; shift 2 ;;
    --n) N="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
# shellcheck source=side_by_side.sh
source "$here/load/side_by_side.sh"

gen() {  # gen KIND -> RESP on stdout
  PYTHONPATH="$here/load" /usr/bin/python3 - "$1" "$N" <<'PY'
import sys
kind, n = sys.argv[1], int(sys.argv[2])
from resp_pipe import cmd
for i in range(n):
    if kind == "strings": cmd("SET", "key:%08d" % i, "value:%08d" % i)
    elif kind == "hashes": cmd("HSET", "hash:%05d" % (i // 100), "field:%03d" % (i % 100), "value:%08d" % i)
    elif kind == "sets": cmd("SADD", "set", "member:%08d" % i)
    elif kind == "zsets": cmd("ZADD", "zset", str(i * 0.5), "member:%08d" % i)
    elif kind == "intsets": cmd("SADD", "iset:%06d" % (i // 10), str(i * 7 % 100000))
    elif kind == "smallzsets": cmd("ZADD", "sz:%06d" % (i // 10), str(i % 10), "m%d" % (i % 10))
    elif kind == "lists" and i % 100 == 0:
        cmd("RPUSH", "list", *("value:%08d" % j for j in range(i, min(i + 100, n))))
PY
}

used() { redis-cli -p "$1" INFO memory | tr -d '\r' | awk -F: '/^used_memory:/{print $2}'; }
rss() { redis-cli -p "$1" INFO memory | tr -d '\r' | awk -F: '/^used_memory_rss:/{print $2}'; }

printf '%-10s %14s %14s %7s %14s %14s %7s\n' dataset redis_bytes engine_bytes ratio redis_rss engine_rss ratio
for kind in strings hashes sets zsets lists intsets smallzsets; do
  gen "$kind" > "$work/$kind.resp"
  declare -A grew=() grew_rss=()
  for server in redis engine; do
    port=$(free_port)
    if [[ $server == redis ]]; then
      redis-server --port "$port" --save "" --appendonly no --dir "$work" >/dev/null 2>&1 &
    else
      "$ENGINE" --port "$port" --save "" --dir "$work" >/dev/null 2>&1 &
    fi
    pid=$!; pids+=("$pid")
    for _ in $(seq 100); do redis-cli -p "$port" PING >/dev/null 2>&1 && break; sleep 0.05; done
    before=$(used "$port"); before_rss=$(rss "$port")
    redis-cli -p "$port" --pipe < "$work/$kind.resp" >/dev/null
    after=$(used "$port"); after_rss=$(rss "$port")
    grew[$server]=$((after - before)); grew_rss[$server]=$((after_rss - before_rss))
    redis-cli -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
    wait "$pid" 2>/dev/null || true
  done
  ratio_of() { python3 -c "print('%.2f' % ($1 / $2) if $2 else 'n/a')"; }  # n/a: no growth
  ratio=$(ratio_of "${grew[engine]}" "${grew[redis]}")
  ratio_rss=$(ratio_of "${grew_rss[engine]}" "${grew_rss[redis]}")
  printf '%-10s %14d %14d %7s %14d %14d %7s\n' "$kind" "${grew[redis]}" "${grew[engine]}" "$ratio" \
    "${grew_rss[redis]}" "${grew_rss[engine]}" "$ratio_rss"
  rm -f "$work/$kind.resp"
done
