#!/usr/bin/env python3
"""authsweep --io=sync and --io=uring write byte-identical JSONL on the
peer-signed corpus (its mbox, its maildir, both at once); a refused io_uring
(simulated with AS_IO_URING_FAIL) gives the same output and one notice."""
import argparse
import os
import subprocess
import sys

NOTICE = "authsweep: io_uring unavailable (Operation not permitted); reading with pread"


def run(binary, data, mode, inputs, env=None):
    corpus = os.path.join(data, "peer-signed")
    cmd = [binary, "--io=" + mode, "--checks=dkim",
           "--dns=zone:" + os.path.join(corpus, "keys.zone"), "--now=1700086400"]
    cmd += [os.path.join(corpus, i) for i in inputs]
    e = dict(os.environ)
    e.pop("AS_IO_URING_FAIL", None)
    e.update(env or {})
    p = subprocess.run(cmd, capture_output=True, env=e, timeout=600)
    if p.returncode != 0:
        sys.exit("FAIL: %s exited %d: %s" % (" ".join(cmd), p.returncode,
                                             p.stderr.decode(errors="replace")))
    return p.stdout, p.stderr.decode(errors="replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--data", required=True)
    a = ap.parse_args()
    for inputs in (["corpus.mbox"], ["maildir"], ["maildir", "corpus.mbox"]):
        sync, _ = run(a.bin, a.data, "sync", inputs)
        uring, err = run(a.bin, a.data, "uring", inputs)
        lines = sync.count(b"\n")
        if lines < 400:
            sys.exit("FAIL: %s: only %d lines" % (inputs, lines))
        if sync != uring:
            sys.exit("FAIL: %s: --io=sync and --io=uring differ" % inputs)
        if NOTICE in err:
            print("note: io_uring refused by this kernel; the uring run fell back")
        fb, ferr = run(a.bin, a.data, "uring", inputs, {"AS_IO_URING_FAIL": "EPERM"})
        if fb != sync:
            sys.exit("FAIL: %s: fallback output differs" % inputs)
        if ferr.count(NOTICE) != 1:
            sys.exit("FAIL: %s: want the notice once on stderr, got: %r" % (inputs, ferr))
        print("ok: %s: %d lines identical (sync, uring, fallback)" % (inputs, lines))


if __name__ == "__main__":
    main()
