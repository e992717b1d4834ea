#!/usr/bin/env bash
# Side by side: the command families of bitmaps, HyperLogLog, geo and SORT on bazaar-engine and a
# real redis-server, same data, same redis-benchmark runs, in the same session (the servers take
# turns, order alternating per round). Prints ops/s for each server, the ratio engine/redis, and
# each server's CPU time per operation (utime+stime from /proc/<pid>/stat over the run).
#   setbit    SETBIT at 1M random offsets of a 100 MB bitmap (through redis-cli --pipe)
#   bitcount  BITCOUNT over the whole 100 MB bitmap
#   pfadd     PFADD of 10M random elements into one key (pipelined 64)
#   pfcount   PFCOUNT over 10 keys of 100k elements each (merged on every call, as in Redis)
#   geosearch GEOSEARCH BYRADIUS 20 km ASC among 1M points spread over 20x20 degrees
#   sort_by   SORT of a 100k-element list BY weight keys, LIMIT 0 10
#   sort      SORT of the same list by value
# Usage: load/bench_families.sh [--engine PATH] [--scale F] [--rounds N]
#   --scale F multiplies every operation count (default 1; 0.1 for a quick look)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
ENGINE="${ENGINE:-$here/build/release/bin/bazaar-engine}"
SCALE=1
ROUNDS=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --engine) ENGINE="$2"; shift 2 ;;
    --scale) SCALE="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
# shellcheck source=side_by_side.sh
source "$here/load/side_by_side.sh"
CLK_TCK="$(getconf CLK_TCK)"

count() { awk -v n="$1" -v s="$SCALE" 'BEGIN { v = int(n * s); print (v < 1 ? 1 : v) }'; }

# The fill data (1M geo points, a 100k list with its weight keys), as RESP for redis-cli --pipe.
PYTHONPATH="$here/load" /usr/bin/python3 - "$(count 1000000)" "$(count 100000)" >"$work/fill.resp" <<'PY'
import random, sys
points, items = int(sys.argv[1]), int(sys.argv[2])
from resp_pipe import cmd
rng = random.Random(42)
for i in range(0, points, 100):
    args = ["GEOADD", "pts"]
    for j in range(i, min(i + 100, points)):
        args += ["%.6f" % rng.uniform(-10, 10), "%.6f" % rng.uniform(-10, 10), "p%d" % j]
    cmd(*args)
# SORT ... BY w_* reads w_<element>: the elements are 0..items-1 shuffled, each with a weight.
values = list(range(items))
rng.shuffle(values)
for i in range(0, items, 100):
    cmd("RPUSH", "big", *(str(v) for v in values[i:i + 100]))
for i in range(items):
    cmd("SET", "w_%d" % i, str(rng.randrange(10**6)))
PY
# SETBIT offsets must be plain integers (redis-benchmark's __rand_int__ is zero-padded).
PYTHONPATH="$here/load" /usr/bin/python3 - "$(count 1000000)" >"$work/setbit.resp" <<'PY'
import random, sys
from resp_pipe import cmd
rng = random.Random(1)
for _ in range(int(sys.argv[1])):
    cmd("SETBIT", "bm", str(rng.randrange(100 * 1024 * 1024 * 8)), "1")
PY

cpu_ticks() {  # pid -> utime+stime in clock ticks (fields 14 and 15 of /proc/pid/stat)
  local stat
  stat="$(cat "/proc/$1/stat")"
  stat="${stat##*) }"
  # shellcheck disable=SC2086
  set -- $stat
  echo $(( ${12} + ${13} ))
}

declare -A port_of pid_of
start_server() {  # name
  local port pid
  port=$(free_port)
  mkdir -p "$work/$1"
  if [[ $1 == redis ]]; then
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work/$1" \
      >"$work/$1.log" 2>&1 &
  else
    "$ENGINE" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work/$1" \
      >"$work/$1.log" 2>&1 &
  fi
  pid=$!; pids+=("$pid")
  for _ in $(seq 200); do redis-cli -p "$port" PING >/dev/null 2>&1 && break; sleep 0.05; done
  port_of[$1]=$port; pid_of[$1]=$pid
}

