#!/usr/bin/env bash
# Regeneration for crate users (issues 12 and 25), walking the README's path
# exactly: `spacetrack schemas pull --dir` into an empty folder, against a
# simulator whose gp has columns this build lacks (as after Space-Track
# added them), then a small crate built on that folder through
# SPACETRACK_SCHEMAS_DIR: the new columns are typed, and every type the
# bundled schemas' notes give (semantic datetimes, dates) survives the pull.
set -euo pipefail
cd "$(dirname "$0")/.."
work="target/regen-check"
rm -rf "$work/schemas" "$work/home"
mkdir -p "$work/home"
cargo build -q -p spacetrack-cli
cli="$PWD/target/debug/spacetrack"

# The simulator: a throwaway account on loopback, stopped on the way out.
export XDG_CACHE_HOME="$PWD/$work/home/cache" XDG_CONFIG_HOME="$PWD/$work/home/config"
"$cli" sim --objects 300 --no-account-limits \
    --extra-column 'gp:REENTRY_RISK:decimal(5,4)' \
    --extra-column 'gp:FOOTPRINT:geometry' >"$work/sim.log" 2>&1 &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null || true' EXIT
env_file=""
for _ in $(seq 1 100); do
    env_file="$(sed -n 's/.*source \(.*\.env\).*/\1/p' "$work/sim.log")"
    [ -n "$env_file" ] && break
    sleep 0.1
done
[ -n "$env_file" ] || { cat "$work/sim.log" >&2; echo "regen-check: the simulator did not start" >&2; exit 1; }
# shellcheck disable=SC1090
. "$env_file"
"$cli" --max-per-minute 600 schemas pull --dir "$work/schemas" -q
kill "$sim_pid" 2>/dev/null || true
grep -q '"REENTRY_RISK"' "$work/schemas/basicspacedata/gp.json" \
    || { echo "regen-check: the pulled gp schema lacks the new column" >&2; exit 1; }

# Same dependency versions as the workspace.
cp Cargo.lock tests/regen/Cargo.lock
export SPACETRACK_SCHEMAS_DIR="$PWD/$work/schemas" CARGO_TARGET_DIR="$PWD/target/regen-check/target"
# Force the build script to run so that its warnings are printed.
touch spacetrack-sdk/build.rs
cargo test --manifest-path tests/regen/Cargo.toml 2>&1 | tee "$work/log"
grep -q "column \`FOOTPRINT\`: unknown MySQL type \`geometry\`" "$work/log" \
    || { echo "regen-check: no cargo warning for the unknown type" >&2; exit 1; }
grep -q "test result: ok. 2 passed" "$work/log" \
    || { echo "regen-check: the regenerated crate's tests did not pass" >&2; exit 1; }
echo "regen-check: ok"
