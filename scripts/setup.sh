#!/usr/bin/env bash
# Installs the Debian 12 packages Bazaar needs (when missing), then configures and builds.
# Usage: scripts/setup.sh [preset]   (default preset: release)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"

packages=(build-essential cmake ninja-build pkg-config ccache
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto libabsl-dev
  libhiredis-dev libgtest-dev libgmock-dev libbenchmark-dev redis-server redis-sentinel redis-tools
  liblua5.1-0-dev lua-cjson-dev lua-bitop-dev libssl-dev libmicrohttpd-dev python3-redis
  docker-compose)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
fi

cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
