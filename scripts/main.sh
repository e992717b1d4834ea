#!/usr/bin/env bash
# The main job: installs what is missing, builds, starts bazaar-engine on a free loopback port
# (AOF on) with a replica beside it, drives it with a short redis-benchmark run and a redis-cli
# WATCH/MULTI/EXEC transaction, then starts bazaar-market on it and runs bazaar-load's 5x5
# buyers-and-sellers scenario and its economy scenario, printing their reports (and checking the
# invariants), and shows that the replica holds the same data. Stops everything by PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh release >/dev/null

bin=build/release/bin
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin/bazaar-engine" conf/bazaar.conf --port "$port" --dir "$work" --appendonly yes \
  >"$work/engine.log" 2>&1 &
engine_pid=$!
trap 'kill "$engine_pid" 2>/dev/null || true; wait "$engine_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do redis-cli -p "$port" PING >/dev/null 2>&1 && break; sleep 0.05; done

# A replica of the engine, to show at the end that it followed every write.
rport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/replica"
"$bin/bazaar-engine" --port "$rport" --dir "$work/replica" --save "" --replicaof 127.0.0.1 "$port" \
  >"$work/replica.log" 2>&1 &
replica_pid=$!
trap 'kill "$replica_pid" "$engine_pid" 2>/dev/null || true; wait "$replica_pid" "$engine_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

echo "== bazaar-engine on 127.0.0.1:$port (pid $engine_pid), replica on 127.0.0.1:$rport (pid $replica_pid)"
echo
echo "== redis-benchmark (50 clients, 20000 requests per test)"
redis-benchmark -p "$port" -t ping,set,get,incr,mset -n 20000 -c 50 -q
echo
echo "== a WATCH/MULTI/EXEC transaction through redis-cli"
redis-cli -p "$port" SET balance 100 >/dev/null
printf 'WATCH balance\nMULTI\nDECRBY balance 30\nINCRBY spent 30\nEXEC\n' | redis-cli -p "$port"
echo
echo "== the same transaction after another client changed the watched key (EXEC returns nil)"
{ printf 'WATCH balance\n'; sleep 0.2; printf 'MULTI\nDECRBY balance 30\nEXEC\n'; } |
  redis-cli -p "$port" &
sleep 0.1
redis-cli -p "$port" SET balance 500 >/dev/null
wait $!
echo
echo "== INFO transactions"
redis-cli -p "$port" INFO transactions

# The market on top of the engine, and a short buyers-and-sellers run (the book's 5x5).
# Port 0: the market binds a free port itself and logs which.
"$bin/bazaar-market" --listen="127.0.0.1:0" --plaintext --store="127.0.0.1:$port" --stats_interval=0 \
  --currencies=gold,gems --fee_bps=250 --fee_min=1 >"$work/market.log" 2>&1 &
market_pid=$!
trap 'kill "$market_pid" "$replica_pid" "$engine_pid" 2>/dev/null || true; wait "$market_pid" "$replica_pid" "$engine_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 200); do grep -q "listening on" "$work/market.log" && break; sleep 0.05; done
mport=$(sed -n 's/.*listening on .* (port \([0-9]*\)).*/\1/p' "$work/market.log" | head -1)
[[ -n "$mport" ]] || { echo "bazaar-market did not start:" >&2; cat "$work/market.log" >&2; exit 1; }
echo
echo "== bazaar-load: 5 sellers x 5 buyers for 10 s (mode fine), via bazaar-market on bazaar-engine"
"$bin/bazaar-load" --market="127.0.0.1:$mport" --store="127.0.0.1:$port" --scenario=5x5 \
  --duration=10s --html=build/release/bazaar-load-report.html
echo
echo "== bazaar-load: the economy for 5 s (stackable items in gold and gems, quantity buys, listings"
echo "   expiring during the run, 2.5% fees to the sink), same market"
"$bin/bazaar-load" --market="127.0.0.1:$mport" --store="127.0.0.1:$port" --scenario=economy \
  --duration=5s --html=build/release/bazaar-load-economy.html
echo
echo "== INFO transactions after the runs"
redis-cli -p "$port" INFO transactions
echo "(HTML reports: build/release/bazaar-load-report.html, build/release/bazaar-load-economy.html)"
echo
echo "== the replica after the run"
echo "WAIT 1 5000 on the primary: replicas that acknowledged every write: $(redis-cli -p "$port" WAIT 1 5000)"
field() { redis-cli -p "$1" INFO "$2" | tr -d '\r' | awk -F: -v f="$3" '$1==f{print $2}'; }
echo "primary: dbsize $(redis-cli -p "$port" DBSIZE), master_repl_offset $(field "$port" replication master_repl_offset)"
echo "replica: dbsize $(redis-cli -p "$rport" DBSIZE), master_repl_offset $(field "$rport" replication master_repl_offset), master_link_status $(field "$rport" replication master_link_status)"
if [[ "$(redis-cli -p "$port" --scan | sort | md5sum)" == "$(redis-cli -p "$rport" --scan | sort | md5sum)" ]]; then
  echo "replica holds the same keys as the primary"
else
  echo "replica keys differ from the primary's" >&2
  exit 1
fi
