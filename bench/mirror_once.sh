#!/bin/sh
# One mirror command, or curl fetching the same answers, against a running
# release simulator: for side-by-side timing with farm-bench (BENCHMARKS.md
# §7), which pairs the rounds of two commands on a noisy machine.
#
#   target/release/spacetrack-sim --objects 30000 --no-account-limits \
#       --answer-cache-mb 1024 &                       # prints its env file
#   export SIM_ENV=/tmp/spacetrack-sim-PORT.env
#   bench/mirror_once.sh first BIN            # a first sync into an empty file
#   bench/mirror_once.sh again BIN SYNCED.db  # nothing new: syncs SYNCED.db in place
#   bench/mirror_once.sh second BIN SYNCED.db # nothing new: syncs a copy
#   bench/mirror_once.sh curl                 # the answers a first sync asks for
#   bench/mirror_once.sh curl-gzip            # ... asked gzip-compressed and inflated,
#                                             # as the client asks (curl --compressed)
#
#   farm-bench -n 9 --vs "bench/mirror_once.sh curl" \
#       -- bench/mirror_once.sh first target/release/spacetrack
#
# Every run has a cache folder of its own (no shared request ledger, so no
# pacing waits; a login each time, as curl's).
#
# SYNCED.db for `again`: a first sync, then a second (which records the
# digests of the message classes' since-requests), then `sync` (the
# command): every run is then the sync an hourly job makes when nothing
# changed, and leaves the file as it found it. `second` times the sync right
# after a first one instead, on a copy: the copy is in the timing, and so is
# writing the copy's pages to disk (SQLite syncs the file when it closes),
# 36 ms of its 79 on 2026-12-05 (`strace -T`, `farm-bench` of `cp` alone).
set -e
. "${SIM_ENV:?the simulator's env file}"
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
export XDG_CACHE_HOME="$D/cache"
case "$1" in
first)
    "$2" --max-per-minute 600 -q mirror sync --force --db "sqlite:$D/m.db" ;;
again)
    "$2" --max-per-minute 600 -q mirror sync --force --db "sqlite:$3" ;;
second)
    cp "$3" "$D/m.db"
    "$2" --max-per-minute 600 -q mirror sync --force --db "sqlite:$D/m.db" ;;
curl | curl-gzip)
    B=$SPACETRACK_BASE_URL
    Z=""
    [ "$1" = curl-gzip ] && Z=--compressed
    set -- -s -c "$D/jar" -b "$D/jar" -o /dev/null \
        --data-urlencode "identity=$SPACETRACK_IDENTITY" \
        --data-urlencode "password=$SPACETRACK_PASSWORD" "${B}ajaxauth/login"
    for q in \
        "basicspacedata/query/class/gp/orderby/GP_ID%20asc/format/json" \
        "basicspacedata/query/class/gp/predicates/GP_ID,NORAD_CAT_ID,DECAY_DATE,OBJECT_NAME,OBJECT_ID,OBJECT_TYPE,RCS_SIZE,COUNTRY_CODE,LAUNCH_DATE,SITE/format/json" \
        "basicspacedata/query/class/satcat/format/json" \
        "basicspacedata/query/class/decay/format/json" \
        "basicspacedata/query/class/tip/format/json" \
        "basicspacedata/query/class/cdm_public/format/json" \
        "basicspacedata/query/class/boxscore/format/json" \
        "basicspacedata/query/class/launch_site/format/json"; do
        set -- "$@" --next -s $Z -b "$D/jar" -o /dev/null "$B$q"
    done
    curl "$@" ;;
*) echo "usage: $0 first BIN | again BIN SYNCED.db | second BIN SYNCED.db | curl | curl-gzip" >&2; exit 2 ;;
esac
