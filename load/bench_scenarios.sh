#!/usr/bin/env bash
# The live-game scenarios side by side: each of drop, pricewar, steady and whales (or --scenarios)
# on bazaar-engine and on a real redis-server, in each contention mode, over gRPC through
# bazaar-market, each run on a fresh store and market, one table at the end (from each run's JSON
# report, kept in --out). Per run: calls/s, listed, bought, purchase p50/p99, aborted EXECs (the
# market's Stats), the engine's aborts by key class, the invariant check, and the scenario's own
# figure: drop's sell-out time, wasted attempts and fairness; steady's sustained rate and p99 at
# 50/80/100% of it; whales' share of purchases; pricewar's average sale price.
#
# Usage: load/bench_scenarios.sh [--seconds 30] [--scenarios drop,pricewar,steady,whales]
#                                [--modes fine,book] [--stores engine,redis] [--out DIR]
#                                [-- extra bazaar-load flags]
# Not part of ctest: numbers depend on the machine; compare rows of one run.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
bin="$here/build/release/bin"
SECONDS_PER_RUN=30
SCENARIOS=drop@10x2000,pricewar,steady,whales
MODES=fine,book
STORES=engine,redis
OUT=""
EXTRA=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
    --scenarios) SCENARIOS="$2"; shift 2 ;;
    --modes) MODES="$2"; shift 2 ;;
    --stores) STORES="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
for b in bazaar-engine bazaar-market bazaar-load; do
  [[ -x "$bin/$b" ]] || { echo "bench_scenarios: build first ($bin/$b missing)" >&2; exit 1; }
done
# shellcheck source=side_by_side.sh
source "$here/load/side_by_side.sh"
out="${OUT:-$work/reports}"
mkdir -p "$out"

IFS=, read -r -a scenarios <<<"$SCENARIOS"
IFS=, read -r -a modes <<<"$MODES"
IFS=, read -r -a stores <<<"$STORES"
status=0
for scenario in "${scenarios[@]}"; do
  for store in "${stores[@]}"; do
    for mode in "${modes[@]}"; do
      start_store "$store"
      start_market "$mode"
      report="$out/${scenario%%@*}-$store-$mode.json"
      echo "bench_scenarios: $scenario on $store, mode $mode" >&2
      "$bin/bazaar-load" --market="127.0.0.1:$market_port" --store="127.0.0.1:$store_port" \
        --scenario="$scenario" --duration="${SECONDS_PER_RUN}s" --progress=false \
        --html="$out/${scenario%%@*}-$store-$mode.html" --json_out="$report" "${EXTRA[@]}" \
        >/dev/null || status=1
      kill "$market_pid" "$store_pid"; wait "$market_pid" "$store_pid" 2>/dev/null || true
      echo "$store $mode $report" >>"$work/runs"
    done
  done
done

/usr/bin/python3 - "$work/runs" <<'PY'
import json, sys
rows = []
for line in open(sys.argv[1]):
    store, mode, path = line.split()
    r = json.load(open(path))["runs"][0]
    buy = r["ops"]["purchase"]
    figure = ""
    if "drop" in r:
        d = r["drop"]
        sold = f'{d["sold_out_ms"]:.0f} ms' if d["sold_out_ms"] >= 0 else "not sold out"
        figure = (f'{d["winners"]}/{d["units"]} sold in {sold}, {d["wasted_attempts"]} wasted, '
                  f'fair {d["first_come_share"]*100:.0f}% / rho {d["rank_correlation"]:.2f}')
    elif "phases" in r:
        ph = {p["name"]: p for p in r["phases"]}
        if "calibrate" in ph:
            figure = f'sustained {ph["calibrate"]["achieved_per_second"]:.0f}/s; p99 ' + " ".join(
                f'{n} {ph[n]["latency_ms"]["p99"]:.1f}' for n in ("50%", "80%", "100%") if n in ph)
        else:
            p = r["phases"][0]
            figure = f'{p["achieved_per_second"]:.0f}/s, p99 {p["latency_ms"]["p99"]:.1f} ms'
    elif "whales" in r:
        w = r["whales"]
        total = max(1, w["whale_purchases"] + w["other_purchases"])
        figure = f'whales bought {100*w["whale_purchases"]/total:.0f}%'
    elif r["bought"]:
        figure = f'average sale {buy["value"] / r["bought"]:.1f} (list {r["ops"]["list"]["value"] / max(1, r["listed"]):.1f})'
    classes = " ".join(f'{k or chr(34)*2}{v}' for k, v in
                       sorted(r["aborts_by_key_class"].items(), key=lambda kv: -kv[1])) or "-"
    if store != "engine":
        classes = "n/a"
    rows.append([r["scenario"], store, mode, f'{r["calls_per_second"]:.0f}', str(r["listed"]),
                 str(r["bought"]), f'{buy["latency_ms"]["p50"]:.1f}',
                 f'{buy["latency_ms"]["p99"]:.1f}', str(r["purchase_retries"]), classes,
                 "OK" if r["invariants"].get("ok") else "FAILED", figure])
head = ["scenario", "store", "mode", "calls/s", "listed", "bought", "buy p50", "buy p99",
        "aborted", "aborts by key class", "invariants", "scenario figure"]
widths = [max(len(x) for x in col) for col in zip(head, *rows)]
for row in [head] + rows:
    print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
PY
[[ -n "$OUT" ]] && echo "reports in $OUT" >&2
exit "$status"
