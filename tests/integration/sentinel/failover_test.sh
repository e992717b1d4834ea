#!/bin/bash
# Failover under load, all real processes: bazaar-engine primary + 2 bazaar-engine replicas
# (or PRIMARY=redis: a real redis-server primary), 3 real redis-sentinel, bazaar-market with
# --sentinels, bazaar-load through it. The primary is killed with SIGKILL mid-run; the test
# passes when Sentinel promotes the preferred replica (replica-priority 10), the market follows
# by itself (a second load run after the failover has no failed call), and bazaar-load's
# invariant check holds (money conserved, no item in two places, every success the clients saw
# in the data). The market runs with --replica_acks=2: a change counts only once both replicas
# hold it, so the promoted one has every acknowledged write (without it, Redis's asynchronous
# replication loses the last ones at a failover). The killed node comes back as a replica of the
# new primary, as an operator would bring it back, so two replicas can acknowledge again.
# Prints the seconds the market's store probe was down and the failed calls by reason.
# Usage: failover_test.sh BIN_DIR
set -u
BIN=$1
ENGINE=$BIN/bazaar-engine
PRIMARY_SRV=$ENGINE
[ "${PRIMARY:-engine}" = redis ] && PRIMARY_SRV=$(command -v redis-server)
SENTINEL=$(command -v redis-sentinel || true)
[ -n "$SENTINEL" ] || { echo "redis-sentinel not installed"; exit 1; }
T=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}" $(cat "$T/rejoined.pid" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$T"/*/log "$T"/load*.out; do echo "== $f"; tail -20 "$f"; done; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ping() { [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ]; }
wait_for() { for _ in $(seq 1 100); do eval "$1" && return 0; sleep 0.1; done; return 1; }

P=(); for i in 0 1 2; do P[$i]=$(free_port); done
for i in 0 1 2; do
  mkdir "$T/n$i"
  printf 'port %s\ndir %s\nsave ""\nrepl-diskless-sync-delay 0\n' "${P[$i]}" "$T/n$i" > "$T/n$i/e.conf"
  [ "$i" -gt 0 ] && echo "replicaof 127.0.0.1 ${P[0]}" >> "$T/n$i/e.conf"
  [ "$i" = 1 ] && echo "replica-priority 10" >> "$T/n$i/e.conf"
  srv=$ENGINE; [ "$i" = 0 ] && srv=$PRIMARY_SRV
  "$srv" "$T/n$i/e.conf" > "$T/n$i/log" 2>&1 & PIDS+=($!); [ "$i" = 0 ] && PRIMARY_PID=$!
  wait_for "ping ${P[$i]}" || fail "server $i did not start on port ${P[$i]}"
done
wait_for "redis-cli -p ${P[1]} info replication | grep -q master_link_status:up" || fail "replica 1 never synced"
wait_for "redis-cli -p ${P[2]} info replication | grep -q master_link_status:up" || fail "replica 2 never synced"
S=(); SLIST=""
for i in 0 1 2; do
  S[$i]=$(free_port); mkdir "$T/s$i"
  printf 'port %s\ndir %s\nsentinel monitor m 127.0.0.1 %s 2\nsentinel down-after-milliseconds m 1000\nsentinel failover-timeout m 3000\n' \
    "${S[$i]}" "$T/s$i" "${P[0]}" > "$T/s$i/s.conf"
  "$SENTINEL" "$T/s$i/s.conf" --logfile "$T/s$i/log" & PIDS+=($!)
  SLIST+="${SLIST:+,}127.0.0.1:${S[$i]}"
done
for i in 0 1 2; do
  wait_for "[ \$(redis-cli -p ${S[$i]} sentinel replicas m 2>/dev/null | grep -c '^flags') = 2 ] && [ \$(redis-cli -p ${S[$i]} sentinel sentinels m 2>/dev/null | grep -c '^flags') = 2 ]" \
    || fail "sentinel $i did not discover the replicas and the other sentinels"
done
M=$(free_port); mkdir "$T/mk"
"$BIN/bazaar-market" --listen=127.0.0.1:$M --sentinels=$SLIST --sentinel_master=m \
  --store_command_timeout=1s --replica_acks=2 --replica_ack_timeout=500ms \
  --health_interval=100ms --stats_interval=0s > "$T/mk/log" 2>&1 & PIDS+=($!)
wait_for "grep -q 'listening on' $T/mk/log" || fail "market did not start"

rejoin() {
  sleep 4; kill -9 "$PRIMARY_PID"
  # Only once the failover is over (every sentinel switched, replica 2 repointed): a node that
  # reappears mid-failover can make the sentinels start a second one.
  for s in "${S[@]}"; do
    wait_for "redis-cli -p $s sentinel get-master-addr-by-name m 2>/dev/null | grep -qx ${P[1]}" ||
      return
  done
  wait_for "redis-cli -p ${P[2]} info replication | grep -q 'master_port:${P[1]}'" || return
  sleep 1
  echo "replicaof 127.0.0.1 ${P[1]}" >> "$T/n0/e.conf"
  "$PRIMARY_SRV" "$T/n0/e.conf" >> "$T/n0/log" 2>&1 & echo $! > "$T/rejoined.pid"
}
rejoin &
"$BIN/bazaar-load" --market=127.0.0.1:$M --store=127.0.0.1:${P[1]} --duration=14s --progress=false \
  --html= --timeout=10s --seed=7 > "$T/load1.out" 2>&1
rc=$?
cat "$T/load1.out"
[ "$(redis-cli -p ${P[1]} role | head -1)" = master ] || fail "replica 1 (priority 10) was not promoted"
wait_for "redis-cli -p ${P[2]} info replication | grep -q 'master_port:${P[1]}'" || fail "replica 2 was not repointed"
wait_for "redis-cli -p ${P[0]} info replication | grep -q master_link_status:up" || fail "the old primary did not rejoin as a replica"
grep -q '^  invariants: OK' "$T/load1.out" || fail "invariant check did not pass (rc $rc)"
down=$(grep -m1 'NOT_SERVING' "$T/mk/log" | sed 's/^. \([^ ]*\) .*/\1/')
up=$(grep 'answers again: SERVING' "$T/mk/log" | tail -1 | sed 's/^. \([^ ]*\) .*/\1/')
[ -n "$up" ] || fail "the market's store probe never came back"
python3 -c "import datetime as d,sys; f=lambda s: d.datetime.fromisoformat(s.rstrip('Z')); print('unavailability: %.2f s (store probe NOT_SERVING -> SERVING)' % (f(sys.argv[2])-f(sys.argv[1])).total_seconds())" "$down" "$up"
echo "failed calls by reason during the failover run:"; grep -E '^  (list|purchase|browse|grant) ' "$T/load1.out" | awk '{print "  " $1 ": " substr($0, index($0,$11))}'
# Recovered by itself: a run after the failover fails no call for the store's sake.
"$BIN/bazaar-load" --market=127.0.0.1:$M --store=127.0.0.1:${P[1]} --duration=3s --progress=false \
  --html= --timeout=5s --seed=8 > "$T/load2.out" 2>&1 || fail "the run after the failover failed"
grep -qE 'STORE_UNAVAILABLE|OUTCOME_UNKNOWN' "$T/load2.out" && fail "calls still fail after the failover"
grep -q '^  invariants: OK' "$T/load2.out" || fail "invariants after the failover"
echo "1 passed, 0 failed"
