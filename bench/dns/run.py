#!/usr/bin/env python3
"""bench/dns/run.py - live DNS lookups per second against a local NSD, and a
run whose keys all miss the cache next to the same run from a recording.

  cold:  --dns=live:127.0.0.1:PORT   N messages, N distinct selectors: every
         key is a cache miss and one query to NSD
  warm:  --dns=zone:RECORDING        the same messages, answers from the
         --dns-record file of a cold run (no network)

Timed with hyperfine (median of --runs) when it is installed, else by a
loop of our own.  Usage:
  bench/dns/run.py --bin build/cli/authsweep [--messages 5000] [--runs 10]
                   [--jobs 2,32] [--inflight 64]
Needs nsd (tools/deps.sh).  Nothing leaves 127.0.0.1.
"""
import argparse
import base64
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "dns"))
import dnsharness  # noqa: E402

KEYS = os.path.join(ROOT, "tests", "conformance", "peer-signed", "keys.zone")
KEYNAME = "fm1._domainkey.orbittravel.co.uk."


def corpus(path, n):
    """n messages, selector i for message i: all distinct.  Right body hash,
    garbage b=: each message needs its key, then fails (no RSA work to speak
    of, so DNS dominates)."""
    body = b"hello\r\n"
    bh = base64.b64encode(hashlib.sha256(body).digest()).decode()
    with open(path, "wb") as f:
        for k in range(n):
            f.write((f"From a@bench.test Thu Nov  2 10:00:00 2023\n"
                     f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=bench.test;\n"
                     f" s=s{k}; h=from:subject; bh={bh}; b=AAAA\n"
                     f"From: a@bench.test\nSubject: m{k}\n"
                     f"Message-ID: <{k}@bench.test>\n\nhello\n\n").encode())


def key_rdata():
    for line in open(KEYS, encoding="utf-8"):
        if line.startswith(KEYNAME):
            return line.split("TXT", 1)[1].strip()
    raise KeyError(KEYNAME)


def median_times(cmds, runs, tmp):
    """{name: median seconds} for each (name, argv) in cmds."""
    if shutil.which("hyperfine"):
        out = os.path.join(tmp, "hf.json")
        argv = ["hyperfine", "--runs", str(runs), "--warmup", "1", "--style", "basic",
                "--export-json", out]
        for name, cmd in cmds:
            argv += ["-n", name, " ".join(cmd)]
        subprocess.run(argv, check=True, stdout=sys.stderr)
        res = json.load(open(out))["results"]
        return {r["command"]: r["median"] for r in res}
    times = {}
    for name, cmd in cmds:
        ts = []
        for _ in range(runs):
            t0 = time.monotonic()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            ts.append(time.monotonic() - t0)
        times[name] = statistics.median(ts)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--messages", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--jobs", default="2,32")
    ap.add_argument("--inflight", type=int, default=64)
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    tmp = tempfile.mkdtemp(prefix="as-bench-dns-")
    try:
        mbox = os.path.join(tmp, "bench.mbox")
        corpus(mbox, a.messages)
        rdata = key_rdata()
        zone = dnsharness.soa("bench.test") + "".join(
            f"s{i}._domainkey.bench.test. IN TXT {rdata}\n" for i in range(a.messages))
        with dnsharness.Nsd({"bench.test": zone}, tmp=tmp) as ns:
            ns.start("s0._domainkey.bench.test")
            live = f"--dns=live:127.0.0.1:{ns.port}"
            rec = os.path.join(tmp, "rec.zone")
            common = ["--now=1700086400", "--checks=dkim", "-o", "/dev/null"]
            subprocess.run([binary, live, *common, "--dns-record=" + rec, mbox], check=True,
                           stderr=subprocess.DEVNULL)
            cmds = []
            for j in a.jobs.split(","):
                cmds.append((f"cold-j{j}", [binary, live, f"--dns-inflight={a.inflight}",
                                            *common, f"-j{j}", mbox]))
                cmds.append((f"warm-j{j}", [binary, "--dns=zone:" + rec, *common,
                                            f"-j{j}", mbox]))
            before = ns.stats().get("num.type.TXT", 0)
            t = median_times(cmds, a.runs, tmp)
            sent = ns.stats().get("num.type.TXT", 0) - before
        print(f"{a.messages} messages, {a.messages} distinct keys, "
              f"--dns-inflight={a.inflight}, {os.cpu_count()} cores; medians of {a.runs} runs")
        print(f"NSD saw {sent} TXT queries over all timed runs "
              f"(hyperfine adds one warmup run per command)")
        print(f"{'run':<10} {'wall s':>8} {'lookups/s':>10}")
        for name, _ in cmds:
            lps = f"{a.messages / t[name]:10.0f}" if name.startswith("cold") else f"{'-':>10}"
            print(f"{name:<10} {t[name]:8.3f} {lps}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
