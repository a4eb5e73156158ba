#!/usr/bin/env bash
# End-to-end benchmark: spacetrack-rs against the Python reference client
# (spacetrack 2.1.0, installed here from PyPI into bench/.venv) on the same
# simulator and the same data, runs interleaved side by side.
#
#   bench/run.sh                 # gp catalog + gp_history, 5 runs each
#   RUNS=9 OBJECTS=30000 bench/run.sh
#   BIG=1 bench/run.sh           # also the >= 1 GB gp_history memory test
#
# Output: bench/results/*.jsonl and a summary (medians, per-run ratios).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-5}"
OBJECTS="${OBJECTS:-30000}"                 # gp: the full catalog
HISTORY_OBJECTS="${HISTORY_OBJECTS:-20000}"  # gp_history: objects x depth
HISTORY_DEPTH="${HISTORY_DEPTH:-10}"
BIG_OBJECTS="${BIG_OBJECTS:-100000}"         # BIG=1: 100,000 x 10 = 1,000,000 records
BIG_DEPTH="${BIG_DEPTH:-10}"
OUT=bench/results
mkdir -p "$OUT"

if [ ! -x bench/.venv/bin/python ]; then
    python3 -m venv bench/.venv
fi
bench/.venv/bin/pip install -q --disable-pip-version-check "spacetrack==2.1.0"
cargo build -q --release -p spacetrack-sim --bin spacetrack-sim -p spacetrack-tests --bin bench-client
SIM="target/release/spacetrack-sim"
RUST=target/release/bench-client
PY="bench/.venv/bin/python bench/py_client.py"

sim_pid=""
stop_sim() { if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; sim_pid=""; fi; }
trap stop_sim EXIT

# Starts a simulator and loads its throwaway credentials (never printed).
start_sim() {
    stop_sim
    local log; log="$(mktemp)"
    # Answers are cached in the simulator so that the figures measure the
    # clients (transfer + decoding), not the simulator's row generation.
    "$SIM" --port 0 --objects "$1" --history-depth "$2" --answer-cache-mb "${3:-4096}" --no-account-limits >"$log" 2>&1 &
    sim_pid=$!
    for _ in $(seq 1 600); do
        if grep -q "source " "$log"; then break; fi
        sleep 0.1
    done
    local env_file; env_file="$(sed -n 's/.*source //p' "$log")"
    # shellcheck disable=SC1090
    source "$env_file"
    rm -f "$log"
}

run_pair() { # rust-mode python-mode file
    # Warm-up (discarded): fills the simulator's answer cache for each
    # client's exact request, so every timed run is served from memory.
    $RUST "$1" 1 >/dev/null
    if [ -n "$2" ]; then $PY "$2" 1 >/dev/null; fi
    for _ in $(seq 1 "$RUNS"); do
        $RUST "$1" 1 >>"$3"
        if [ -n "$2" ]; then $PY "$2" 1 >>"$3"; fi
    done
}

: >"$OUT/catalog.jsonl"
echo "== gp, full catalog of $OBJECTS objects (json)"
start_sim "$OBJECTS" 1
run_pair gp-send gp-parse "$OUT/catalog.jsonl"
run_pair gp-stream gp-iterlines "$OUT/catalog.jsonl"

: >"$OUT/history.jsonl"
echo "== gp_history, $HISTORY_OBJECTS objects x $HISTORY_DEPTH"
start_sim "$HISTORY_OBJECTS" "$HISTORY_DEPTH"
run_pair history-send history-parse "$OUT/history.jsonl"
run_pair history-stream history-iterlines "$OUT/history.jsonl"
run_pair history-lines "" "$OUT/history.jsonl"

if [ "${BIG:-0}" = 1 ]; then
    : >"$OUT/big.jsonl"
    echo "== memory: gp_history, $BIG_OBJECTS objects x $BIG_DEPTH (>= 1 GB of JSON)"
    # No answer cache here: the point is the client's memory over a
    # gigabyte that is generated as it is sent.
    start_sim "$BIG_OBJECTS" "$BIG_DEPTH" 0
    for mode in history-stream history-send history-lines; do $RUST "$mode" 1 >>"$OUT/big.jsonl"; done
    $PY history-iterlines 1 >>"$OUT/big.jsonl"
fi
stop_sim
python3 bench/summarize.py "$OUT"/*.jsonl
