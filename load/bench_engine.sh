#!/usr/bin/env bash
# Side-by-side benchmark: bazaar-engine and a real redis-server, same redis-benchmark suite,
# alternating rounds, unpipelined (-c 50) and pipelined (-P 16). Prints requests/s for each
# server, the ratio engine/redis, the geometric mean of the ratios per mode, and each server's
# CPU time per request (utime+stime from /proc/<pid>/stat, delta over each run / requests).
#
# Usage: load/bench_engine.sh [options]
#   --engine PATH        bazaar-engine binary (default: build/release/bin/bazaar-engine)
#   --redis PATH         redis-server binary (default: redis-server on PATH)
#   --tests LIST         comma-separated redis-benchmark -t names
#                        (default: the issue suites: ping_inline ping_mbulk set get incr mset
#                        lpush rpush lpop rpop sadd hset spop zadd zpopmin lrange_100
#                        lrange_300 lrange_600). For lrange_N redis-benchmark first fills the
#                        list with LPUSH; req/s is LRANGE's own row, CPU/req includes the fill.
#   --rounds N           alternating rounds per mode (default 2)
#   --seconds S          target duration of one run; -n is calibrated on redis to about S s (3)
#   --n N                fixed request count for every run (skips calibration)
#   --clients C          connections (default 50)
#   --pipeline P         pipeline depth of the pipelined mode (default 16)
#   --modes LIST         unpipelined,pipelined (default both)
#   --engine-args "..."  extra arguments for bazaar-engine
#   --bench-args "..."   extra arguments for redis-benchmark (e.g. "-r 100000 -d 64")
#   --tls                both servers serve TLS too (a certificate made here with openssl,
#                        tls-auth-clients no) and redis-benchmark runs over TLS (--tls): the
#                        cost of TLS, side by side (compare with a run without --tls)
# Environment variables ENGINE, REDIS_SERVER, TESTS, ROUNDS, SECONDS_PER_RUN, N, CLIENTS,
# PIPELINE, MODES, ENGINE_ARGS, BENCH_ARGS, TLS=yes work too. Not part of ctest.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
ENGINE="${ENGINE:-$here/build/release/bin/bazaar-engine}"
REDIS_SERVER="${REDIS_SERVER:-$(command -v redis-server || true)}"
REDIS_BENCHMARK="${REDIS_BENCHMARK:-$(command -v redis-benchmark || true)}"
REDIS_CLI="${REDIS_CLI:-$(command -v redis-cli || true)}"
TESTS="${TESTS:-ping_inline,ping_mbulk,set,get,incr,mset,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,lrange_300,lrange_600}"
ROUNDS="${ROUNDS:-2}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-3}"
N="${N:-}"
CLIENTS="${CLIENTS:-50}"
PIPELINE="${PIPELINE:-16}"
MODES="${MODES:-unpipelined,pipelined}"
ENGINE_ARGS="${ENGINE_ARGS:-}"
BENCH_ARGS="${BENCH_ARGS:-}"
TLS="${TLS:-no}"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --engine) ENGINE="$2"; shift 2 ;;
    --redis) REDIS_SERVER="$2"; shift 2 ;;
    --tests) TESTS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
    --n) N="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --pipeline) PIPELINE="$2"; shift 2 ;;
    --modes) MODES="$2"; shift 2 ;;
    --engine-args) ENGINE_ARGS="$2"; shift 2 ;;
    --bench-args) BENCH_ARGS="$2"; shift 2 ;;
    --tls) TLS=yes; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done

die() { echo "bench_engine: $*" >&2; exit 1; }
[[ -x "$ENGINE" ]] || die "bazaar-engine not found at $ENGINE (build it or pass --engine)"
[[ -x "$REDIS_SERVER" ]] || die "redis-server not found"
[[ -x "$REDIS_BENCHMARK" ]] || die "redis-benchmark not found"
[[ -x "$REDIS_CLI" ]] || die "redis-cli not found"

