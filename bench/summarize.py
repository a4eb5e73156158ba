"""Summarises bench/run.sh output: per mode the median time and peak RSS,
and per pairing the ratio of each interleaved run and its median."""

import json
import statistics
import sys
from collections import defaultdict

PAIRS = [("gp-send", "gp-parse"), ("gp-stream", "gp-iterlines"),
         ("history-send", "history-parse"), ("history-stream", "history-iterlines"),
         ("history-lines", "history-iterlines")]


def main(paths):
    for path in paths:
        times, cpu, rss, records = defaultdict(list), defaultdict(list), defaultdict(list), {}
        for line in open(path):
            r = json.loads(line)
            key = (r["client"], r["mode"])
            if "seconds" in r:
                times[key].append(r["seconds"])
                cpu[key].append(r.get("cpu_seconds", 0.0))
                records[key] = r["records"]
            if "peak_rss_kib" in r:
                rss[key].append(r["peak_rss_kib"])
        print(f"\n## {path}")
        print("| client | mode | records | runs | median s | median CPU s | records/s | peak RSS MiB (max) |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        for key in sorted(times):
            med = statistics.median(times[key])
            print(f"| {key[0]} | {key[1]} | {records[key]:,} | {len(times[key])} | {med:.3f} | "
                  f"{statistics.median(cpu[key]):.2f} | "
                  f"{records[key] / med:,.0f} | {max(rss[key]) / 1024:.0f} |")
        for rust, py in PAIRS:
            a, b = times.get(("rust", rust)), times.get(("python", py))
            if a and b and len(a) == len(b):
                ratios = [pb / ra for ra, pb in zip(a, b)]
                print(f"\n{py} / {rust} (wall): per run {', '.join(f'{x:.1f}x' for x in ratios)}; "
                      f"median {statistics.median(ratios):.1f}x")
                ca, cb = cpu[("rust", rust)], cpu[("python", py)]
                cr = [pb / max(ra, 0.01) for ra, pb in zip(ca, cb)]
                print(f"{py} / {rust} (CPU): per run {', '.join(f'{x:.1f}x' for x in cr)}; "
                      f"median {statistics.median(cr):.1f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
