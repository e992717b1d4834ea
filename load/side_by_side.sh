# Sourced by the side-by-side scripts (memory_compare, bench_persistence, bench_replication):
# a temp work dir and the server pids, both cleaned up on exit, free loopback ports, a clock.
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
