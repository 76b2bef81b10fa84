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
  limits    --dns-max-cnames and --dns-max-answer on live answers (a chain of
            three aliases, each its own query; a key answer over 512 bytes)
  stall     the server is stopped (SIGSTOP) once the first lines are out:
            the rest are temperror, one line per message, exit 0

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
import signal
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
    81: ("two TXT records at the selector", [("pass", "multiple key records")]),
    43: ("CNAME to a key in another zone", [("pass", None)]),
    55: ("NXDOMAIN", [("permerror",
                       "no key for signature: key absent at query time (NXDOMAIN)")]),
    16: ("NODATA (an A record at the key name)",
         [("permerror", "no key for signature: key absent at query time (no TXT record)")]),
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


# ---------------------------------------------------------------- limits

def case_limits(a, tmp):
    """--dns-max-answer and --dns-max-cnames on live DNS (the hostile suite
    checks them on the zone backends): each is temperror naming the limit."""
    keys = os.path.join(a.data, "keys.zone")
    target = "main._domainkey.keyhost.example.net"
    rdata = dnsharness.txt_rdata(key_rdata(keys, target))
    alias = "alias._domainkey.edge.example.com"
    big = "fm1._domainkey.nimbusshop.de"  # the 4096-bit key of message 54
    big_rdata = dnsharness.txt_rdata(key_rdata(keys, big))
    # three aliases, each answered alone: authsweep follows them one query each
    records = {alias: [(5, dnsharness._wire_name("x1.example.net"))],
               "x1.example.net": [(5, dnsharness._wire_name("x2.example.net"))],
               "x2.example.net": [(5, dnsharness._wire_name(target))],
               target: [(16, rdata)], big: [(16, big_rdata)]}
    m43, m54 = message_file(a.data, 43, tmp), message_file(a.data, 54, tmp)
    with dnsharness.TinyServer(records) as srv:
        live = "--dns=live:127.0.0.1:%d" % srv.port
        rc, out, err = run(a.bin, live, NOW, "--checks=dkim", m43, timeout=60)
        check(rc == 0 and dkim_of(out) == [("pass", None)],
              f"chain of 3 within the default limit: {out[:300]} {err[-300:]}")
        rc, out, err = run(a.bin, live, NOW, "--checks=dkim", "--dns-max-cnames=2", m43,
                           timeout=60)
        check(rc == 0 and dkim_of(out) == [
            ("temperror", "key lookup failed: CNAME chain longer than the limit of 2")],
            f"chain of 3 over --dns-max-cnames=2: {out[:300]} {err[-300:]}")
        check(srv.counts.get(target, 0) == 1,
              f"the limited run stopped before the key: {srv.counts}")
        # the record's bytes with the strings joined (their length octets dropped)
        size, off = 0, 0
        while off < len(big_rdata):
            size += big_rdata[off]
            off += 1 + big_rdata[off]
        rc, out, err = run(a.bin, live, NOW, "--checks=dkim", m54, timeout=60)
        check(rc == 0 and dkim_of(out) == [("pass", None)], f"4096-bit key: {out[:300]}")
        rc, out, err = run(a.bin, live, NOW, "--checks=dkim", "--dns-max-answer=512", m54,
                           timeout=60)
        check(rc == 0 and dkim_of(out) == [
            ("temperror", "key lookup failed: DNS answer of %d bytes exceeds the limit of 512"
             % size)], f"{size}-byte key over --dns-max-answer=512: {out[:300]}")


# ---------------------------------------------------------------- search

def case_search(a, tmp):
    """Catalogue G5: a key name is asked exactly as built.  The server has
    the key only under the resolv.conf search suffix (LOCALDOMAIN) and an
    alias for the domain in HOSTALIASES; a resolver that searched or
    aliased would find it and pass.  authsweep must report no key and never
    ask for the suffixed name."""
    keys = os.path.join(a.data, "keys.zone")
    target = "main._domainkey.keyhost.example.net"
    rdata = dnsharness.txt_rdata(key_rdata(keys, target))
    alias = "alias._domainkey.edge.example.com"
    suffixed = alias + ".corp.test"
    records = {suffixed: [(5, dnsharness._wire_name(target))], target: [(16, rdata)]}
    aliases = os.path.join(tmp, "hostaliases")
    with open(aliases, "w") as f:
        f.write("edge %s\n" % suffixed)
    env = dict(os.environ, LOCALDOMAIN="corp.test", HOSTALIASES=aliases)
    m43 = message_file(a.data, 43, tmp)
    with dnsharness.TinyServer(records) as srv:
        p = subprocess.run([a.bin, "--dns=live:127.0.0.1:%d" % srv.port, NOW, "--checks=dkim",
                            m43], capture_output=True, timeout=60, env=env)
        counts = dict(srv.counts)
    out = p.stdout.decode()
    got = dkim_of(out) if out else None
    check(p.returncode == 0, f"exit {p.returncode}: {p.stderr[-300:]}")
    check(got is not None and got[0][0] == "permerror" and "no key" in (got[0][1] or ""),
          f"no key, not a key found through the search list: {got}")
    check(suffixed not in counts and counts.get(alias) == 1,
          f"asked once, exactly as built: {counts}")


