#!/usr/bin/env bash
# The `spacetrack` command against the simulator: a whole gp_history
# download written to a file, in each output format, beside a plain curl
# download of the same JSON answer (the floor: server and loopback only).
# Runs are interleaved; the summary gives medians of wall time and peak RSS
# and each format's time as a ratio to curl's in the same round.
#
#   bench/cli.sh                       # 20,000 objects x 10 = 200,000 records, 5 rounds
#   RUNS=7 OBJECTS=50000 bench/cli.sh
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-5}"
OBJECTS="${OBJECTS:-20000}"
DEPTH="${DEPTH:-10}"
OUT=bench/results
mkdir -p "$OUT"
cargo build -q --release -p spacetrack-sim --bin spacetrack-sim -p spacetrack-cli --bin spacetrack
SIM=target/release/spacetrack-sim
CLI=target/release/spacetrack
TMP="$(mktemp -d)"
sim_pid=""
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

"$SIM" --objects "$OBJECTS" --history-depth "$DEPTH" --answer-cache-mb 4096 --no-account-limits >"$TMP/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 50); do grep -q '^Point' "$TMP/sim.log" 2>/dev/null && break; sleep 0.1; done
# shellcheck disable=SC1090
source "$(sed -n 's/.*source //p' "$TMP/sim.log")"
export XDG_CACHE_HOME="$TMP/cache" XDG_CONFIG_HOME="$TMP/config"

# curl logs in with the password on stdin, never on its command line.
curl_json() {
    printf 'identity=%s&password=%s' "$SPACETRACK_IDENTITY" "$SPACETRACK_PASSWORD" |
        curl -sf -c "$TMP/jar" --data @- "${SPACETRACK_BASE_URL}ajaxauth/login" >/dev/null
    curl -sf -b "$TMP/jar" -o "$TMP/out" "${SPACETRACK_BASE_URL}basicspacedata/query/class/gp_history/format/json"
}

measure() { # name, command...
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$TMP/time" "$@" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; exit 1; }
    read -r secs kb <"$TMP/time"
    printf '{"round":%d,"variant":"%s","secs":%s,"rss_kb":%s,"bytes":%s}\n' \
        "$round" "$name" "$secs" "$kb" "$(stat -c %s "$TMP/out")" >>"$RESULTS"
}

RESULTS="$OUT/cli-$(date +%Y%m%d-%H%M%S).jsonl"
q=(--max-per-minute 600 -q query gp_history -o "$TMP/out")
round=0
curl_json # warm the simulator's answer cache
"$CLI" "${q[@]}" -f csv
for round in $(seq "$RUNS"); do
    measure curl-json bash -c "TMP=$TMP; $(declare -f curl_json); curl_json"
    measure cli-ndjson "$CLI" "${q[@]}" -f ndjson
    measure cli-json "$CLI" "${q[@]}" -f json
    measure cli-csv "$CLI" "${q[@]}" -f csv
    measure cli-select-ndjson "$CLI" "${q[@]}" -f ndjson --select norad_cat_id,epoch,mean_motion
done
python3 - "$RESULTS" "$OBJECTS" "$DEPTH" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
variants = list(dict.fromkeys(r["variant"] for r in rows))
curl = {r["round"]: r["secs"] for r in rows if r["variant"] == "curl-json"}
print(f"gp_history, {int(sys.argv[2]) * int(sys.argv[3]):,} records, {len(curl)} rounds ({sys.argv[1]})")
print(f"{'variant':<20}{'median s':>10}{'x curl':>9}{'median RSS MiB':>16}{'output MB':>11}")
for v in variants:
    rs = [r for r in rows if r["variant"] == v]
    ratio = statistics.median(r["secs"] / curl[r["round"]] for r in rs)
    print(f"{v:<20}{statistics.median(r['secs'] for r in rs):>10.2f}{ratio:>9.2f}"
          f"{statistics.median(r['rss_kb'] for r in rs) / 1024:>16.1f}{rs[0]['bytes'] / 1e6:>11.1f}")
PY
