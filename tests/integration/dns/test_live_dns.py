#!/usr/bin/env python3
"""test_live_dns.py - authsweep --dns=live against a real DNS server (NSD) on
127.0.0.1, and --dns-record / --dns=zone replay.

Cases (one ctest entry each):
  verdicts  split TXT strings, two TXT records, a CNAME to another zone,
            NXDOMAIN, NODATA, a 4096-bit key over TCP (the server's EDNS size
            is 512, so the UDP answer is truncated), SERVFAIL (a zone NSD
            cannot load), REFUSED (a zone it does not serve); each with its
            exact verdict and reason; then the recording replays byte for byte
  corpus    the whole peer-signed corpus: live == zone file == replay of
            the recording, and the recording is the same for -j1 and -j2
  timeout   a UDP port of our own that never answers
  follow    a CNAME answered without its target (an authoritative server's
            alias out of its zone): authsweep asks for the target itself
  coalesce  20,000 messages over 500 selectors send exactly 500 queries
            (counted by NSD), and the recording replays byte for byte

Messages and keys come from tests/conformance/peer-signed (clock 1700086400).
Nothing is sent beyond 127.0.0.1.  Exit 77 (skipped) if NSD is missing.
"""
import argparse
import base64
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnsharness  # noqa: E402

NOW = "--now=1700086400"
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def run(binary, *args, timeout=600):
    p = subprocess.run([binary, *args], capture_output=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def message_file(data, index, tmp):
    src = glob.glob(os.path.join(data, "maildir", "cur", f"*.M{index:06d}P0.*"))
    dst = os.path.join(tmp, f"m{index:03d}.eml")
    shutil.copyfile(src[0], dst)
    return dst


def dkim_of(line):
    d = json.loads(line)["dkim"]
    return [(s["result"], s["reason"]) for s in d]


def summary_counts(stderr):
    m = re.search(r"DNS queries (\d+), cache hits (\d+), coalesced waits (\d+)", stderr)
    return tuple(int(x) for x in m.groups()) if m else None


def replay_equal(a, rec, paths, live_out, what):
    """--dns=zone:recording gives the live run's JSONL byte for byte."""
    rc, out, err = run(a.bin, "--dns=zone:" + rec, *paths)
    check(rc == 0, f"{what}: replay exit {rc}: {err[-500:]}")
    check(out == live_out, f"{what}: replay differs from the live run")


# ---------------------------------------------------------------- verdicts

# index -> (case, expected [(result, reason)])
VERDICTS = {
    0: ("255-byte strings", [("pass", None)]),
    53: ("TXT split into 16-byte strings", [("pass", None)]),
    81: ("two TXT records at the selector", [("pass", None)]),
    43: ("CNAME to a key in another zone", [("pass", None)]),
    55: ("NXDOMAIN", [("permerror", "no key for signature")]),
    16: ("NODATA (an A record at the key name)", [("permerror", "no key for signature")]),
    54: ("4096-bit key over TCP", [("pass", None)]),
    244: ("SERVFAIL", [("temperror", "key lookup failed: SERVFAIL")]),
    130: ("REFUSED", [("temperror", "key lookup failed: REFUSED")]),
}


def case_verdicts(a, tmp):
    zones = dnsharness.zones_from_keyfile(os.path.join(a.data, "keys.zone"))
    del zones["polarmedia.org"]   # not served: REFUSED
    del zones["polarlabs.ch"]     # served from a broken file: SERVFAIL
    zones["riverlabs.com.au"].append("gone2018._domainkey.riverlabs.com.au. IN A 127.0.0.2")
    texts = {apex: dnsharness.soa(apex) + "\n".join(rr) + "\n" for apex, rr in zones.items()}
    with dnsharness.Nsd(texts, broken=["polarlabs.ch"], edns_size=512, tmp=tmp) as ns:
        ns.start("fm1._domainkey.orbittravel.co.uk")
        live = "--dns=live:127.0.0.1:%d" % ns.port
        # The 4096-bit key's answer does not fit the server's UDP size...
        rcode, tc, _, _ = dnsharness.dns_query(ns.port, "fm1._domainkey.nimbusshop.de", 16,
                                               edns=4096)
        check(rcode == 0 and tc, "a UDP query for the 4096-bit key is truncated")
        # ...so authsweep must have asked over TCP.
        before = ns.stats()
        m54 = message_file(a.data, 54, tmp)
        rc, out, err = run(a.bin, live, NOW, "--checks=dkim", m54)
        after = ns.stats()
        check(rc == 0, f"4096-bit run exit {rc}: {err[-500:]}")
        check(dkim_of(out) == VERDICTS[54][1], f"4096-bit key: got {dkim_of(out)}")
        check(after.get("num.tcp", 0) - before.get("num.tcp", 0) >= 1,
              f"4096-bit key: no TCP query reached the server ({before} -> {after})")

        paths = [message_file(a.data, i, tmp) for i in sorted(VERDICTS)]
        rec = os.path.join(tmp, "verdicts.zone")
        rc, out, err = run(a.bin, live, NOW, "--checks=dkim", "-j2", "--summary",
                           "--dns-record=" + rec, *paths)
        check(rc == 0, f"exit {rc}: {err[-500:]}")
        lines = out.decode().splitlines()
        check(len(lines) == len(paths), f"{len(lines)} lines for {len(paths)} messages")
        for i, line in zip(sorted(VERDICTS), lines):
            case, want = VERDICTS[i]
            got = dkim_of(line)
            check(got == want, f"message {i} ({case}): want {want}, got {got}")
        for word, n in (("NXDOMAIN", 1), ("NODATA", 1), ("SERVFAIL", 1)):
            check(re.search(r"\b%s %d\b" % (word, n), err) is not None,
                  f"summary lacks '{word} {n}': {err[-400:]}")
        replay_equal(a, rec, [NOW, "--checks=dkim", "-j2"] + paths, out, "verdicts")
        text = open(rec, encoding="utf-8").read()
        check("gone2022._domainkey.polarlabs.ch. 0 IN SERVFAIL TXT\n" in text,
              "the recording marks the SERVFAIL")
        check("mail._domainkey.polarmedia.org. 0 IN REFUSED TXT\n" in text,
              "the recording marks the REFUSED")
        check(re.search(r"^gone2018\._domainkey\.riverlabs\.com\.au\. \d+ IN TYPE65534 \\# 0",
                        text, re.M) is not None, "the recording marks the NODATA")
        check("; nosuchkey._domainkey.edge.example.com. TXT NXDOMAIN" in text,
              "the recording notes the NXDOMAIN")


# ---------------------------------------------------------------- corpus

def case_corpus(a, tmp):
    keys = os.path.join(a.data, "keys.zone")
    zones = dnsharness.zones_from_keyfile(keys)
    texts = {apex: dnsharness.soa(apex) + "\n".join(rr) + "\n" for apex, rr in zones.items()}
    mbox = os.path.join(a.data, "corpus.mbox")
    with dnsharness.Nsd(texts, tmp=tmp) as ns:
        ns.start("fm1._domainkey.orbittravel.co.uk")
        live = "--dns=live:127.0.0.1:%d" % ns.port
        rec1, rec2 = os.path.join(tmp, "rec1.zone"), os.path.join(tmp, "rec2.zone")
        rc, out_live, err = run(a.bin, live, NOW, "--checks=dkim", "-j2",
                                "--dns-record=" + rec1, mbox)
        check(rc == 0, f"live exit {rc}: {err[-500:]}")
        rc, out_live1, err = run(a.bin, live, NOW, "--checks=dkim", "-j1",
                                 "--dns-record=" + rec2, mbox)
        check(rc == 0, f"live -j1 exit {rc}: {err[-500:]}")
    rc, out_zone, err = run(a.bin, "--dns=zone:" + keys, NOW, "--checks=dkim", "-j2", mbox)
    check(rc == 0, f"zone exit {rc}: {err[-500:]}")
    check(out_live.count(b"\n") == 400, "400 lines")
    check(out_live == out_zone, "live DNS and the zone file give the same JSONL")
    check(out_live1 == out_live, "live -j1 and -j2 give the same JSONL")
    check(open(rec1, "rb").read() == open(rec2, "rb").read(),
          "the recording is the same for -j1 and -j2")
    replay_equal(a, rec1, [NOW, "--checks=dkim", "-j2", mbox], out_live, "corpus")


# ---------------------------------------------------------------- timeout

def case_timeout(a, tmp):
    m0 = message_file(a.data, 0, tmp)
    rec = os.path.join(tmp, "timeout.zone")
    with dnsharness.SilentServer() as s:
        t0 = time.monotonic()
        rc, out, err = run(a.bin, "--dns=live:127.0.0.1:%d" % s.port, "--dns-timeout=200",
                           "--dns-tries=2", NOW, "--checks=dkim", "--summary",
                           "--dns-record=" + rec, m0, timeout=60)
        secs = time.monotonic() - t0
    check(rc == 0, f"exit {rc}: {err[-500:]}")
    check(dkim_of(out) == [("temperror", "key lookup failed: timeout")],
          f"got {dkim_of(out) if out else err}")
    check(secs < 20, f"took {secs:.1f} s")
    check(re.search(r"\btimeouts 1\b", err) is not None, f"summary: {err[-300:]}")
    check(open(rec, encoding="utf-8").read().endswith(
        "fm1._domainkey.orbittravel.co.uk. 0 IN TIMEOUT TXT\n"), "the recording marks it")
    replay_equal(a, rec, [NOW, "--checks=dkim", m0], out, "timeout")


# ---------------------------------------------------------------- follow

def case_follow(a, tmp):
    keys = os.path.join(a.data, "keys.zone")
    target = "main._domainkey.keyhost.example.net"
    rdata = dnsharness.txt_rdata(key_rdata(keys, target))
    alias = "alias._domainkey.edge.example.com"
    records = {alias: [(5, dnsharness._wire_name(target))], target: [(16, rdata)]}
    m43 = message_file(a.data, 43, tmp)
    with dnsharness.TinyServer(records) as s:
        rc, out, err = run(a.bin, "--dns=live:127.0.0.1:%d" % s.port, NOW, "--checks=dkim",
                           m43, timeout=60)
        counts = dict(s.counts)
    check(rc == 0, f"exit {rc}: {err[-500:]}")
    check(dkim_of(out) == [("pass", None)], f"got {dkim_of(out) if out else err}")
    check(counts == {alias: 1, target: 1}, f"queries seen: {counts}")


# ---------------------------------------------------------------- coalesce

NSEL, NMSG = 500, 20000


def coalesce_corpus(path, keyline):
    """NMSG small signed-looking messages over NSEL selectors of
    coalesce.test, in runs of 40 so that concurrent workers ask for the same
    key at once.  The body hash is right and b= is not: every message needs
    its key (verdict: fail)."""
    body = b"hello\r\n"
    bh = base64.b64encode(hashlib.sha256(body).digest()).decode()
    with open(path, "wb") as f:
        for k in range(NMSG):
            sel = (k // 40 * 7 + k) % NSEL
            f.write((f"From a@coalesce.test Thu Nov  2 10:00:00 2023\n"
                     f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=coalesce.test;\n"
                     f" s=s{sel}; h=from:subject; bh={bh}; b=AAAA\n"
                     f"From: a@coalesce.test\nSubject: m{k}\n"
                     f"Message-ID: <{k}@coalesce.test>\n\nhello\n\n").encode())
    return "\n".join(f"s{i}._domainkey.coalesce.test. IN TXT {keyline}" for i in range(NSEL))


def key_rdata(keys, name):
    for line in open(keys, encoding="utf-8"):
        if line.startswith(name + "."):
            return line.split("TXT", 1)[1].strip()
    raise KeyError(name)


def case_coalesce(a, tmp):
    mbox = os.path.join(tmp, "coalesce.mbox")
    rdata = key_rdata(os.path.join(a.data, "keys.zone"), "fm1._domainkey.orbittravel.co.uk")
    records = coalesce_corpus(mbox, rdata)
    rec = os.path.join(tmp, "coalesce.zone")
    with dnsharness.Nsd({"coalesce.test": dnsharness.soa("coalesce.test") + records + "\n"},
                        tmp=tmp) as ns:
        ns.start("s0._domainkey.coalesce.test")
        before = ns.stats()
        rc, out, err = run(a.bin, "--dns=live:127.0.0.1:%d" % ns.port, NOW, "--checks=dkim",
                           "-j8", "--summary", "--dns-record=" + rec, mbox)
        after = ns.stats()
    check(rc == 0, f"exit {rc}: {err[-500:]}")
    nlines = out.count(b"\n")
    check(nlines == NMSG, f"{nlines} lines")
    sent = after.get("num.type.TXT", 0) - before.get("num.type.TXT", 0)
    check(sent == NSEL, f"the server saw {sent} TXT queries, want {NSEL}")
    counts = summary_counts(err)
    check(counts is not None and counts[0] == NSEL, f"summary: {counts}")
    check(all(dkim_of(l)[0][0] == "fail" for l in out.decode().splitlines()),
          "every message verified against its key (fail: b= is garbage)")
    print(f"server TXT queries {sent}; queries/hits/coalesced {counts}")
    replay_equal(a, rec, [NOW, "--checks=dkim", "-j8", mbox], out, "coalesce")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=["verdicts", "corpus", "timeout", "follow", "coalesce"])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--data", required=True, help="tests/conformance/peer-signed")
    a = ap.parse_args()
    if a.case not in ("timeout", "follow") and not dnsharness.have_nsd():
        print("SKIP: nsd is not installed (tools/deps.sh installs it)")
        return 77
    tmp = tempfile.mkdtemp(prefix="as-livedns-")
    try:
        globals()["case_" + a.case](a, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("FAILED: %d" % len(FAILS) if FAILS else "ok")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
