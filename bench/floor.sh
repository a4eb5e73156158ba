#!/usr/bin/env bash
# The floor benchmark (issue 14): curl, typed send() and stream(), the CLI's
# ndjson and the Python client, interleaved round by round on the full gp
# catalog and on 200,000 gp_history records, plain and gzip; each reported
# as a ratio to curl, with peak memory. See bench/floor.py.
#
#   bench/floor.sh
#   RUNS=7 bench/floor.sh
#   NO_PYTHON=1 bench/floor.sh     # skip the Python client (faster)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v curl >/dev/null || { echo "floor.sh needs curl" >&2; exit 2; }
if [ -z "${NO_PYTHON:-}" ]; then
    [ -x bench/.venv/bin/python ] || python3 -m venv bench/.venv
    bench/.venv/bin/pip install -q --disable-pip-version-check "spacetrack==2.1.0"
fi
cargo build -q --release -p spacetrack-sim --bin spacetrack-sim -p spacetrack-tests --bin bench-client \
    -p spacetrack-cli --bin spacetrack
exec python3 bench/floor.py
