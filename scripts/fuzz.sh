#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ (decoders of every class, the
# streaming decoder, the modeldef parser).
#
#   scripts/fuzz.sh            # each target for 5 minutes
#   scripts/fuzz.sh --smoke    # each target for 10 seconds (CI)
#   FUZZ_SECONDS=3600 scripts/fuzz.sh decode_records
#
# cargo-fuzz wants nightly flags; this machine has one stable toolchain,
# so the script sets RUSTC_BOOTSTRAP=1 and builds without sanitizers
# (-s none): panics, aborts, runaway memory (-rss_limit_mb, -malloc_limit_mb)
# and hangs (-timeout) are still caught. With a nightly toolchain, drop both
# for AddressSanitizer.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${FUZZ_SECONDS:-300}"
targets=()
for arg in "$@"; do
    case "$arg" in
        --smoke) seconds=10 ;;
        *) targets+=("$arg") ;;
    esac
done
[ ${#targets[@]} -eq 0 ] && targets=(decode_records read_records modeldef)

command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
for t in "${targets[@]}"; do
    mkdir -p "artifacts/$t" "work/$t"
    echo "== fuzzing $t for ${seconds}s"
    # New inputs go to work/ (ignored); corpus/ holds the committed seeds.
    log="work/$t.log"
    status=0
    cargo fuzz run -s none "$t" "work/$t" "corpus/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 \
        -print_final_stats=1 >"$log" 2>&1 || status=$?
    grep -E "^(Done|stat::number_of_executed_units|INFO: seed corpus|SUMMARY)" "$log" || true
    if [ "$status" -ne 0 ]; then
        tail -40 "$log"
        echo "fuzz target $t failed (exit $status); the input is in fuzz/artifacts/$t"
        exit 1
    fi
done
