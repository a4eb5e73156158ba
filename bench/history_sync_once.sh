#!/bin/sh
# One gp_history sync of the whole simulated history into a new SQLite file,
# for side-by-side timing of two builds with farm-bench (BENCHMARKS.md §7):
#
#   target/release/spacetrack-sim --objects 20000 --history-depth 10 \
#       --no-account-limits --answer-cache-mb 2048 &      # prints its env file
#   export SIM_ENV=/tmp/spacetrack-sim-PORT.env
#   farm-bench -n 7 --timeout 400 --vs "bench/history_sync_once.sh OLD_BIN b" \
#       -- bench/history_sync_once.sh target/release/spacetrack a
#
# The second argument names the run's cache folder (each build its own
# stored session and guidance ledger).
set -e
. "${SIM_ENV:?the simulator's env file}"
export XDG_CACHE_HOME="${TMPDIR:-/tmp}/history-sync-cache-$2"
D=$(mktemp -d)
"$1" --max-per-minute 600 -q mirror sync --force --class gp_history \
    --history 1957-01-01.. --window-days 3650 --db "sqlite:$D/h.db"
rm -rf "$D"
