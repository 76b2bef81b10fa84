#!/usr/bin/env python3
"""Bad-input catalogue, DKIM and DNS: B2, C1-C8, G1-G7, H1, H2.

Signed fixtures come from data/dkim/gen.py (dkimpy, run once; output
committed).  Cases that need no valid signature edit those messages here.
Each case asserts the verdict and the reason on the message's line; every
run also asserts exit code, JSON lines and lines == messages (hostile.py).
DNS-wire cases (G3 TC/TCP, G6 compression loops, label > 63, records for
another name) are cmocka tests in tests/dns/test_wire.c and live cases in
tests/integration/dns/test_live_dns.py; the limits are checked here on the
zone and slowzone backends and there on live DNS.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile import Suite  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "dkim")
DKIM = ["--checks=dkim"]


def load(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


ZONE = load("zone.txt").decode()
# Failure injection and odd shapes (the zone backend's pseudo-types, dns.h).
ZONE += (
    "tmo._domainkey.hostile.example. 0 IN TIMEOUT\n"
    "sfail._domainkey.hostile.example. 0 IN SERVFAIL\n"
    "refused._domainkey.hostile.example. 0 IN REFUSED\n"
    "broken._domainkey.hostile.example. 0 IN BROKEN\n"
    "nodata._domainkey.hostile.example. 3600 IN A 192.0.2.1\n"
    "loop._domainkey.hostile.example. 3600 IN CNAME loop2.hostile.example.\n"
    "loop2.hostile.example. 3600 IN CNAME loop._domainkey.hostile.example.\n"
    "dangling._domainkey.hostile.example. 3600 IN CNAME nowhere.hostile.example.\n"
)
# 300 records of 250 bytes: 75,000 bytes in one answer, over the 64 KiB default.
ZONE += "".join('big._domainkey.hostile.example. 3600 IN TXT "v=DKIM1; p=%0239d"\n' % i
                for i in range(300))

BASE = load("base.eml")
SIG_END = BASE.index(b"\nFrom: ") + 1


def sig_of(msg):
    return msg[:msg.index(b"\nFrom: ") + 1]


def with_sig(msg, old, new):
    """msg with the first `old` in its DKIM-Signature field replaced."""
    end = msg.index(b"\nFrom: ") + 1
    assert old in msg[:end], old
    return msg[:end].replace(old, new, 1) + msg[end:]


def set_tag(msg, tag, value):
    """Replace tag=value (value up to ';') in the signature field."""
    end = msg.index(b"\nFrom: ") + 1
    # the value runs to ';' or to the end of the (folded) field
    head = re.sub(rb"(?<=[\s;])" + tag + rb"=(?:[^;\n]|\n(?=[ \t]))*",
                  lambda _: tag + b"=" + value, msg[:end], count=1)
    return head + msg[end:]


def drop_tag(msg, tag):
    end = msg.index(b"\nFrom: ") + 1
    head = re.sub(rb"(?<=[\s;])" + tag + rb"=[^;]*;\s*", b"", msg[:end], count=1)
    return head + msg[end:]


def one(s, msg, args=(), zone=ZONE):
    return s.run([msg], zone=zone, args=DKIM + list(args))[0]


def check(s, cid, name, line, result, reason=None, k=0):
    ok = s.eq(cid, name + ": " + result, line, "dkim.%d.result" % k, result)
    if reason is None:
        ok &= s.eq(cid, name + ": no reason", line, "dkim.%d.reason" % k, None)
    else:
        ok &= s.has(cid, name + ": reason", line, "dkim.%d.reason" % k, reason)
    return ok


def c1_tags(s):
    """RFC 6376 3.5, 6.1.1: each broken tag list is permerror, with a reason."""
    cases = [
        ("missing v=", drop_tag(BASE, b"v"), "missing v="),
        ("missing a=", drop_tag(BASE, b"a"), "missing a="),
        ("missing bh=", drop_tag(BASE, b"bh"), "missing bh="),
        ("missing d=", drop_tag(BASE, b"d"), "missing d="),
        ("missing h=", drop_tag(BASE, b"h"), "missing h="),
        ("missing s=", drop_tag(BASE, b"s"), "missing s="),
        ("missing b=", with_sig(BASE, b" b=", b" x-b="), "missing b="),
        ("v=2", set_tag(BASE, b"v", b"2"), "incompatible version"),
        ("duplicate tag", with_sig(BASE, b"q=dns/txt;", b"q=dns/txt; s=r2048;"),
         "duplicate tag"),
        ("unknown c=", set_tag(BASE, b"c", b"relaxed/fancy"), "unknown canonicalization"),
        ("unknown q=", set_tag(BASE, b"q", b"https/json"), "unknown query method"),
        ("h= without from", with_sig(BASE, b"h=from :", b"h="), "From not signed"),
        ("i= outside d=", set_tag(BASE, b"i", b"@evil.example"), "i= not in d= domain"),
    ]
    lines = s.run([m for _, m, _ in cases], zone=ZONE, args=DKIM)
    for (name, _, why), line in zip(cases, lines):
        check(s, "C1", name, line, "permerror", why)


def c2_times(s):
    check(s, "C2", "x= in the past", one(s, load("x_past.eml")), "permerror",
          "signature expired: x=1700003600 is before the clock 1700086400")
    # by a clock before x=, the same signature passes
    check(s, "C2", "x= still ahead of --now", one(s, load("x_past.eml"), ["--now=1700001000"]),
          "pass")
    bad = set_tag(load("x_past.eml"), b"x", b"1699999999")  # x < t: no key needed
    check(s, "C2", "x= before t=", one(s, bad), "permerror", "x= earlier than t=")
    # README: policy, not permerror (the signature verifies; RFC 6376 3.5
    # lets a verifier ignore it, RFC 8601 2.7.1 calls that policy)
    check(s, "C2", "t= three days ahead", one(s, load("t_future.eml")), "policy",
          "t= in the future: t=1700345600 is over 86400 s after the clock 1700086400")
    # within the documented skew (a day) the signature passes
    check(s, "C2", "t= within the skew", one(s, load("t_future.eml"), ["--now=1700300000"]),
          "pass")


def c3_keys(s):
    check(s, "C3", "a=rsa-sha1", one(s, load("sha1.eml")), "policy", "rsa-sha1 is not allowed")
    check(s, "C3", "a=rsa-sha1 with --legacy", one(s, load("sha1.eml"), ["--legacy"]), "pass")
    for sel, why in [("revoked", "key revoked"),
                     ("k_ed", "Ed25519 key is not 32 bytes"),
                     ("h_sha1", "key h= does not allow the signature's hash"),
                     ("s_web", "key not for email"),
                     ("k_dsa", "unknown key type"),
                     ("strict", "t=s but i= is a subdomain")]:
        check(s, "C3", "key " + sel, one(s, load("key_%s.eml" % sel)), "permerror", why)
    check(s, "C3", "a=ecdsa-sha256", one(s, set_tag(BASE, b"a", b"ecdsa-sha256")),
          "permerror", "unknown algorithm")


def c4_length(s):
    msg = load("len.eml")
    check(s, "C4", "l= equal to the body", one(s, msg), "pass")
    line = one(s, msg + b"Appended by someone else.\n")
    check(s, "C4", "l= shorter than the body", line, "pass",
          "body partially signed: 27 bytes after l= are unsigned")
    s.eq("C4", "l= shorter than the body: crypto pass", line, "dkim.0.crypto", "pass")
    cut = msg[:-20] + b"\n"
    check(s, "C4", "l= longer than the body", one(s, cut), "permerror", "l= exceeds body length")
    # 3.5 allows 76 digits: 30 are a valid l=, larger than any body (the
    # parse saturates instead of overflowing)
    check(s, "C4", "l= of 30 digits", one(s, set_tag(msg, b"l", b"1" * 30)), "permerror",
          "l= exceeds body length")
    for val in (b"-5", b"+99", b"9 9", b"", b"0x10"):
        check(s, "C4", "l=%r" % val.decode(), one(s, set_tag(msg, b"l", val)), "permerror",
              "syntax: l=")


def c5_base64(s):
    sig = sig_of(BASE)
    i = sig.index(b" b=") + 20
    folded = BASE[:i] + b"\n \t " + BASE[i:]
    check(s, "C5", "FWS inside b=", one(s, folded), "pass")
    check(s, "C5", "b= not base64", one(s, BASE[:i] + b"!" + BASE[i + 1:]), "permerror",
          "b= not base64")
    check(s, "C5", "bh= of 3 bytes", one(s, set_tag(BASE, b"bh", b"QUJD")), "fail",
          "body hash did not verify")
    check(s, "C5", "bh= not base64", one(s, set_tag(BASE, b"bh", b"@@@@")), "permerror",
          "bh= not base64")
    big = b"A" * 4000
    check(s, "C5", "b= longer than any signature", one(s, set_tag(BASE, b"b", big)),
          "permerror", "b= longer than any signature")


def c6_names(s):
    rec = s.path("c6.rec")
    cases = [(b"d", b"hostile\x00.example"), (b"d", b"host(ile.example"),
             (b"d", b"hostile..example"), (b"s", b"r(2048"), (b"s", b"r2048\x00x"),
             (b"d", b".".join([b"a" * 60] * 5)), (b"s", b""), (b"d", b"-bad-.example")]
    msgs = [set_tag(BASE, t, v) for t, v in cases]
    lines = s.run(msgs, zone=ZONE, args=DKIM + ["--dns-record=" + rec])
    for (t, v), line in zip(cases, lines):
        # a NUL is not a tag-value character at all (3.2)
        why = "tag-list syntax error" if b"\x00" in v else "%s=" % t.decode()
        check(s, "C6", "%s=%r" % (t.decode(), v[:30]), line, "permerror", why)
    with open(rec, encoding="latin-1") as f:
        text = f.read()
    asked = [l for l in text.splitlines()
             if l and (not l.startswith(";") or l.endswith("NXDOMAIN (absent)"))]
    s.ok("C6", "no DNS query for a bad d= or s=", not asked, "recorded: %r" % asked[:3])


def c7_big_keys(s):
    for bits in (4096, 8192):
        line = one(s, load("k%d.eml" % bits))
        check(s, "C7", "%d-bit key" % bits, line, "pass")
        s.eq("C7", "%d-bit key: key_bits" % bits, line, "dkim.0.key_bits", bits)


def c8_gone(s):
    line = one(s, load("gone.eml"))
    check(s, "C8", "selector deleted since", line, "permerror",
          "key absent at query time (NXDOMAIN)")
    s.ok("C8", "selector deleted since: never fail", line["dkim"][0]["result"] != "fail")
    line = one(s, set_tag(BASE, b"s", b"nodata"))
    check(s, "C8", "selector with no TXT record", line, "permerror",
          "key absent at query time (no TXT record)")


def b2_duplicates(s):
    line = one(s, b"Subject: a prepended, unsigned subject\n" + BASE)
    check(s, "B2", "duplicate Subject prepended", line, "pass",
          "unsigned duplicate header: subject")
    line = one(s, b"From: Mallory <m@evil.example>\n" + BASE)
    check(s, "B2", "duplicate From prepended", line, "pass", "unsigned duplicate header: from")
    # below the signed field it is the one the signature covers: fail
    body = BASE.index(b"\n\n") + 1
    below = BASE[:body] + b"Subject: appended below\n" + BASE[body:]
    check(s, "B2", "duplicate Subject appended below", one(s, below), "fail",
          "signature did not verify")


def g1_split(s):
    check(s, "G1", "key record in strings of 7 bytes", one(s, load("split.eml")), "pass")


def g2_multi(s):
    line = one(s, load("multi.eml"))
    check(s, "G2", "two key records, the second right", line, "pass", "multiple key records")
    # records are tried in the order of their text, not as the server sent them
    lines = ZONE.split("\n")
    multi = [i for i, l in enumerate(lines) if l.startswith("multi._domainkey.")]
    lines[multi[0]], lines[multi[-1]] = lines[multi[-1]], lines[multi[0]]
    swapped = one(s, load("multi.eml"), zone="\n".join(lines))
    same = all(swapped.get(k) == line.get(k) for k in ("dkim", "auth_results"))
    # two unusable records (equal rank): which reason shows must not depend on order
    bad = ['multi._domainkey.hostile.example. 3600 IN TXT "v=DKIM1; p="',
           'multi._domainkey.hostile.example. 3600 IN TXT "v=DKIM1; k=dsa; p=AAAA"']
    rest = [l for l in ZONE.split("\n") if not l.startswith("multi._domainkey.")]
    a = one(s, load("multi.eml"), zone="\n".join(rest + bad) + "\n")
    b = one(s, load("multi.eml"), zone="\n".join(rest + bad[::-1]) + "\n")
    s.ok("G2", "two unusable records: the same reason in either order",
         a.get("dkim") == b.get("dkim") and s.get(a, "dkim.0.result") == "permerror",
         "%r / %r" % (s.get(a, "dkim.0.reason"), s.get(b, "dkim.0.reason")))
    s.ok("G2", "the records in the other order: the same verdicts and reasons", same,
         "%r != %r" % (swapped.get("dkim"), line.get("dkim")))


def g4_statuses(s):
    cases = [("tmo", "temperror", "key lookup failed: timeout"),
             ("sfail", "temperror", "key lookup failed: SERVFAIL"),
             ("refused", "temperror", "key lookup failed: REFUSED"),
             ("broken", "temperror", "key lookup failed: broken answer"),
             ("nodata", "permerror", "no key for signature"),
             ("absent", "permerror", "no key for signature")]
    lines = s.run([set_tag(BASE, b"s", sel.encode()) for sel, _, _ in cases], zone=ZONE,
                  args=DKIM)
    for (sel, res, why), line in zip(cases, lines):
        check(s, "G4", sel, line, res, why)


def g6_cnames(s):
    check(s, "G6", "CNAME loop", one(s, set_tag(BASE, b"s", b"loop")), "temperror",
          "CNAME chain longer than the limit of 8")
    check(s, "G6", "CNAME to NXDOMAIN", one(s, set_tag(BASE, b"s", b"dangling")), "permerror",
          "no key for signature")
    check(s, "G6", "chain of 3 CNAMEs", one(s, load("chain.eml")), "pass")
    for be in ("zone", "slowzone"):
        args = ["--dns-max-cnames=2"]
        if be == "slowzone":
            args.append("--dns=slowzone:5:" + s.write("slow.zone", ZONE))
        line = one(s, load("chain.eml"), args)
        check(s, "G6", "chain of 3 over --dns-max-cnames=2 (%s)" % be, line, "temperror",
              "CNAME chain longer than the limit of 2")
    check(s, "G6", "chain of 3 within --dns-max-cnames=3", one(s, load("chain.eml"),
          ["--dns-max-cnames=3"]), "pass")


def answer_size(s):
    check(s, "G6", "75,000-byte answer over the 64 KiB default",
          one(s, set_tag(BASE, b"s", b"big")), "temperror",
          "DNS answer of 75000 bytes exceeds the limit of 65536")
    for be in ("zone", "slowzone"):
        args = ["--dns-max-answer=1024"]
        if be == "slowzone":
            args.append("--dns=slowzone:5:" + s.write("slow2.zone", ZONE))
        line = one(s, load("k8192.eml"), args)
        check(s, "G6", "8192-bit key over --dns-max-answer=1024 (%s)" % be, line, "temperror",
              "exceeds the limit of 1024")
    check(s, "G6", "8192-bit key within --dns-max-answer=2048",
          one(s, load("k8192.eml"), ["--dns-max-answer=2048"]), "pass")


def g7_memo(s):
    """200 messages, one selector: one query (the cache memoizes per run)."""
    msgs = [BASE] * 200
    lines = s.run(msgs, zone=ZONE, args=DKIM + ["--summary", "-j2"])
    s.ok("G7", "200 messages all pass", all(l["dkim"][0]["result"] == "pass" for l in lines))
    m = re.search(r"DNS queries (\d+)", s.stderr)
    s.ok("G7", "one DNS query for 200 messages", m is not None and m.group(1) == "1",
         s.stderr[-400:])


def h1_many(s):
    msg = load("many.eml")
    line = one(s, msg)
    s.ok("H1", "12 signatures under the default limit all pass",
         [d["result"] for d in line["dkim"]] == ["pass"] * 12)
    line = one(s, msg, ["--max-signatures=3"])
    s.ok("H1", "--max-signatures=3: all 12 listed", len(line["dkim"]) == 12)
    s.ok("H1", "--max-signatures=3: the first 3 pass",
         [d["result"] for d in line["dkim"][:3]] == ["pass"] * 3)
    for k in (3, 11):
        check(s, "H1", "signature %d past the limit" % (k + 1), line, "permerror",
              "too many signatures: only the first 3 are verified", k=k)
        s.eq("H1", "signature %d: no crypto" % (k + 1), line, "dkim.%d.crypto" % k, None)
    # 900 signature fields (copies; the header-count limit is 1000): the
    # first 50 are verified, the rest listed with the reason
    sig = sig_of(BASE)
    line = one(s, sig * 899 + BASE)
    s.ok("H1", "900 signatures: 900 entries", len(line["dkim"]) == 900)
    check(s, "H1", "900 signatures: the 50th", line, "pass", k=49)
    check(s, "H1", "900 signatures: the last", line, "permerror",
          "too many signatures: only the first 50 are verified", k=899)
    names = b":".join([b"from"] + [b"x-h%d" % i for i in range(600)])
    check(s, "H1", "h= with 601 names", one(s, set_tag(BASE, b"h", names)), "permerror",
          "too many header names in h=")


def h2_keys(s):
    check(s, "H2", "16384-bit key", one(s, load("huge.eml")), "permerror",
          "key too long: over 8192 bits")
    check(s, "H2", "101-bit exponent", one(s, load("bige.eml")), "permerror",
          "key exponent too large")


def main():
    s = Suite(__doc__)
    for case in (c1_tags, c2_times, c3_keys, c4_length, c5_base64, c6_names, c7_big_keys,
                 c8_gone, b2_duplicates, g1_split, g2_multi, g4_statuses, g6_cnames,
                 answer_size, g7_memo, h1_many, h2_keys):
        case(s)
    sys.exit(s.finish())


if __name__ == "__main__":
    main()