fill() {  # name
  local p=${port_of[$1]}
  redis-cli -p "$p" SETBIT bm $((100 * 1024 * 1024 * 8 - 1)) 1 >/dev/null
  redis-cli -p "$p" --pipe <"$work/fill.resp" >/dev/null
  for k in 0 1 2 3 4 5 6 7 8 9; do
    redis-benchmark -p "$p" -n "$(count 100000)" -r 1000000000 -P 64 -c 4 -q \
      PFADD "h$k" "e:__rand_int__" >/dev/null
  done
}

# bench NAME n clients pipeline command... -> one line in results: name server ops/s ticks n
bench() {
  local name=$1 n=$2 clients=$3 pipeline=$4; shift 4
  for server in "${order[@]}"; do
    local p=${port_of[$server]} before after out rps
    before=$(cpu_ticks "${pid_of[$server]}")
    out=$(redis-benchmark -p "$p" -n "$n" -c "$clients" -P "$pipeline" -r 1000000000 --csv "$@")
    after=$(cpu_ticks "${pid_of[$server]}")
    rps=$(printf '%s\n' "$out" | awk -F'","' 'NR == 2 { print $2 }')
    echo "$name $server $rps $((after - before)) $n" >>"$work/results"
    printf '  %-10s %-6s %12s ops/s\n' "$name" "$server" "$rps" >&2
  done
}

# pipe_bench NAME file n: the file through redis-cli --pipe, timed here.
pipe_bench() {
  local name=$1 file=$2 n=$3
  for server in "${order[@]}"; do
    local before after t0 t1 rps
    before=$(cpu_ticks "${pid_of[$server]}")
    t0=$(now_ms)
    redis-cli -p "${port_of[$server]}" --pipe <"$file" >/dev/null
    t1=$(now_ms)
    after=$(cpu_ticks "${pid_of[$server]}")
    rps=$(awk -v n="$n" -v ms=$((t1 - t0)) 'BEGIN { printf "%.1f", n * 1000 / (ms ? ms : 1) }')
    echo "$name $server $rps $((after - before)) $n" >>"$work/results"
    printf '  %-10s %-6s %12s ops/s\n' "$name" "$server" "$rps" >&2
  done
}

start_server redis
start_server engine
echo "bazaar-engine: $ENGINE (port ${port_of[engine]}); redis-server $(redis-server --version | awk '{print $3}') (port ${port_of[redis]}); scale $SCALE; rounds $ROUNDS; cores $(nproc)"
for server in redis engine; do fill "$server"; done
for server in redis engine; do
  printf '  %-6s after fill: used_memory %s\n' "$server" \
    "$(redis-cli -p "${port_of[$server]}" INFO memory | tr -d '\r' | awk -F: '/^used_memory_human:/{print $2}')" >&2
done
: >"$work/results"
for round in $(seq "$ROUNDS"); do
  if (( round % 2 )); then order=(redis engine); else order=(engine redis); fi
  pipe_bench setbit "$work/setbit.resp" "$(count 1000000)"
  bench bitcount "$(count 40)" 1 1 BITCOUNT bm
  bench pfadd "$(count 10000000)" 4 64 PFADD hll "e:__rand_int__"
  bench pfcount "$(count 2000)" 1 1 PFCOUNT h0 h1 h2 h3 h4 h5 h6 h7 h8 h9
  bench geosearch "$(count 4000)" 4 1 GEOSEARCH pts FROMLONLAT 0.5 0.5 BYRADIUS 20 km ASC
  bench sort_by "$(count 20)" 1 1 SORT big BY "w_*" LIMIT 0 10
  bench sort "$(count 20)" 1 1 SORT big LIMIT 0 10
done
echo
awk -v tck="$CLK_TCK" '
  { key = $1; if (!(key in seen)) { seen[key] = 1; names[++n] = key }
    rps[key, $2] += $3; runs[key, $2]++; ticks[key, $2] += $4; ops[key, $2] += $5 }
  END {
    printf "%-10s %14s %14s %7s %14s %14s\n", "bench", "redis ops/s", "engine ops/s", "ratio", "redis us/op", "engine us/op"
    for (i = 1; i <= n; i++) {
      k = names[i]
      r = rps[k, "redis"] / runs[k, "redis"]; e = rps[k, "engine"] / runs[k, "engine"]
      printf "%-10s %14.1f %14.1f %7.2f %14.1f %14.1f\n", k, r, e, e / r,
        ticks[k, "redis"] * 1e6 / tck / ops[k, "redis"], ticks[k, "engine"] * 1e6 / tck / ops[k, "engine"]
    }
  }' "$work/results"
