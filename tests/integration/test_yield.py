#!/usr/bin/env python3
"""Jobs yield on DNS instead of blocking a worker (issue 3's job model).

--dns=slowzone:MS:FILE answers every query MS ms late from its own thread.
With one worker (-j1), a blocking design would ask for one key at a time;
a yielding one starts other messages while answers are in flight, so many
messages end up waiting on the same query: the summary's "coalesced waits"
is then above zero.  That proves the yield without timing anything.  The
output must be byte-identical to the instant zone backend, for -j1 and -j2.
Ends with "N passed, M failed, 0 skipped".
"""

import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PEER = os.path.join(ROOT, "tests", "conformance", "peer-signed")


def run(binary, dns, jobs):
    p = subprocess.run([binary, "-j%d" % jobs, "--summary", "--dns=" + dns,
                        "--now=1700086400", os.path.join(PEER, "corpus.mbox")],
                       capture_output=True, timeout=300)
    return p.returncode, p.stdout, p.stderr.decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    a = ap.parse_args()
    zone = os.path.join(PEER, "keys.zone")
    passed = failed = 0

    def check(name, cond, detail=""):
        nonlocal passed, failed
        if cond:
            passed += 1
            print("ok   " + name)
        else:
            failed += 1
            print("FAIL %s %s" % (name, detail))

    rc, want, _ = run(a.bin, "zone:" + zone, 1)
    check("instant zone run", rc == 0 and want.count(b"\n") == 400)
    for jobs in (1, 2):
        rc, got, err = run(a.bin, "slowzone:25:" + zone, jobs)
        check("-j%d slow DNS: same bytes as instant DNS" % jobs, rc == 0 and got == want)
        m = re.search(r"DNS queries (\d+), cache hits (\d+), coalesced waits (\d+)", err)
        check("-j%d slow DNS: summary has DNS counters" % jobs, m is not None, err[-300:])
        if m:
            queries, coalesced = int(m.group(1)), int(m.group(3))
            check("-j%d slow DNS: messages waited together (coalesced %d)" % (jobs, coalesced),
                  coalesced > 0)
            check("-j%d slow DNS: one query per distinct name (%d)" % (jobs, queries),
                  0 < queries < 400)
    print("%d passed, %d failed, 0 skipped" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
