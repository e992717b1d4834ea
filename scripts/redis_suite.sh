#!/usr/bin/env bash
# Redis 7.0.15's own test suite with the suite starting bazaar-engine itself (as it starts
# redis-server), which the files tagged external:skip need (unit/acl, unit/auth, unit/tls,
# replication, AOF ...). ../shared/redis-tcl/run.sh is the other mode, against a running server.
#
#   scripts/redis_suite.sh unit/acl unit/acl-v2 unit/auth     # files to run
#   scripts/redis_suite.sh --tls unit/tls unit/pubsub         # everything over TLS
#   REDIS_SUITE_SERVER=redis-server scripts/redis_suite.sh unit/acl   # the same with real Redis
#
# The tree is copied to /tmp/redis-suite.<server name> (the suite writes into it); its src/
# gets redis-server -> the server under test and Debian's redis-cli, redis-benchmark,
# redis-check-aof/-rdb, redis-sentinel; --tls makes test certificates in tests/tls with openssl
# and needs Tcl's tls package (apt-get install tcl-tls). Prints, per file, the tests that
# passed and failed, and writes each file's output beside the tree. Not part of ctest.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
SUITE_SRC="${SUITE_SRC:-$here/../shared/redis-tcl/redis-7.0.15}"
SERVER="${REDIS_SUITE_SERVER:-$here/build/release/bin/bazaar-engine}"
[[ "$SERVER" == */* ]] || SERVER="$(command -v "$SERVER")"
[[ -x "$SERVER" ]] || { echo "redis_suite: no server at $SERVER" >&2; exit 2; }
tls=()
if [[ "${1:-}" == --tls ]]; then tls=(--tls); shift; fi
[[ $# -gt 0 ]] || { sed -n '2,16p' "$0"; exit 2; }

tree="/tmp/redis-suite.$(basename "$SERVER")"
rm -rf "$tree"
cp -r "$SUITE_SRC" "$tree"
mkdir -p "$tree/src"
ln -sf "$SERVER" "$tree/src/redis-server"
for tool in redis-cli redis-benchmark redis-check-aof redis-check-rdb redis-sentinel; do
  ln -sf "$(command -v "$tool")" "$tree/src/$tool"
done
if [[ ${#tls[@]} -gt 0 ]]; then
  tclsh <<<'package require tls' >/dev/null 2>&1 ||
    { echo "redis_suite: --tls needs Tcl's tls package (apt-get install tcl-tls)" >&2; exit 2; }
  d="$tree/tests/tls"
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Certificate Authority" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  for name in server client redis; do
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout "$d/$name.key" \
      -out "$d/$name.csr" 2>/dev/null
    openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
      -days 2 -out "$d/$name.crt" 2>/dev/null
  done
  openssl dhparam -out "$d/redis.dh" 2048 2>/dev/null
fi

cd "$tree"
total_ok=0 total_err=0
for file in "$@"; do
  out="$tree/$(echo "$file" | tr / _).out"
  timeout "${PER_FILE_TIMEOUT:-600}" tclsh tests/test_helper.tcl --single "$file" --clients 1 \
    "${tls[@]}" >"$out" 2>&1 || true
  # A failing test is printed twice (as it fails and in the summary): count the first.
  ok=$(grep -c '\[.*ok.*\]:' "$out" || true)
  err=$(grep -v '^\*\*\*' "$out" | grep -c '\[.*\(err\|exception\).*\]:' || true)
  printf '%-28s %4d passed %4d failed   (%s)\n' "$file" "$ok" "$err" "$out"
  total_ok=$((total_ok + ok)) total_err=$((total_err + err))
done
echo "$total_ok passed, $total_err failed ($(basename "$SERVER"))"
