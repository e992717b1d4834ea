#!/usr/bin/env bash
# Builds everything (installing what is missing) and runs every test: unit and integration.
# Usage: scripts/test.sh [preset] [extra ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
shift || true
scripts/setup.sh "$preset"
ctest --preset "$preset" "$@"