# ---------------------------------------------------------------- stall

NSTALL = 2000
NUNSIGNED = 40


def process_tree(pid):
    """pid and its descendants (NSD serves from forked children)."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat", encoding="latin-1") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def signal_tree(pids, sig):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def case_stall(a, tmp):
    """The server stops answering in the middle of a run (SIGSTOP): the
    messages whose keys were not fetched yet get temperror, the run ends,
    one line per message, exit 0."""
    mbox = os.path.join(tmp, "stall.mbox")
    rdata = key_rdata(os.path.join(a.data, "keys.zone"), "fm1._domainkey.orbittravel.co.uk")
    body = b"hello\r\n"
    bh = base64.b64encode(hashlib.sha256(body).digest()).decode()
    with open(mbox, "wb") as f:
        for k in range(NUNSIGNED):  # lines that come out at once
            f.write((f"From a@stall.test Thu Nov  2 10:00:00 2023\n"
                     f"From: a@stall.test\nSubject: u{k}\n\nhello\n\n").encode())
        for k in range(NSTALL):  # a selector each: every message asks the server
            f.write((f"From a@stall.test Thu Nov  2 10:00:00 2023\n"
                     f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=stall.test;\n"
                     f" s=s{k}; h=from:subject; bh={bh}; b=AAAA\n"
                     f"From: a@stall.test\nSubject: m{k}\n\nhello\n\n").encode())
    records = "\n".join(f"s{i}._domainkey.stall.test. IN TXT {rdata}" for i in range(NSTALL))
    out_path = os.path.join(tmp, "stall.jsonl")
    with dnsharness.Nsd({"stall.test": dnsharness.soa("stall.test") + records + "\n"},
                        tmp=tmp) as ns:
        ns.start("s0._domainkey.stall.test")
        t0 = time.monotonic()
        p = subprocess.Popen([a.bin, "--dns=live:127.0.0.1:%d" % ns.port, NOW,
                              "--checks=dkim", "-j1", "--dns-timeout=100", "--dns-tries=1",
                              "-o", out_path, mbox],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # freeze the run as soon as its first lines are out, stop the server,
        # then let the run go on: what was not asked yet cannot be answered
        while p.poll() is None and (not os.path.exists(out_path) or
                                    os.path.getsize(out_path) == 0):
            time.sleep(0.001)
        p.send_signal(signal.SIGSTOP)
        nsd = process_tree(ns.proc.pid)
        signal_tree(nsd, signal.SIGSTOP)
        p.send_signal(signal.SIGCONT)
        try:
            _, err = p.communicate(timeout=120)
        finally:
            signal_tree(nsd, signal.SIGCONT)
        secs = time.monotonic() - t0
    err = err.decode("utf-8", "replace")
    lines = open(out_path, encoding="utf-8").read().splitlines()
    check(p.returncode == 0, f"exit {p.returncode}: {err[-500:]}")
    total = NUNSIGNED + NSTALL
    check(len(lines) == total, f"{len(lines)} lines for {total} messages")
    results = [dkim_of(l)[0] for l in lines[NUNSIGNED:]]
    failed = sum(r == ("fail", "signature did not verify") for r in results)
    temp = sum(r == ("temperror", "key lookup failed: timeout") for r in results)
    check(failed + temp == NSTALL, f"only fail/temperror: {set(results)}")
    # the unsigned lines came out before the stop (that is what triggered it)
    check(all(json.loads(l)["dkim"] == [] for l in lines[:NUNSIGNED]), "unsigned lines first")
    check(temp > 0, "some messages met the stopped server")
    check(f"{total} messages in, {total} lines out" in err, f"summary: {err[-300:]}")
    check(secs < 60, f"took {secs:.1f} s")
    print(f"stall: {failed} answered before the stop, {temp} temperror, {secs:.1f} s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=["verdicts", "corpus", "timeout", "follow", "coalesce",
                                     "limits", "search", "stall"])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--data", required=True, help="tests/conformance/peer-signed")
    a = ap.parse_args()
    if a.case not in ("timeout", "follow", "limits", "search") and not dnsharness.have_nsd():
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
