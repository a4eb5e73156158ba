#!/usr/bin/env bash
# gp_history ingest (issue 23): a `spacetrack mirror sync --class gp_history`
# of the whole simulated history (OBJECTS x DEPTH rows, 200,000 by default)
# into an empty SQLite file, three rounds against the release simulator (the
# first fills its answer cache); rows per second = rows / wall time.
#
#   bench/history_ingest.sh
#   BIN=/other/worktree/target/release/spacetrack bench/history_ingest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p spacetrack-sim --bin spacetrack-sim -p spacetrack-cli --bin spacetrack
BIN=${BIN:-target/release/spacetrack}
SIM=${SIM:-target/release/spacetrack-sim}
W=$(mktemp -d)
$SIM --objects ${OBJECTS:-20000} --history-depth ${DEPTH:-10} --no-account-limits --answer-cache-mb 2048 > $W/sim.out &
SIMPID=$!
for i in $(seq 100); do grep -q "source" $W/sim.out 2>/dev/null && break; sleep 0.2; done
source $(grep -o "source [^ ]*" $W/sim.out | cut -d' ' -f2)
export XDG_CACHE_HOME=$W/cache
for r in 1 2 3; do
  rm -f $W/h.db*
  /usr/bin/time -f "%e s wall, %U user %S sys" $BIN --max-per-minute 600 -q mirror sync --force --class gp_history --history 1957-01-01.. --window-days ${WINDOW:-3650} --db sqlite:$W/h.db 2>&1 | tail -2
  python3 -c "import sqlite3;print('rows:', sqlite3.connect('$W/h.db').execute('select count(*) from gp_history').fetchone()[0])"
done
kill $SIMPID; rm -rf $W
