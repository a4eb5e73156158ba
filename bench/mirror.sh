#!/usr/bin/env bash
# The mirror's cost (issue 16): a first sync, a sync with nothing new, and
# curl fetching the same answers, against the release simulator. See
# bench/mirror.py.
#
#   bench/mirror.sh
#   RUNS=7 OBJECTS=60000 bench/mirror.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v curl >/dev/null || { echo "mirror.sh needs curl" >&2; exit 2; }
cargo build -q --release -p spacetrack-sim --bin spacetrack-sim -p spacetrack-cli --bin spacetrack
exec python3 bench/mirror.py