CLK_TCK="$(getconf CLK_TCK)"
workdir="$(mktemp -d "${TMPDIR:-/tmp}/bench-engine-XXXXXX")"
engine_pid=""
redis_pid=""

cleanup() {
  for pid in $engine_pid $redis_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  # Bind port 0 on loopback and report what the kernel picked.
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_ready() {  # port pid name
  for _ in $(seq 200); do
    if "$REDIS_CLI" -p "$1" PING 2>/dev/null | grep -q PONG; then return 0; fi
    kill -0 "$2" 2>/dev/null || die "$3 exited during startup; log: $(cat "$workdir/$3.log")"
    sleep 0.05
  done
  die "$3 did not answer PING on port $1"
}

engine_port="$(free_port)"
mkdir -p "$workdir/engine" "$workdir/redis"
engine_tls=() redis_tls=()
if [[ "$TLS" == yes ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=localhost -keyout "$workdir/tls.key" -out "$workdir/tls.crt" 2>/dev/null ||
    die "openssl could not make a certificate"
  tls_args=(--tls-cert-file "$workdir/tls.crt" --tls-key-file "$workdir/tls.key"
            --tls-auth-clients no)
  engine_tls_port="$(free_port)"
  redis_tls_port="$(free_port)"
  engine_tls=(--tls-port "$engine_tls_port" "${tls_args[@]}")
  redis_tls=(--tls-port "$redis_tls_port" "${tls_args[@]}")
  BENCH_ARGS="$BENCH_ARGS --tls --cacert $workdir/tls.crt"
fi
# shellcheck disable=SC2086
"$ENGINE" --port "$engine_port" --bind 127.0.0.1 --dir "$workdir/engine" "${engine_tls[@]}" \
  $ENGINE_ARGS >"$workdir/engine.log" 2>&1 &
engine_pid=$!
redis_port="$(free_port)"
while [[ "$redis_port" == "$engine_port" ]]; do redis_port="$(free_port)"; done
"$REDIS_SERVER" --port "$redis_port" --bind 127.0.0.1 --dir "$workdir/redis" --save "" \
  --appendonly no --daemonize no "${redis_tls[@]}" >"$workdir/redis.log" 2>&1 &
redis_pid=$!
wait_ready "$engine_port" "$engine_pid" engine
wait_ready "$redis_port" "$redis_pid" redis
# redis-benchmark talks to the TLS ports under --tls (PING above used the plain ones).
engine_bench_port="${engine_tls_port:-$engine_port}"
redis_bench_port="${redis_tls_port:-$redis_port}"

cpu_ticks() {  # pid -> utime+stime in clock ticks (fields 14 and 15 of /proc/pid/stat)
  # The command name (field 2) may contain spaces; strip through the closing parenthesis.
  local stat
  stat="$(cat "/proc/$1/stat")"
  stat="${stat##*) }"
  # shellcheck disable=SC2086
  set -- $stat
  echo $(( ${12} + ${13} ))
}

# run_one port pid test n extra-args -> "rps cpu_ticks"
run_one() {
  local port="$1" pid="$2" test="$3" n="$4" extra="$5" before after out rps
  before="$(cpu_ticks "$pid")"
  # shellcheck disable=SC2086
  out="$("$REDIS_BENCHMARK" -p "$port" -t "$test" -n "$n" -c "$CLIENTS" $extra $BENCH_ARGS --csv 2>&1)" ||
    die "redis-benchmark failed on port $port: $out"
  after="$(cpu_ticks "$pid")"
  # The row named after the test (lrange_N also prints the LPUSH that fills the list first).
  rps="$(printf '%s\n' "$out" | awk -F'","' -v name="\"$(tr a-z A-Z <<<"$test")" \
    'index($1, name) == 1 {gsub(/"/,"",$2); print $2; exit}')"
  [[ -n "$rps" ]] || die "no result from redis-benchmark for $test on port $port: $out"
  echo "$rps $((after - before))"
}

mode_args() {
  case "$1" in
    unpipelined) echo "" ;;
    pipelined) echo "-P $PIPELINE" ;;
    *) die "unknown mode $1" ;;
  esac
}

