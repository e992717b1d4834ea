# Sourced by the side-by-side scripts (memory_compare, bench_persistence, bench_replication,
# bench_market, bench_scenarios): a temp work dir and the server pids, both cleaned up on exit,
# free loopback ports, a clock; and, for scripts that set $bin, a fresh store and market.
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }

# A fresh store without persistence: `engine` (bazaar-engine from $bin) or `redis`; sets
# store_pid and store_port.
start_store() {
  store_port=$(free_port)
  local dir="$work/store-$store_port"
  mkdir -p "$dir"
  if [[ "$1" == engine ]]; then
    "$bin/bazaar-engine" --port "$store_port" --dir "$dir" --save '' --appendonly no >"$dir/log" 2>&1 &
  else
    redis-server --port "$store_port" --dir "$dir" --save '' --appendonly no >"$dir/log" 2>&1 &
  fi
  store_pid=$!
  pids+=("$store_pid")
  for _ in $(seq 100); do redis-cli -p "$store_port" PING >/dev/null 2>&1 && return; sleep 0.05; done
  echo "$(basename "$0"): $1 did not start" >&2; exit 1
}

# bazaar-market from $bin on the last store started, in contention mode $1, on a port the kernel
# picks, plaintext unless $MARKET_TRANSPORT gives the TLS flags, with $MARKET_FLAGS (words)
# added; sets market_pid and market_port.
start_market() {
  local log="$work/market-$store_port.log"
  # shellcheck disable=SC2086  # word lists
  "$bin/bazaar-market" --listen=127.0.0.1:0 ${MARKET_TRANSPORT:---plaintext} \
    --store="127.0.0.1:$store_port" --mode="$1" \
    --stats_interval=0 ${MARKET_FLAGS:-} >"$log" 2>&1 &
  market_pid=$!
  pids+=("$market_pid")
  for _ in $(seq 200); do grep -q "listening on" "$log" && break; sleep 0.05; done
  market_port=$(sed -n 's/.*listening on .* (port \([0-9]*\)).*/\1/p' "$log" | head -1)
  [[ -n "$market_port" ]] || { echo "$(basename "$0"): market did not start" >&2; cat "$log" >&2; exit 1; }
}
