#!/usr/bin/env python3
"""The authsweep command line: options, exit codes, limits, clocks.

Runs the real binary on the bundled examples (examples/) and on messages of
the peer-signed corpus (tests/conformance/peer-signed).  Stdlib only.
Ends with "N passed, M failed, 0 skipped"; exits 1 on any failure.
"""

import argparse
import glob
import gzip
import json
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EX = os.path.join(ROOT, "examples")
PEER = os.path.join(ROOT, "tests", "conformance", "peer-signed")
PEER_NOW = "1700086400"

results = {"passed": 0, "failed": 0}


def run(binary, *args, stdin=None):
    p = subprocess.run([binary, *args], input=stdin, capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def check(name, cond, detail=""):
    if cond:
        results["passed"] += 1
        print("ok   " + name)
    else:
        results["failed"] += 1
        print("FAIL %s %s" % (name, detail))


def lines(out):
    return [json.loads(l) for l in out.splitlines()]


def peer_file(index):
    return glob.glob(os.path.join(PEER, "maildir", "cur", "*.M%06dP*" % index))[0]


def test_help_and_version(b):
    rc, out, _ = run(b, "--help")
    check("help exits 0 and prints usage", rc == 0 and out.startswith("usage: authsweep"))
    rc, out, _ = run(b, "--version")
    check("version prints the version", rc == 0 and out.startswith("authsweep 0."), out)


def test_usage_errors(b):
    zone = "--dns=zone:" + os.path.join(EX, "example.zone")
    mbox = os.path.join(EX, "archive.mbox")
    cases = [
        ("no input", [zone], "no input"),
        ("unknown option", [zone, "--frobnicate", mbox], "unrecognized"),
        ("empty checks", [zone, "--checks=,", mbox], "empty list"),
        ("bad ip", [zone, "--ip=300.1.1.1", mbox], "--ip"),
        ("bad dmarc mode", [zone, "--dmarc=2020", mbox], "--dmarc"),
        ("bad border regex", [zone, "--border-by=(", mbox], "--border-by"),
        ("unknown checker", [zone, "--checks=dkim,xyz", mbox], "unknown checker"),
        ("jobs zero", [zone, "-j0", mbox], "--jobs"),
        ("bad now", [zone, "--now=yesterday", mbox], "--now"),
        ("bad mbox", [zone, "--mbox=xx", mbox], "--mbox"),
        ("gzip ratio past deflate's", [zone, "--max-gzip-ratio=2000", mbox], "--max-gzip-ratio"),
        ("gzip ratio not a number", [zone, "--max-gzip-ratio=x", mbox], "--max-gzip-ratio"),
        ("no dns", [mbox], "--dns=zone:FILE"),
        ("missing zone", ["--dns=zone:/nonexistent/zone", mbox], "/nonexistent/zone"),
    ]
    for name, args, needle in cases:
        rc, out, err = run(b, *args)
        check("usage error: " + name, rc == 1 and out == "" and needle in err,
              "rc=%d err=%r" % (rc, err[-200:]))


def test_examples_verdicts(b):
    zone = "--dns=zone:" + os.path.join(EX, "example.zone")
    inputs = [os.path.join(EX, "archive.mbox"), os.path.join(EX, "maildir")]
    for legacy, want in ((False, {"pass": 13, "fail": 2, "permerror": 2, "policy": 1}),
                         (True, {"pass": 14, "fail": 2, "permerror": 2})):
        args = [zone, "--summary"] + (["--legacy"] if legacy else []) + inputs
        rc, out, err = run(b, *args)
        got = {}
        for o in lines(out):
            for s in o["dkim"]:
                got[s["result"]] = got.get(s["result"], 0) + 1
        tag = "examples%s" % (" --legacy" if legacy else "")
        check(tag + ": verdicts match examples/README.md", rc == 0 and got == want, got)
        check(tag + ": 18 lines, no tmp/ message",
              len(out.splitlines()) == 18 and "/maildir/tmp/" not in out)
        last = err.strip().splitlines()[-1]
        check(tag + ": last stderr line counts in and out",
              last.startswith("authsweep: 18 messages in, 18 lines out,"), last)
        check(tag + ": summary table", "DKIM signatures       18" in err, err)


def test_output_file_and_full_disk(b, tmp):
    zone = "--dns=zone:" + os.path.join(EX, "example.zone")
    mbox = os.path.join(EX, "archive.mbox")
    path = os.path.join(tmp, "out.jsonl")
    rc, out, _ = run(b, zone, "-o", path, mbox)
    with open(path) as f:
        written = f.read()
    check("-o FILE writes the lines there", rc == 0 and out == "" and len(written.splitlines()) == 13)
    rc, out, err = run(b, zone, "-o", "/dev/full", mbox)
    check("-o /dev/full: exit 3 with a clear error",
          rc == 3 and "writing output" in err and "0 lines out" in err, "rc=%d %r" % (rc, err))


def test_max_signatures(b):
    """twenty_signatures (index 121): 20 valid signatures; past the limit,
    permerror (catalogue H1) with no DNS or crypto."""
    rc, out, _ = run(b, "--dns=zone:" + os.path.join(PEER, "keys.zone"), "--now=" + PEER_NOW,
                     "--max-signatures=5", peer_file(121))
    sigs = lines(out)[0]["dkim"]
    check("limit: all 20 signatures are listed", rc == 0 and len(sigs) == 20)
    check("limit: the first 5 verify", all(s["result"] == "pass" for s in sigs[:5]))
    check("limit: the rest are permerror without crypto or key",
          all(s["result"] == "permerror" and
              s["reason"] == "too many signatures: only the first 5 are verified" and
              s["crypto"] is None and s["key_bits"] is None and s["d"] for s in sigs[5:]))


def test_now_message_date(b):
    """x_past (index 129): x= is a day before the corpus clock, but after the
    message's Date; t= is six days after that Date."""
    zone = "--dns=zone:" + os.path.join(PEER, "keys.zone")
    f = peer_file(129)
    _, out, _ = run(b, zone, "--now=" + PEER_NOW, f)
    s = lines(out)[0]["dkim"][0]
    check("clock: x= in the past is expired",
          s["result"] == "permerror" and s["reason"] ==
          "signature expired: x=1700000000 is before the clock 1700086400", s)
    _, out, _ = run(b, zone, "--now=message-date", f)
    s = lines(out)[0]["dkim"][0]
    check("clock: by the message's Date it is not expired but t= is ahead",
          s["result"] == "policy" and s["reason"] ==
          "t= in the future: t=1699481600 is over 86400 s after the clock 1698945728" and
          s["crypto"] == "pass", s)


def test_stdin_single_message(b):
    with open(os.path.join(EX, "maildir", "cur", sorted(os.listdir(os.path.join(EX, "maildir", "cur")))[0]), "rb") as f:
        msg = f.read()
    rc, out, _ = run(b, "--dns=zone:" + os.path.join(EX, "example.zone"), "-", stdin=msg)
    o = lines(out)
    check("stdin: one message read as .eml", rc == 0 and len(o) == 1 and o[0]["source"] == "-"
          and o[0]["dkim"][0]["result"] == "pass", out)


def test_stdin_gzip(b):
    """`zcat`-less pipelines: a gzip-compressed mbox on stdin gives the plain lines."""
    zone = "--dns=zone:" + os.path.join(EX, "example.zone")
    mbox = os.path.join(EX, "archive.mbox")
    with open(mbox, "rb") as f:
        packed = gzip.compress(f.read())
    rc0, plain, _ = run(b, zone, "--max-gzip-ratio=0", mbox)
    rc, out, _ = run(b, zone, "-", stdin=packed)
    want = [dict(l, source="-") for l in lines(plain)]
    check("stdin: gzip mbox gives the plain mbox's lines", rc0 == 0 and rc == 0 and
          len(want) > 1 and lines(out) == want, out[-300:])


def test_progress(b):
    """A progress line into a log (not a terminal): one a second with --progress.
    The slow zone (each answer 700 ms late, two rounds at least) makes the run
    last over a second whatever the machine; the count line stays last."""
    zone = "--dns=slowzone:700:" + os.path.join(EX, "example.zone")
    mbox = os.path.join(EX, "archive.mbox")
    rc, _, err = run(b, zone, "--progress", mbox)
    lines_ = err.strip().splitlines()
    prog = [l for l in lines_ if " msgs, " in l and "DNS in flight" in l and "ETA" in l]
    check("--progress: progress lines on stderr", rc == 0 and len(prog) >= 1, err[-300:])
    check("--progress: the count line stays last",
          lines_[-1].startswith("authsweep: 13 messages in, 13 lines out"), lines_[-1:])
    rc, _, err = run(b, zone, "--no-progress", mbox)
    check("--no-progress: none", rc == 0 and " msgs, " not in err, err[-300:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--tmp", default=None)
    a = ap.parse_args()
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        test_help_and_version(a.bin)
        test_usage_errors(a.bin)
        test_examples_verdicts(a.bin)
        test_output_file_and_full_disk(a.bin, tmp)
        test_max_signatures(a.bin)
        test_now_message_date(a.bin)
        test_stdin_single_message(a.bin)
        test_stdin_gzip(a.bin)
        test_progress(a.bin)
    print("%d passed, %d failed, 0 skipped" % (results["passed"], results["failed"]))
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
