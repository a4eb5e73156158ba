#!/usr/bin/env python3
"""The mirror's cost (issue 16), against the release simulator serving answers
from memory: per round, a first `spacetrack mirror sync` into an empty SQLite
file, a second sync with nothing new, and curl fetching the same answers the
first sync asks for (login included): the transfer floor. Medians over RUNS
rounds; the ratio is taken round by round.

    bench/mirror.sh            # RUNS=5 OBJECTS=30000
    CLI_BIN=/other/worktree/target/release/spacetrack python3 bench/mirror.py
"""
import json, os, re, statistics, subprocess, sys, tempfile, time

RUNS = int(os.environ.get("RUNS", "5"))
OBJECTS = os.environ.get("OBJECTS", "30000")
# CLI_BIN: another build's command (a "before" worktree's), against the
# same simulator.
BIN = os.environ.get("CLI_BIN", "target/release/spacetrack")
SIM = "target/release/spacetrack-sim"

sim = subprocess.Popen(
    [SIM, "--objects", OBJECTS, "--no-account-limits", "--answer-cache-mb", "1024"],
    stdout=subprocess.PIPE, text=True)
env_file = None
for line in sim.stdout:
    m = re.search(r"source (\S+)", line)
    if m:
        env_file = m.group(1)
        break
env = dict(os.environ)
for line in open(env_file):
    k, v = line.strip().removeprefix("export ").split("=", 1)
    env[k] = v
base = env["SPACETRACK_BASE_URL"]
work = tempfile.mkdtemp()
env["XDG_CACHE_HOME"] = os.path.join(work, "cache")

runs = 0

def run(args):
    # Each command gets a cache folder of its own, so none shares the
    # account's request ledger with the last: the rounds come faster than
    # the pacing of 600 requests a minute allows (at most 100 in any 10 s),
    # and a round that waited for it would measure the wait, not the work.
    # Each then logs in, as curl does.
    global runs
    runs += 1
    env["XDG_CACHE_HOME"] = os.path.join(work, f"cache-{runs}")
    t = time.perf_counter()
    out = subprocess.run(args, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{args}: {out.returncode}: {out.stderr}")
    return time.perf_counter() - t, out.stderr

QUERIES = [
    "basicspacedata/query/class/gp/orderby/GP_ID%20asc/format/json",
    "basicspacedata/query/class/gp/predicates/GP_ID,NORAD_CAT_ID,DECAY_DATE,OBJECT_NAME,OBJECT_ID,OBJECT_TYPE,RCS_SIZE,COUNTRY_CODE,LAUNCH_DATE,SITE/format/json",
    "basicspacedata/query/class/satcat/format/json",
    "basicspacedata/query/class/decay/format/json",
    "basicspacedata/query/class/tip/format/json",
    "basicspacedata/query/class/cdm_public/format/json",
    "basicspacedata/query/class/boxscore/format/json",
    "basicspacedata/query/class/launch_site/format/json",
]

def curl():
    jar = os.path.join(work, "jar")
    args = ["curl", "-s", "-c", jar, "-b", jar, "-o", "/dev/null",
            "--data-urlencode", f"identity={env['SPACETRACK_IDENTITY']}",
            "--data-urlencode", f"password={env['SPACETRACK_PASSWORD']}",
            f"{base}ajaxauth/login"]
    for q in QUERIES:
        args += ["--next", "-s", "-b", jar, "-o", "/dev/null", f"{base}{q}"]
    return run(args)[0]

rows = []
cli = [BIN, "--max-per-minute", "600", "mirror", "sync", "--force"]
for r in range(RUNS):
    db = os.path.join(work, f"m{r}.db")
    floor = curl()
    first, log = run(cli + ["--db", f"sqlite:{db}"])
    second, _ = run(cli + ["--db", f"sqlite:{db}"])
    size = os.path.getsize(db) + (os.path.getsize(db + "-wal") if os.path.exists(db + "-wal") else 0)
    rows.append(dict(curl=floor, first=first, second=second, db_mib=size / 2**20))
    print(json.dumps(rows[-1]), flush=True)
sim.terminate()
med = lambda k: statistics.median(x[k] for x in rows)
ratio = lambda k: statistics.median(x[k] / x["curl"] for x in rows)
print(f"objects {OBJECTS}, {RUNS} rounds (medians)")
print(f"curl, the same answers:  {med('curl'):.3f} s")
print(f"first sync:              {med('first'):.3f} s  ({ratio('first'):.2f}x curl)")
print(f"sync with nothing new:   {med('second'):.3f} s  ({ratio('second'):.2f}x curl)")
print(f"SQLite file:             {med('db_mib'):.1f} MiB")