# Request count for a test: fixed --n, or calibrated on redis to about SECONDS_PER_RUN seconds.
calibrate() {  # test mode-args -> n
  if [[ -n "$N" ]]; then echo "$N"; return; fi
  local probe=20000 rps n
  [[ -n "$2" ]] && probe=100000
  rps="$(run_one "$redis_bench_port" "$redis_pid" "$1" "$probe" "$2" | cut -d' ' -f1)"
  n="$(awk -v r="$rps" -v s="$SECONDS_PER_RUN" 'BEGIN { n = int(r * s / 1000) * 1000; if (n < 10000) n = 10000; print n }')"
  echo "$n"
}

echo "bazaar-engine: $ENGINE (pid $engine_pid, port $engine_port)"
echo "redis-server:  $("$REDIS_SERVER" --version | awk '{print $3}') (pid $redis_pid, port $redis_port)"
echo "tests: $TESTS; rounds: $ROUNDS; clients: $CLIENTS; pipeline: $PIPELINE; tls: $TLS; cores: $(nproc)"
echo

results="$workdir/results.txt"  # mode test server rps ticks n
: >"$results"
IFS=',' read -r -a tests <<<"$TESTS"
IFS=',' read -r -a modes <<<"$MODES"
for mode in "${modes[@]}"; do
  extra="$(mode_args "$mode")"
  for test in "${tests[@]}"; do
    n="$(calibrate "$test" "$extra")"
    for round in $(seq "$ROUNDS"); do
      # Alternate which server goes first so neither always runs on a warmer machine.
      if (( round % 2 )); then order="redis engine"; else order="engine redis"; fi
      for server in $order; do
        if [[ "$server" == engine ]]; then
          r="$(run_one "$engine_bench_port" "$engine_pid" "$test" "$n" "$extra")"
        else
          r="$(run_one "$redis_bench_port" "$redis_pid" "$test" "$n" "$extra")"
        fi
        echo "$mode $test $server $r $n" >>"$results"
        printf '  %-11s %-11s round %d %-6s %12s req/s\n' "$mode" "$test" "$round" "$server" \
          "${r%% *}" >&2
      done
    done
  done
done
echo

awk -v tck="$CLK_TCK" '
  {
    key = $1 SUBSEP $2
    if (!(key in seen)) { seen[key] = 1; order[++n] = key }
    rps[key, $3] += $4; runs[key, $3]++
    ticks[key, $3] += $5; reqs[key, $3] += $6
  }
  END {
    printf "%-12s %-12s %14s %14s %7s %14s %14s\n", "mode", "test", "redis req/s", "engine req/s", "ratio", "redis us/req", "engine us/req"
    for (i = 1; i <= n; i++) {
      key = order[i]; split(key, p, SUBSEP)
      r = rps[key, "redis"] / runs[key, "redis"]
      e = rps[key, "engine"] / runs[key, "engine"]
      ratio = e / r
      ru = ticks[key, "redis"] * 1e6 / tck / reqs[key, "redis"]
      eu = ticks[key, "engine"] * 1e6 / tck / reqs[key, "engine"]
      printf "%-12s %-12s %14.0f %14.0f %6.2fx %14.3f %14.3f\n", p[1], p[2], r, e, ratio, ru, eu
      logsum[p[1]] += log(ratio); cnt[p[1]]++
      rt[p[1]] += ticks[key, "redis"]; rq[p[1]] += reqs[key, "redis"]
      et[p[1]] += ticks[key, "engine"]; eq[p[1]] += reqs[key, "engine"]
      if (!(p[1] in mseen)) { mseen[p[1]] = 1; morder[++m] = p[1] }
    }
    print ""
    for (j = 1; j <= m; j++) {
      md = morder[j]
      printf "%-12s geometric mean of ratios: %.3fx   CPU per request: redis %.3f us, engine %.3f us\n", md, exp(logsum[md] / cnt[md]), rt[md] * 1e6 / tck / rq[md], et[md] * 1e6 / tck / eq[md]
    }
  }' "$results"
