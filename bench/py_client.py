"""The Python side of the end-to-end benchmark (bench/run.sh): the reference
client, spacetrack 2.1.0, on the same simulator and the same data.

    py_client.py MODE RUNS   (SPACETRACK_* point at the simulator)

Prints one JSON object per run, then one with the peak RSS.
"""

import json
import os
import resource
import sys
import tempfile
import time

import spacetrack


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    mode, runs = sys.argv[1], int(sys.argv[2])
    cache = tempfile.mkdtemp(prefix="spacetrack-bench-")
    st = spacetrack.SpaceTrackClient(
        os.environ["SPACETRACK_IDENTITY"],
        os.environ["SPACETRACK_PASSWORD"],
        base_url=os.environ["SPACETRACK_BASE_URL"],
        cache_path=cache,
    )
    st.authenticate()
    # Fetch the modeldefs parse_types needs before timing (cached after).
    st.get_predicates("gp")
    st.get_predicates("gp_history")
    for run in range(runs):
        t = time.perf_counter()
        cpu = cpu_seconds()
        if mode == "gp-parse":
            records = len(st.gp(parse_types=True))
        elif mode == "gp-iterlines":
            records = sum(1 for _ in st.gp(iter_lines=True))
        elif mode == "history-parse":
            records = len(st.gp_history(parse_types=True))
        elif mode == "history-iterlines":
            records = sum(1 for _ in st.gp_history(iter_lines=True, format="3le"))
        else:
            raise SystemExit(f"unknown mode {mode}")
        print(json.dumps({"client": "python", "mode": mode, "run": run,
                          "seconds": round(time.perf_counter() - t, 4),
                          "cpu_seconds": round(cpu_seconds() - cpu, 2), "records": records}),
              flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"client": "python", "mode": mode, "peak_rss_kib": peak}), flush=True)
    st.close()


if __name__ == "__main__":
    main()
