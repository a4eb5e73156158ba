"""The floor benchmark (issue 14): every way of getting a whole answer,
side by side and interleaved, each as a ratio to curl (the raw transfer).

    bench/floor.sh              # builds, then runs this
    RUNS=7 bench/floor.sh

For each answer (the full gp catalog; gp_history of 200,000 records) and
each transfer (plain; gzip, the way answers usually travel over the
internet), a simulator serving the answer from memory is started, and in
every round each contestant runs once as a whole process, login included:

  curl          login, then the JSON answer to /dev/null (--compressed for gzip)
  send          typed Vec<Gp> (tests/src/bin/bench-client.rs)
  stream        typed records one at a time
  cli-ndjson    `spacetrack query ... -f ndjson` to /dev/null
  python        spacetrack 2.1.0, parse_types=True (bench/.venv)

Wall time, CPU time and peak RSS come from the operating system (wait4).
The ratio to curl is taken round by round, then the median; bench-client
also reports the heap of the decoded records and the heap's peak during
send(), to compare send()'s memory with the records it returns.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(os.environ.get("RUNS", "5"))
SIM = os.path.join(ROOT, "target/release/spacetrack-sim")
# CLIENT_BIN_DIR: the clients of another build (a "before" worktree's
# target/release), measured against this build's simulator.
BIN = os.environ.get("CLIENT_BIN_DIR", os.path.join(ROOT, "target/release"))
CLIENT = os.path.join(BIN, "bench-client")
CLI = os.path.join(BIN, "spacetrack")
# TRANSFERS=plain (or gzip) runs one of the two.
TRANSFERS = [t == "gzip" for t in os.environ.get("TRANSFERS", "plain,gzip").split(",")]
PY = os.path.join(ROOT, "bench/.venv/bin/python")

ANSWERS = [
    # (label, class, objects, history depth, bench-client prefix, python mode)
    ("gp, full catalog (30,000)", "gp", int(os.environ.get("OBJECTS", "30000")), 1, "gp", "gp-parse"),
    ("gp_history, 200,000 records", "gp_history",
     int(os.environ.get("HISTORY_OBJECTS", "20000")), int(os.environ.get("HISTORY_DEPTH", "10")),
     "history", "history-parse"),
]


def start_sim(objects, depth, gzip, tmp):
    log = open(os.path.join(tmp, "sim.log"), "w+")
    args = [SIM, "--port", "0", "--objects", str(objects), "--history-depth", str(depth),
            "--answer-cache-mb", "8192", "--no-account-limits"]
    if not gzip:
        args.append("--no-compression")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(600):
        log.seek(0)
        text = log.read()
        if "source " in text:
            env_file = text.split("source ", 1)[1].split()[0]
            env = dict(os.environ)
            for line in open(env_file):
                line = line.strip()
                if line.startswith("export "):
                    k, v = line[len("export "):].split("=", 1)
                    env[k] = v.strip("'\"")
            return proc, env
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("the simulator did not start")


def run(cmd, env, stdout=subprocess.DEVNULL):
    """Runs cmd; returns (wall s, cpu s, peak RSS KiB) from wait4."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=stdout, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    if status != 0:
        raise SystemExit(f"{cmd[0]} failed ({status}): {err[-2000:]}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def main():
    results = []
    with tempfile.TemporaryDirectory(prefix="floor-") as tmp:
        cred = os.path.join(tmp, "cred")
        jar = os.path.join(tmp, "jar")
        for label, klass, objects, depth, prefix, py_mode in ANSWERS:
            for gzip in TRANSFERS:
                proc, env = start_sim(objects, depth, gzip, tmp)
                try:
                    env["XDG_CACHE_HOME"] = os.path.join(tmp, "cache")
                    env["XDG_CONFIG_HOME"] = os.path.join(tmp, "config")
                    base = env["SPACETRACK_BASE_URL"]
                    # curl reads the credentials from a private file, never argv.
                    fd = os.open(cred, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                    with os.fdopen(fd, "w") as f:
                        from urllib.parse import urlencode
                        f.write(urlencode({"identity": env["SPACETRACK_IDENTITY"],
                                           "password": env["SPACETRACK_PASSWORD"]}))
                    url = f"{base}basicspacedata/query/class/{klass}/format/json"
                    login = f"curl -sf -c {jar} --data @{cred} {base}ajaxauth/login >/dev/null"
                    fetch = f"curl -sf -b {jar} {'--compressed ' if gzip else ''}-o /dev/null {url}"
                    contestants = [
                        ("curl", ["sh", "-c", f"{login} && {fetch}"]),
                        ("send", [CLIENT, f"{prefix}-send", "1"]),
                        ("stream", [CLIENT, f"{prefix}-stream", "1"]),
                        ("cli-ndjson", [CLI, "--max-per-minute", "600", "-q", "query", klass,
                                        "-f", "ndjson"]),
                        ("python", [PY, os.path.join(ROOT, "bench/py_client.py"), py_mode, "1"]),
                    ]
                    if os.environ.get("NO_PYTHON"):
                        contestants = [c for c in contestants if c[0] != "python"]
                    # Warm-up: fills the simulator's answer cache for every request.
                    for _, cmd in contestants:
                        run(cmd, env)
                    for r in range(RUNS):
                        for name, cmd in contestants:
                            wall, cpu, rss = run(cmd, env)
                            results.append({"answer": label, "gzip": gzip, "round": r,
                                            "contestant": name, "wall": wall, "cpu": cpu,
                                            "rss_kib": rss})
                    # The heap of send()'s records against its peak heap
                    # (builds before issue 14 have no heap mode).
                    out = subprocess.run([CLIENT, f"{prefix}-heap", "1"], env=env,
                                         capture_output=True, text=True).stdout
                    heap = [json.loads(l) for l in out.splitlines() if "records_heap" in l]
                    if heap:
                        results.append({"answer": label, "gzip": gzip, "heap": heap[-1]})
                finally:
                    proc.kill()
                    proc.wait()
    out_dir = os.path.join(ROOT, "bench/results")
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, time.strftime("floor-%Y%m%d-%H%M%S.jsonl"))
    with open(path, "w") as f:
        for r in results:
            f.write(json.dumps(r) + "\n")
    report(results, path)


def report(results, path):
    print(f"# floor benchmark, {RUNS} interleaved rounds ({os.path.relpath(path, ROOT)})")
    keys = list(dict.fromkeys((r["answer"], r["gzip"]) for r in results if "wall" in r))
    for answer, gzip in keys:
        rows = [r for r in results if r.get("answer") == answer and r.get("gzip") == gzip
                and "wall" in r]
        curl = {r["round"]: r["wall"] for r in rows if r["contestant"] == "curl"}
        print(f"\n## {answer}, {'gzip' if gzip else 'plain'}")
        print("| contestant | median wall s | x curl (median of rounds) | median CPU s | peak RSS MiB |")
        print("|---|---:|---:|---:|---:|")
        for name in dict.fromkeys(r["contestant"] for r in rows):
            rs = [r for r in rows if r["contestant"] == name]
            ratio = statistics.median(r["wall"] / curl[r["round"]] for r in rs)
            print(f"| {name} | {statistics.median(r['wall'] for r in rs):.3f} | {ratio:.2f} | "
                  f"{statistics.median(r['cpu'] for r in rs):.2f} | "
                  f"{max(r['rss_kib'] for r in rs) / 1024:.0f} |")
        for h in (r["heap"] for r in results if r.get("answer") == answer
                  and r.get("gzip") == gzip and "heap" in r):
            print(f"\nsend(): decoded records {h['records_heap'] / 2**20:.1f} MiB on the heap, "
                  f"heap peak during send {h['peak_heap'] / 2**20:.1f} MiB "
                  f"({h['peak_heap'] / h['records_heap']:.2f}x the records)")


if __name__ == "__main__":
    main()
