#!/usr/bin/env bash
# The largest functions in an rlib: sizes from `nm -S` over its objects,
# summed per symbol (generic instances together), largest first.
#
#   bench/symsize.sh target/release/deps/libspacetrack-HASH.rlib [TOP]
set -euo pipefail
rlib="$(realpath "$1")"
top="${2:-15}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work" && ar x "$rlib"
nm -S -C ./*.o 2>/dev/null | TOP="$top" python3 -c '
import collections, os, re, sys
total = collections.Counter(); count = collections.Counter()
for line in sys.stdin:
    p = line.rstrip("\n").split(" ", 3)
    if len(p) < 4 or p[2] not in "tTwW":
        continue
    try:
        size = int(p[1], 16)
    except ValueError:
        continue
    name = re.sub(r"::h[0-9a-f]{16}$", "", p[3])
    total[name] += size; count[name] += 1
print("code bytes", sum(total.values()))
for name, size in total.most_common(int(os.environ["TOP"])):
    print(size, count[name], name[:160])
'
