#!/usr/bin/env bash
# A local Redis Cluster of real redis-server nodes, for trying the market on a cluster by hand:
#   scripts/cluster.sh start [--primaries 3] [--replicas 1] [--dir DIR]
#       starts primaries x (1 + replicas) nodes on free loopback ports (each with its own bus
#       port and directory under DIR, default /tmp/bazaar-cluster), joins them with
#       `redis-cli --cluster create`, waits for cluster_state:ok, and prints the seeds URL for
#       bazaar-market --store= and bazaar-load --store= (also written to DIR/seeds)
#   scripts/cluster.sh stop [--dir DIR]       stops the nodes by PID (DIR/pids) and removes DIR
# Then, e.g.:
#   build/release/bin/bazaar-market --plaintext --store="$(cat /tmp/bazaar-cluster/seeds)" --key_prefix='{realm1}:'
set -euo pipefail

cmd="${1:-}"; shift || true
PRIMARIES=3 REPLICAS=1 DIR=/tmp/bazaar-cluster
while [[ $# -gt 0 ]]; do
  case "$1" in
    --primaries) PRIMARIES="$2"; shift 2 ;;
    --replicas) REPLICAS="$2"; shift 2 ;;
    --dir) DIR="$2"; shift 2 ;;
    *) echo "cluster.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

case "$cmd" in
  start)
    [[ -e "$DIR/pids" ]] && { echo "cluster.sh: $DIR/pids exists: stop that cluster first" >&2; exit 1; }
    mkdir -p "$DIR"
    addresses=()
    for ((i = 0; i < PRIMARIES * (1 + REPLICAS); i++)); do
      # A port taken between asking and binding makes redis-server exit: try another.
      for attempt in 1 2 3 4 5; do
        port=$(free_port); bus=$(free_port)
        mkdir -p "$DIR/$port"
        redis-server --port "$port" --bind 127.0.0.1 --dir "$DIR/$port" --save '' \
          --appendonly no --cluster-enabled yes --cluster-config-file nodes.conf \
          --cluster-port "$bus" --cluster-node-timeout 2000 --daemonize no \
          >"$DIR/$port/log" 2>&1 &
        pid=$!
        for _ in $(seq 100); do
          redis-cli -p "$port" PING >/dev/null 2>&1 && break
          kill -0 "$pid" 2>/dev/null || break
          sleep 0.05
        done
        if redis-cli -p "$port" PING >/dev/null 2>&1 && kill -0 "$pid" 2>/dev/null; then
          echo "$pid" >>"$DIR/pids"
          addresses+=("127.0.0.1:$port")
          break
        fi
        rm -rf "${DIR:?}/$port"
        [[ $attempt == 5 ]] && { echo "cluster.sh: no node started" >&2; exit 1; }
      done
    done
    redis-cli --cluster create "${addresses[@]}" --cluster-replicas "$REPLICAS" --cluster-yes \
      >"$DIR/create.log" 2>&1 || { cat "$DIR/create.log" >&2; exit 1; }
    for a in "${addresses[@]}"; do
      for _ in $(seq 600); do
        redis-cli -p "${a#*:}" CLUSTER INFO | grep -q cluster_state:ok && break
        sleep 0.05
      done
    done
    (IFS=,; echo "cluster://${addresses[*]}") | tee "$DIR/seeds"
    ;;
  stop)
    [[ -f "$DIR/pids" ]] || { echo "cluster.sh: no cluster in $DIR" >&2; exit 1; }
    while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$DIR/pids"
    sleep 0.5
    rm -rf "$DIR"
    ;;
  *) sed -n '2,11p' "$0"; exit 2 ;;
esac
