#!/usr/bin/env python3
"""Nothing lost: for every corpus of the test suite, lines out == messages in.

Corpora are found when the test runs: every mbox (*.mbox), maildir (a
directory holding cur/ or new/) and .eml file under tests/conformance,
examples/, tests/io/data and tests/hostile/data (the hostile areas' data as
it is at that moment).  Messages are counted here, independently of
authsweep: an .eml is one message, a maildir holds one per regular
non-dot file of cur/ and new/, and an mbox one per From_ line (RFC 4155: a
line starting "From " at the start of the file or after a line break;
mboxrd and mboxo quote the others).  Each corpus runs alone, offline (an
empty zone), and every line must be one JSON object naming its source.
Stdlib only; ends with "N passed, M failed, 0 skipped".
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TREES = ["tests/conformance", "examples", "tests/io/data", "tests/hostile/data"]

results = {"passed": 0, "failed": 0}


def check(name, cond, detail=""):
    results["passed" if cond else "failed"] += 1
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else " " + detail))


def is_maildir(d):
    return os.path.isdir(os.path.join(d, "cur")) or os.path.isdir(os.path.join(d, "new"))


def count_maildir(d):
    n = 0
    for sub in ("cur", "new"):
        p = os.path.join(d, sub)
        if os.path.isdir(p):
            n += sum(1 for f in os.listdir(p)
                     if not f.startswith(".") and os.path.isfile(os.path.join(p, f)))
    return n


def count_mbox(path):
    with open(path, "rb") as f:
        data = f.read()
    return int(data.startswith(b"From ")) + data.count(b"\nFrom ")


def corpora():
    """(kind, path, messages) for every corpus, sorted."""
    found = []
    for tree in TREES:
        top = os.path.join(ROOT, tree)
        for dirpath, dirnames, filenames in os.walk(top):
            if is_maildir(dirpath):
                found.append(("maildir", dirpath, count_maildir(dirpath)))
            dirnames.sort()
            for f in sorted(filenames):
                p = os.path.join(dirpath, f)
                if f.endswith(".mbox"):
                    found.append(("mbox", p, count_mbox(p)))
                elif f.endswith(".eml") and os.sep + "cur" + os.sep not in p and \
                        os.sep + "new" + os.sep not in p:
                    found.append(("eml", p, 1))
    return found


def run_one(binary, zone, kind, path, want):
    name = "%s %s" % (kind, os.path.relpath(path, ROOT))
    p = subprocess.run([binary, "--dns=zone:" + zone, "-j2", "--no-progress", path],
                       capture_output=True, timeout=600)
    raw = p.stdout.split(b"\n")
    check(name + ": output ends with a line break", p.stdout == b"" or raw[-1] == b"")
    lines, bad = [], None
    for r in raw[:-1]:
        try:
            obj = json.loads(r)
            if not isinstance(obj, dict) or "source" not in obj:
                bad = "not a record: %r" % r[:120]
            lines.append(obj)
        except ValueError as e:
            bad = "%r: %s" % (r[:120], e)
    check(name + ": every line is one JSON record", bad is None, bad or "")
    check(name + ": %d lines for %d messages" % (len(lines), want), len(lines) == want,
          "got %d" % len(lines))
    tail = p.stderr.decode(errors="replace").strip().splitlines()
    check(name + ": stderr counts %d in and out" % want,
          bool(tail) and ("%d messages in, %d lines out" % (want, want)) in tail[-1],
          tail[-1] if tail else "(no stderr)")
    check(name + ": exit code 0", p.returncode == 0, "got %d" % p.returncode)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    a = ap.parse_args()
    found = corpora()
    kinds = {k for k, _, _ in found}
    check("corpora found: mbox, maildir and eml", kinds == {"mbox", "maildir", "eml"},
          repr(kinds))
    with tempfile.NamedTemporaryFile("w", suffix=".zone") as z:
        z.write("; empty: every name is NXDOMAIN, nothing leaves the machine\n")
        z.flush()
        for kind, path, want in found:
            run_one(a.bin, z.name, kind, path, want)
    print("%d corpora" % len(found))
    print("%d passed, %d failed, 0 skipped" % (results["passed"], results["failed"]))
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
