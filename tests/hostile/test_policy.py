#!/usr/bin/env python3
"""Bad-input catalogue, policy area: SPF (D1-D6), DMARC (B1, B4, E1-E3),
ARC (F1-F4), archived Authentication-Results (B3) and the SPF fan-out of H3.

Each case runs the real binary on hostile messages with a zone file and
asserts the verdict and the reason on the message's JSON line.  The ARC
chain in data/policy/ was signed by dkimpy (data/policy/gen.py); the cases
below mutate it, so no signer is needed at run time.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile import Suite  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "policy")
IP = "192.0.2.1"


def msg(mailfrom="alice@bank.example", ip=IP, helo="mx.bank.example",
        frm=("From: Alice <alice@bank.example>",), extra=(), received=True):
    """A plain message whose border Received names the client and HELO."""
    h = []
    if mailfrom is not None:
        h.append("Return-Path: <%s>" % mailfrom)
    if received:
        h.append("Received: from %s (%s [%s]) by mx.us.example with ESMTP id 1" %
                 (helo, helo, ip))
    h += list(extra)
    h += list(frm)
    h += ["To: bob@us.example", "Subject: policy case", "Message-ID: <p@bank.example>"]
    return ("\n".join(h) + "\n\nbody\n").encode()


def dns_queries(stderr):
    m = re.search(r"DNS queries (\d+)", stderr)
    return int(m.group(1)) if m else -1


s = Suite(__doc__)


def spf(zone, m=None, args=(), **kw):
    """Run SPF only on one message; its line."""
    return s.run([m or msg(**kw)], zone=zone, args=["--checks=spf"] + list(args))[0]


# ---------------------------------------------------------------- D1 -----
# RFC 7208 2, RFC 8601 5: the envelope comes from the border's own Received
# field only; Received-SPF and Authentication-Results are claims of others.
line = spf("bank.example. IN TXT \"v=spf1 +all\"\n",
           msg(received=False, extra=("Received-SPF: pass (mx.us.example) client-ip=192.0.2.1",
                                      "Authentication-Results: mx.us.example; spf=pass")))
s.eq("D1", "no Received: SPF none", line, "spf.result", "none")
s.has("D1", "no Received: reason says no envelope", line, "spf.reason", "no envelope")
s.eq("D1", "no Received: Received-SPF's client-ip is not taken", line, "spf.ip", None)

line = spf("bank.example. IN TXT \"v=spf1 +all\"\n",
           msg(mailfrom=None))
s.eq("D1", "no Return-Path: SPF none", line, "spf.result", "none")
s.has("D1", "no Return-Path: reason says no envelope", line, "spf.reason", "no envelope")

m = msg(extra=()).replace(b"(mx.bank.example [192.0.2.1])", b"(mx.bank.example)")
line = spf("bank.example. IN TXT \"v=spf1 +all\"\n", m)
s.eq("D1", "Received without a client IP: SPF none", line, "spf.result", "none")
s.has("D1", "Received without a client IP: reason", line, "spf.reason", "no envelope")

line = spf("bank.example. IN TXT \"v=spf1 +all\"\n", msg(), args=["--border-hop=2"])
s.eq("D1", "no Received at --border-hop=2: SPF none", line, "spf.result", "none")
s.has("D1", "no Received at --border-hop=2: reason", line, "spf.reason", "no envelope")

# ---------------------------------------------------------------- D2 -----
# RFC 7208 4.6.4: at most 10 DNS-querying terms, 2 void lookups, 10 MX names
# per mx; ptr looks at the first 10 names only.
hosts = "".join("h%d.bank.example. IN A 198.51.100.%d\n" % (i, i) for i in range(12))
terms = " ".join("a:h%d.bank.example" % i for i in range(11))
zone11 = hosts + "bank.example. IN TXT \"v=spf1 %s -all\"\n" % terms
line = spf(zone11)
s.eq("D2", "11th DNS term: permerror", line, "spf.result", "permerror")
s.has("D2", "11th DNS term: reason names the limit", line, "spf.reason",
      "too many DNS lookups (limit 10)")
line = spf(zone11, args=["--spf-max-lookups=3"])
s.eq("D2", "--spf-max-lookups=3, 4th term: permerror", line, "spf.result", "permerror")
s.has("D2", "--spf-max-lookups=3: reason names the limit", line, "spf.reason",
      "too many DNS lookups (limit 3)")
line = spf(zone11, args=["--spf-max-lookups=11"])
s.eq("D2", "--spf-max-lookups=11 lets 11 terms run to -all", line, "spf.result", "fail")

ten = hosts + "bank.example. IN TXT \"v=spf1 %s ip4:%s -all\"\n" % (
    " ".join("a:h%d.bank.example" % i for i in range(10)), IP)
line = spf(ten)
s.eq("D2", "exactly 10 DNS terms is within the limit", line, "spf.result", "pass")

loop = ("bank.example. IN TXT \"v=spf1 include:loop.bank.example -all\"\n"
        "loop.bank.example. IN TXT \"v=spf1 include:bank.example -all\"\n")
line = spf(loop)
s.eq("D2", "include loop: permerror", line, "spf.result", "permerror")
s.has("D2", "include loop: stopped by the lookup limit", line, "spf.reason", "(limit 10)")
rloop = "bank.example. IN TXT \"v=spf1 redirect=bank.example\"\n"
line = spf(rloop)
s.eq("D2", "redirect to itself: permerror", line, "spf.result", "permerror")
s.has("D2", "redirect to itself: stopped by a limit", line, "spf.reason", "(limit 10)")

# --max-depth: include/redirect nesting, a limit of its own once
# --spf-max-lookups is raised past it
chain = "".join("d%d.bank.example. IN TXT \"v=spf1 include:d%d.bank.example -all\"\n" %
                (i, i + 1) for i in range(11))
chain += "d11.bank.example. IN TXT \"v=spf1 +all\"\n"
chain += "bank.example. IN TXT \"v=spf1 redirect=d0.bank.example\"\n"
line = spf(chain)
s.eq("D2", "12 nested includes/redirect: permerror", line, "spf.result", "permerror")
s.has("D2", "12 nested: the lookup limit comes first", line, "spf.reason",
      "too many DNS lookups (limit 10)")
line = spf(chain, args=["--spf-max-lookups=30"])
s.eq("D2", "12 nested, 30 lookups allowed: permerror", line, "spf.result", "permerror")
s.has("D2", "12 nested, 30 lookups allowed: reason names --max-depth's default", line,
      "spf.reason", "include/redirect nesting too deep (limit 10)")
line = spf(chain, args=["--spf-max-lookups=30", "--max-depth=3"])
s.has("D2", "--max-depth=3: reason names the limit", line, "spf.reason",
      "include/redirect nesting too deep (limit 3)")
line = spf(chain, args=["--spf-max-lookups=30", "--max-depth=12"])
s.eq("D2", "--max-depth=12 lets 12 levels pass", line, "spf.result", "pass")

voids = "bank.example. IN TXT \"v=spf1 a:v1.bank.example a:v2.bank.example " \
        "mx:v3.bank.example ip4:%s -all\"\n" % IP
line = spf(voids)
s.eq("D2", "3rd void lookup: permerror", line, "spf.result", "permerror")
s.has("D2", "3rd void lookup: reason names the limit", line, "spf.reason",
      "too many void DNS lookups (limit 2)")
line = spf(voids, args=["--spf-max-void=3"])
s.eq("D2", "--spf-max-void=3 allows 3 void lookups", line, "spf.result", "pass")
line = spf(voids, args=["--spf-max-void=0"])
s.has("D2", "--spf-max-void=0: the first void lookup is too many", line, "spf.reason",
      "too many void DNS lookups (limit 0)")

mx11 = "".join("bank.example. IN MX %d mx%d.bank.example.\n" % (i, i) for i in range(11))
mx11 += "".join("mx%d.bank.example. IN A 198.51.100.%d\n" % (i, i) for i in range(10))
mx11 += "mx10.bank.example. IN A %s\n" % IP
mx11 += "bank.example. IN TXT \"v=spf1 mx -all\"\n"
line = spf(mx11)
s.eq("D2", "mx with 11 hosts: permerror", line, "spf.result", "permerror")
s.has("D2", "mx with 11 hosts: reason names the limit", line, "spf.reason",
      "too many MX names (limit 10)")

ptr = "".join("1.2.0.192.in-addr.arpa. IN PTR h%d.other%d.example.\n" % (i, i) for i in range(10))
ptr += "1.2.0.192.in-addr.arpa. IN PTR mx.bank.example.\n"
ptr += "mx.bank.example. IN A %s\n" % IP
ptr += "".join("h%d.other%d.example. IN A %s\n" % (i, i, IP) for i in range(10))
ptr += "bank.example. IN TXT \"v=spf1 ptr ~all\"\n"
line = spf(ptr)
s.eq("D2", "ptr: the 11th PTR name is ignored (no match, ~all)", line, "spf.result", "softfail")
line = spf(ptr.replace("~all", "?all").replace("h0.other0.example. IN A",
                                                 "h0.other0.example. IN AAAA").replace(
    "IN AAAA %s" % IP, "IN AAAA 2001:db8::1"))
s.eq("D2", "ptr: names outside the domain never match", line, "spf.result", "neutral")

# ---------------------------------------------------------------- D3 -----
line = spf("bank.example. IN TXT \"v=spf1 +all\"\nbank.example. IN TXT \"v=spf1 -all\"\n")
s.eq("D3", "two v=spf1 records: permerror", line, "spf.result", "permerror")
s.has("D3", "two v=spf1 records: reason", line, "spf.reason", "several SPF records")
line = spf("bank.example. IN TXT \"v=spf10 +all\"\n")
s.eq("D3", "v=spf10 is not SPF: none", line, "spf.result", "none")
s.has("D3", "v=spf10 is not SPF: reason", line, "spf.reason", "no SPF record")
line = spf("bank.example. IN TXT \"v=spf10 +all\"\nbank.example. IN TXT \"v=spf1 -all\"\n")
s.eq("D3", "v=spf10 beside v=spf1 is discarded", line, "spf.result", "fail")
line = spf("bank.example. IN TXT \"v=spf1 ip4:%s\" \"include:x.example\"\n" % IP)
s.eq("D3", "strings joined with no space: permerror", line, "spf.result", "permerror")
s.has("D3", "strings joined with no space: syntax reason", line, "spf.reason",
      "bad SPF record")
line = spf("bank.example. IN TXT \"v=spf1 ip4:%s \" \"-all\"\n" % IP)
s.eq("D3", "strings joined keep their own space", line, "spf.result", "pass")

# ---------------------------------------------------------------- D4 -----
line = spf("bank.example. IN TXT \"v=spf1 include:none.example -all\"\n"
           "none.example. IN TXT \"not spf\"\n")
s.eq("D4", "include target without a record: permerror", line, "spf.result", "permerror")
s.has("D4", "include target without a record: reason", line, "spf.reason",
      "include:none.example has no SPF record")
line = spf("bank.example. IN TXT \"v=spf1 include:gone.example -all\"\n")
s.eq("D4", "include target NXDOMAIN: permerror", line, "spf.result", "permerror")
line = spf("bank.example. IN TXT \"v=spf1 include:slow.example -all\"\n"
           "slow.example. IN SERVFAIL\n")
s.eq("D4", "include target SERVFAIL: temperror", line, "spf.result", "temperror")
s.has("D4", "include target SERVFAIL: reason names the name", line, "spf.reason",
      "slow.example")
line = spf("bank.example. IN TXT \"v=spf1 include:bad.example -all\"\n"
           "bad.example. IN TXT \"v=spf1 foo:bar -all\"\n")
s.eq("D4", "include target permerror: permerror", line, "spf.result", "permerror")
s.has("D4", "include target permerror: reason", line, "spf.reason", "bad SPF record at bad.example")
line = spf("bank.example. IN TXT \"v=spf1 redirect=none.example\"\n")
s.eq("D4", "redirect target without a record: permerror", line, "spf.result", "permerror")
s.has("D4", "redirect target without a record: reason", line, "spf.reason",
      "redirect=none.example has no SPF record")

# ---------------------------------------------------------------- D5 -----
line = spf("bank.example. IN TXT \"v=spf1 exists:%{d0}.x.example -all\"\n")
s.eq("D5", "%{d0}: permerror", line, "spf.result", "permerror")
s.has("D5", "%{d0}: reason", line, "spf.reason", "macro")
line = spf("bank.example. IN TXT \"v=spf1 exists:%{i99999999999r}.x.example -all\"\n"
           "1.2.0.192.x.example. IN A 127.0.0.2\n")
s.eq("D5", "%{i99999999999r}: 11 digits keep every label (no overflow)", line, "spf.result",
     "pass")
line = spf("bank.example. IN TXT \"v=spf1 exists:%{i184467440737095516170r}.x.example -all\"\n"
           "1.2.0.192.x.example. IN A 127.0.0.2\n")
s.eq("D5", "%{i<more than 2^64>r}: no wrap-around", line, "spf.result", "pass")
line = spf("bank.example. IN TXT \"v=spf1 exists:%{ir99999999999}.x.example -all\"\n"
           "1.2.0.192.x.example. IN A 127.0.0.2\n")
s.eq("D5", "%{ir99999999999} (digits after r) is a syntax error: permerror", line,
     "spf.result", "permerror")
s.has("D5", "%{ir99999999999}: reason", line, "spf.reason", "bad macro")
local = ".".join(["abcdefghi"] * 6)          # 59 octets, 6 labels
spec = ".".join(["%{l}"] * 5) + ".t.example"  # 5 x 59 + 4 + 10 = 309 octets
full = ".".join([local] * 5) + ".t.example"
labels = full.split(".")
while len(".".join(labels)) > 253:
    labels.pop(0)
kept = ".".join(labels)
line = spf("bank.example. IN TXT \"v=spf1 exists:%s -all\"\n%s. IN A 127.0.0.2\n" % (spec, kept),
           msg(mailfrom=local + "@bank.example"))
s.eq("D5", "expansion over 253 octets loses labels from the left", line, "spf.result", "pass")
line = spf("bank.example. IN TXT \"v=spf1 -all exp=why.bank.example\"\n"
           "why.bank.example. IN TXT \"%{i} is not one of %{d}'s servers\"\n")
s.eq("D5", "exp=: the fail stands", line, "spf.result", "fail")
s.eq("D5", "exp=: fetched once after the verdict, expanded", line, "spf.explanation",
     "192.0.2.1 is not one of bank.example's servers")
# RFC 7208 4.6: exp='s domain-spec is part of the record: a bad macro there
# is a syntax error of the record; 6.2: a bad explain-string is not
line = spf("bank.example. IN TXT \"v=spf1 -all exp=%{d0}.bank.example\"\n")
s.eq("D5", "exp= domain-spec with a bad macro: record permerror", line, "spf.result",
     "permerror")
s.has("D5", "exp= domain-spec with a bad macro: reason", line, "spf.reason", "bad exp= domain")
line = spf("bank.example. IN TXT \"v=spf1 -all exp=why.bank.example\"\n"
           "why.bank.example. IN TXT \"%{d0} is not a macro\"\n")
s.eq("D5", "explain-string with a bad macro: the fail stands", line, "spf.result", "fail")
s.eq("D5", "explain-string with a bad macro: no explanation", line, "spf.explanation", None)
line = spf("bank.example. IN TXT \"v=spf1 -all exp=why.bank.example\"\n"
           "why.bank.example. IN SERVFAIL\n")
s.eq("D5", "exp= target SERVFAIL: the fail stands", line, "spf.result", "fail")
s.has("D5", "exp= target SERVFAIL: the fail's reason stands", line, "spf.reason",
      "matched -all")

# ---------------------------------------------------------------- D6 -----
line = spf("bank.example. IN TXT \"v=spf1 a:down.bank.example -all\"\n"
           "down.bank.example. IN SERVFAIL\n")
s.eq("D6", "SERVFAIL during a: temperror", line, "spf.result", "temperror")
s.has("D6", "SERVFAIL during a: reason", line, "spf.reason", "down.bank.example")
line = spf("bank.example. IN TXT \"v=spf1 mx -all\"\n"
           "bank.example. IN MX 10 mx.bank.example.\n"
           "mx.bank.example. IN TIMEOUT\n")
s.eq("D6", "timeout during mx: temperror", line, "spf.result", "temperror")
line = spf("bank.example. IN TIMEOUT\n")
s.eq("D6", "timeout for the record: temperror", line, "spf.result", "temperror")
line = spf("other.example. IN TXT \"v=spf1 -all\"\n")
s.eq("D6", "NXDOMAIN for the checked domain: none", line, "spf.result", "none")
s.has("D6", "NXDOMAIN for the checked domain: reason", line, "spf.reason", "no such domain")

# ---------------------------------------------------------------- H3 -----
# RFC 7208 4.6.4, 11.1: 10 mx terms x 10 MX names each, then an 11th term.
# The budget: 1 TXT + 10 MX + 10 x 10 A queries, then permerror.
fan = ""
for t in range(10):
    for k in range(10):
        fan += "m%d.bank.example. IN MX %d h%d.m%d.bank.example.\n" % (t, k, k, t)
        fan += "h%d.m%d.bank.example. IN A 198.51.100.%d\n" % (k, t, k + 1)
        fan += "h%d.m%d.bank.example. IN AAAA 2001:db8::%d\n" % (k, t, k + 1)
fan += "bank.example. IN TXT \"v=spf1 %s mx:m10.bank.example -all\"\n" % " ".join(
    "mx:m%d.bank.example" % t for t in range(10))
line = s.run([msg()], zone=fan, args=["--checks=spf", "--summary"])[0]
q = dns_queries(s.stderr)
s.eq("H3", "SPF fan-out 10 terms x 10 MX: permerror", line, "spf.result", "permerror")
s.has("H3", "SPF fan-out: reason names the lookup limit", line, "spf.reason",
      "too many DNS lookups (limit 10)")
s.ok("H3", "SPF fan-out: DNS queries of the message bounded (<= 111)", 0 < q <= 111,
     "DNS queries %d" % q)
line = s.run([msg(ip="2001:db8::99")], zone=fan, args=["--checks=spf", "--summary"])[0]
q6 = dns_queries(s.stderr)
s.eq("H3", "SPF fan-out over IPv6: permerror", line, "spf.result", "permerror")
s.ok("H3", "SPF fan-out over IPv6: one address family asked (<= 111)", 0 < q6 <= 111,
     "DNS queries %d" % q6)
# the same 11-term record for 20 messages: the cache answers the repeats
line = s.run([msg()] * 20, zone=fan, args=["--checks=spf", "--summary", "-j2"])
q20 = dns_queries(s.stderr)
s.ok("H3", "SPF fan-out: 20 messages cost no more queries than one", 0 < q20 <= 111,
     "DNS queries %d" % q20)

# ---------------------------------------------------------------- B3 -----
# RFC 8601 5: archived A-R, Received-SPF and ARC-Authentication-Results are
# reported under "recorded" but never decide a verdict.
forged = ("Authentication-Results: mx.us.example; spf=pass smtp.mailfrom=bank.example; "
          "dkim=pass header.d=bank.example; dmarc=pass header.from=bank.example; arc=pass",
          "Received-SPF: pass (mx.us.example: domain of bank.example designates 192.0.2.1)",
          "ARC-Authentication-Results: i=1; mx.us.example; spf=pass")
zone = ("bank.example. IN TXT \"v=spf1 -all\"\n"
        "_dmarc.bank.example. IN TXT \"v=DMARC1; p=reject\"\n")
line = s.run([msg(extra=forged)], zone=zone, args=["--checks=spf,dmarc"])[0]
s.eq("B3", "forged A-R spf=pass: SPF still fail", line, "spf.result", "fail")
s.eq("B3", "forged A-R dmarc=pass: DMARC still fail", line, "dmarc.result", "fail")
s.eq("B3", "forged A-R is reported as recorded", line, "recorded.spf", "pass")
s.eq("B3", "forged A-R dmarc recorded", line, "recorded.dmarc", "pass")
line = s.run([msg(extra=forged)], zone=zone, args=["--checks=spf,dmarc",
                                                   "--authserv-id=mx.ours.example"])[0]
s.eq("B3", "A-R of another authserv-id is not ours: recorded null", line, "recorded", None)
# hostile A-R values: deep comments, unterminated quotes, no ';', huge
hostile = [
    "Authentication-Results: " + "(" * 20000 + "mx.us.example; spf=pass",
    "Authentication-Results: mx.us.example; spf=\"pass; dkim=pass",
    "Authentication-Results: \"mx.us.example; spf=pass",
    "Authentication-Results: mx.us.example; spf" + "=" * 5000,
    "Authentication-Results: mx.us.example;" + " spf/1=pass (c);" * 3000,
    "Authentication-Results: mx.us.example; dkim=" + "x" * 100 + "; spf=pa\x01ss",
    "Authentication-Results: \\",
]
lines = s.run([msg(extra=(h,)) for h in hostile], zone=zone, args=["--checks=spf"])
for i, ln in enumerate(lines):
    s.eq("B3", "hostile A-R %d: SPF verdict unaffected" % i, ln, "spf.result", "fail")
s.eq("B3", "A-R in a comment is no A-R", lines[0], "recorded.spf", None)
s.eq("B3", "A-R spf=\"pass;...: quoted value is no result", lines[1], "recorded.spf", None)
s.eq("B3", "A-R with 3000 resinfos: first spf= kept", lines[4], "recorded.spf", "pass")
s.eq("B3", "A-R result over 15 bytes is cut, not overrun", lines[5], "recorded.dkim",
     "x" * 15)

# ---------------------------------------------------------------- B1 -----
dz = ("bank.example. IN TXT \"v=spf1 ip4:%s -all\"\n"
      "_dmarc.bank.example. IN TXT \"v=DMARC1; p=reject\"\n"
      "_dmarc.evil.example. IN TXT \"v=DMARC1; p=none\"\n"
      "_dmarc.quiet.example. IN TXT \"v=DMARC1; p=quarantine\"\n"
      "evil.example. IN TXT \"v=spf1 ip4:%s -all\"\n") % (IP, IP)


def dmarc(frm, **kw):
    return s.run([msg(frm=frm, **kw)], zone=dz, args=["--checks=spf,dmarc"])[0]


line = dmarc(("From: alice@bank.example", "From: eve@evil.example"),
             mailfrom="eve@evil.example")
s.eq("B1", "two From fields: permerror", line, "dmarc.result", "permerror")
s.has("B1", "two From fields: reason", line, "dmarc.reason", "from")
line = dmarc(("From: alice@bank.example", "From: alice@bank.example"))
s.eq("B1", "two From fields, both aligned: still permerror, never pass", line,
     "dmarc.result", "permerror")
line = dmarc(("From: alice@bank.example", "From : eve@evil.example"),
             mailfrom="eve@evil.example")
s.eq("B1", "From plus obsolete 'From :' counts as two: permerror", line, "dmarc.result",
     "permerror")
line = dmarc(("From: eve@evil.example, alice@bank.example",), mailfrom="eve@evil.example")
s.eq("B1", "one From, two addresses: the failing reject domain decides", line,
     "dmarc.result", "fail")
s.eq("B1", "one From, two addresses: judged domain is the strictest", line,
     "dmarc.from_domain", "bank.example")
s.eq("B1", "one From, two addresses: policy reject", line, "dmarc.policy", "reject")
line = dmarc(("From: eve@evil.example, joe",), mailfrom="eve@evil.example")
s.eq("B1", "a domainless address does not hide the others", line, "dmarc.from_domain",
     "evil.example")
line = dmarc(("From: alice@bank.example, joe",), mailfrom="eve@evil.example")
s.eq("B1", "'alice@bank.example, joe': bank.example judged, fail", line, "dmarc.result",
     "fail")
line = dmarc(("From: alice@bank.example, carol@quiet.example",))
s.eq("B1", "one From, two addresses, one unaligned: fail", line, "dmarc.result", "fail")
s.eq("B1", "one From, two addresses: failing domain judged", line, "dmarc.from_domain",
     "quiet.example")

# ---------------------------------------------------------------- B4 -----
line = dmarc(("From: \"alice@bank.example\" <eve@evil.example>",), mailfrom="eve@evil.example")
s.eq("B4", "quoted address in display name is not the author", line, "dmarc.from_domain",
     "evil.example")
s.eq("B4", "quoted display name: evil.example's own DMARC passes", line, "dmarc.result", "pass")
line = dmarc(("From: =?utf-8?q?alice=40bank=2Eexample?= <eve@evil.example>",),
             mailfrom="eve@evil.example")
s.eq("B4", "encoded-word display name is not decoded into an address", line,
     "dmarc.from_domain", "evil.example")
line = dmarc(("From: (alice@bank.example) eve@evil.example",), mailfrom="eve@evil.example")
s.eq("B4", "address in a comment is not the author", line, "dmarc.from_domain", "evil.example")
line = dmarc(("From: eve@evil.example (alice@bank.example)",), mailfrom="eve@evil.example")
s.eq("B4", "trailing comment is not the author", line, "dmarc.from_domain", "evil.example")
line = dmarc(("From: \"eve@evil.example\"@bank.example",))
s.eq("B4", "quoted local-part: the domain after it counts", line, "dmarc.from_domain",
     "bank.example")
line = dmarc(("From: alice@b\xc3\xa4nk.example",), mailfrom="eve@evil.example")
s.eq("B4", "U-label author domain: permerror", line, "dmarc.result", "permerror")
s.has("B4", "U-label author domain: reason", line, "dmarc.reason", "not a valid domain")
line = dmarc(("From: alice@xn--bnk-qla.example",), mailfrom="eve@evil.example")
s.eq("B4", "A-label author domain is a domain (no record: none)", line, "dmarc.result", "none")

# ---------------------------------------------------------------- E1 -----
for name, frm in (("no From", ()),
                  ("group syntax", ("From: undisclosed-recipients:;",)),
                  ("address without a domain", ("From: alice",))):
    line = s.run([msg(frm=frm, received=False)], zone=dz,
                 args=["--checks=dmarc", "--summary"])[0]
    q = dns_queries(s.stderr)
    s.eq("E1", name + ": DMARC none", line, "dmarc.result", "none")
    s.has("E1", name + ": reason", line, "dmarc.reason", "no author domain")
    s.ok("E1", name + ": no DNS query", q == 0, "DNS queries %d" % q)

# ---------------------------------------------------------------- E2 -----
def dmarc_rec(rec, **kw):
    z = "bank.example. IN TXT \"v=spf1 -all\"\n" + rec
    return s.run([msg(**kw)], zone=z, args=["--checks=spf,dmarc"])[0]


line = dmarc_rec("_dmarc.bank.example. IN TXT \"v=DMARC1; p=reject\"\n"
                 "_dmarc.bank.example. IN TXT \"v=DMARC1; p=none\"\n")
s.eq("E2", "two v=DMARC1 records: none", line, "dmarc.result", "none")
s.has("E2", "two v=DMARC1 records: reason", line, "dmarc.reason", "DMARC record")
line = dmarc_rec("_dmarc.bank.example. IN TXT \"p=reject; v=DMARC1\"\n")
s.eq("E2", "record not starting v=DMARC1 is discarded: none", line, "dmarc.result", "none")
line = dmarc_rec("_dmarc.bank.example. IN TXT \"v=DMARC1; p=reject\"\n"
                 "_dmarc.bank.example. IN TXT \"v=spf1 -all\"\n")
s.eq("E2", "a non-DMARC TXT beside one record is ignored", line, "dmarc.policy", "reject")
line = dmarc_rec("_dmarc.bank.example. IN TXT "
                 "\"v=DMARC1; p=bogus; rua=mailto:d@bank.example\"\n")
s.eq("E2", "invalid p= with a valid rua: fail (acts as p=none)", line, "dmarc.result", "fail")
s.eq("E2", "invalid p= with a valid rua: policy none", line, "dmarc.policy", "none")

# ---------------------------------------------------------------- E3 -----
ez = ("bank.example. IN TXT \"v=spf1 ip4:%s -all\"\n"
      "mx.bank.example. IN TXT \"v=spf1 ip4:%s -all\"\n"
      "bounce.example. IN TXT \"v=spf1 ip4:%s -all\"\n"
      "_dmarc.bank.example. IN TXT \"v=DMARC1; p=reject\"\n") % (IP, IP, IP)
line = s.run([msg(mailfrom="b@bounce.example", helo="mx.bank.example")], zone=ez,
             args=["--checks=spf,dmarc"])[0]
s.eq("E3", "SPF passes for MAIL FROM bounce.example", line, "spf.result", "pass")
s.eq("E3", "HELO mx.bank.example is not aligned when MAIL FROM is set", line,
     "dmarc.spf_aligned", False)
s.eq("E3", "HELO-only alignment: DMARC fail", line, "dmarc.result", "fail")
line = s.run([msg(mailfrom="", helo="mx.bank.example")], zone=ez,
             args=["--checks=spf,dmarc"])[0]
s.eq("E3", "null reverse-path: HELO identity checked", line, "spf.result", "pass")
s.eq("E3", "null reverse-path: HELO aligns", line, "dmarc.spf_aligned", True)
s.eq("E3", "null reverse-path: DMARC pass", line, "dmarc.result", "pass")

# ---------------------------------------------------------------- ARC ----
with open(os.path.join(DATA, "arc2.eml"), "rb") as f:
    ARC2 = f.read()
with open(os.path.join(DATA, "arc.zone")) as f:
    ARCZ = f.read()


# Queries per distinct ARC selector before the ARC check runs: 0, since
# checks.c skips the key prefetch for chains arc_chain_precheck() refuses.
PREFETCH = 0


def split_fields(m):
    head, body = m.split(b"\r\n\r\n", 1)
    fields = re.split(rb"\r\n(?![ \t])", head)
    return fields, body


def join_fields(fields, body):
    return b"\r\n".join(fields) + b"\r\n\r\n" + body


def arc_run(m, args=(), summary=False):
    extra = ["--summary"] if summary else []
    return s.run([m], zone=ARCZ, fmt="eml", args=["--checks=arc"] + extra + list(args))[0]


def mutate(fn):
    fields, body = split_fields(ARC2)
    return join_fields(fn(fields), body)


line = arc_run(ARC2)
s.eq("F3", "dkimpy chain (AMS without v=) passes", line, "arc.result", "pass")
s.eq("F3", "dkimpy chain: 2 instances", line, "arc.instances", 2)

# F1: more than 50 sets, i outside 1..50, --max-arc
many = []
for i in range(51, 0, -1):
    many += [b"ARC-Seal: i=%d; cv=%s; a=rsa-sha256; d=list.example; s=arc2; b=AAAA" %
             (i, b"none" if i == 1 else b"pass"),
             b"ARC-Message-Signature: i=%d; a=rsa-sha256; d=list.example; s=arc2; "
             b"h=from; bh=AAAA; b=AAAA" % i,
             b"ARC-Authentication-Results: i=%d; mx.list.example; arc=pass" % i]
fields, body = split_fields(ARC2)
plain = [f for f in fields if not f.lower().startswith(b"arc-")]
# RFC 8617 5.1.1: a chain over the limit fails before crypto or DNS.  The
# ARC check itself asks nothing; the queries counted here are checks.c's
# key prefetch, one per distinct selector (see PREFETCH below).
line = arc_run(join_fields(many + plain, body), summary=True)
q = dns_queries(s.stderr)
s.eq("F1", "51 ARC sets: fail", line, "arc.result", "fail")
s.has("F1", "51 ARC sets: reason names the limit", line, "arc.reason",
      "too many ARC sets (limit 50)")
s.ok("F1", "51 ARC sets: no DNS query past the prefetch of its 1 selector", q <= PREFETCH * 1,
     "DNS queries %d" % q)
line = arc_run(join_fields(many[-150:] + plain, body), summary=True)
q = dns_queries(s.stderr)
s.eq("F1", "50 sets are within the limit (fail at crypto, not the count)", line,
     "arc.instances", 50)
s.ok("F1", "50 sets: reason is not the limit", "limit" not in str(line.get("arc", {}).get(
    "reason")), repr(line.get("arc")))
line = arc_run(ARC2, args=["--max-arc=1"], summary=True)
q = dns_queries(s.stderr)
s.eq("F1", "--max-arc=1 with 2 sets: fail", line, "arc.result", "fail")
s.has("F1", "--max-arc=1: reason names the limit", line, "arc.reason",
      "too many ARC sets (limit 1)")
s.ok("F1", "--max-arc=1: no DNS query past the prefetch of 2 selectors", q <= PREFETCH * 2,
     "DNS queries %d" % q)
for bad in (b"0", b"51", b"99999999999999999999", b"-1", b""):
    line = arc_run(mutate(lambda fs: [re.sub(rb"^(ARC-Seal: i=)1;", rb"\g<1>" + bad + b";", f)
                                      for f in fs]), summary=True)
    q = dns_queries(s.stderr)
    s.eq("F1", "ARC-Seal i=%s: fail" % bad.decode(), line, "arc.result", "fail")
    s.ok("F1", "ARC-Seal i=%s: no DNS query past the prefetch" % bad.decode(),
         q <= PREFETCH * 2, "DNS queries %d" % q)

# F2: set members missing or duplicated, gaps, cv rules
line = arc_run(mutate(lambda fs: [f for f in fs
                                  if not f.startswith(b"ARC-Message-Signature: i=1;")]))
s.eq("F2", "AMS i=1 missing: fail", line, "arc.result", "fail")
s.has("F2", "AMS i=1 missing: reason", line, "arc.reason", "instance 1 has no")
line = arc_run(mutate(lambda fs: [f for f in fs for _ in (range(2) if f.startswith(
    b"ARC-Seal: i=2;") else range(1))]))
s.eq("F2", "AS i=2 twice: fail", line, "arc.result", "fail")
s.has("F2", "AS i=2 twice: reason", line, "arc.reason", "instance 2 has 2")
line = arc_run(mutate(lambda fs: [re.sub(rb"^(ARC-[A-Za-z-]+: )i=2;", rb"\1i=3;", f)
                                  for f in fs]))
s.eq("F2", "gap (sets 1 and 3): fail", line, "arc.result", "fail")
s.has("F2", "gap: reason names the missing instance", line, "arc.reason", "instance 2 has no")
line = arc_run(mutate(lambda fs: [f.replace(b"i=2; cv=pass", b"i=2; cv=fail") for f in fs]))
s.eq("F2", "top set cv=fail: fail", line, "arc.result", "fail")
s.has("F2", "top set cv=fail: reason", line, "arc.reason", "cv=fail")
line = arc_run(mutate(lambda fs: [f.replace(b"i=1; cv=none", b"i=1; cv=pass") for f in fs]))
s.eq("F2", "i=1 with cv=pass: fail", line, "arc.result", "fail")
s.has("F2", "i=1 with cv=pass: reason", line, "arc.reason", "expected cv=none")
line = arc_run(mutate(lambda fs: [f.replace(b"i=2; cv=pass", b"i=2; cv=none") for f in fs]))
s.eq("F2", "i=2 with cv=none: fail", line, "arc.result", "fail")
s.has("F2", "i=2 with cv=none: reason", line, "arc.reason", "expected cv=pass")

# F3: a seal with h= fails; the AMS without v= passed above
line = arc_run(mutate(lambda fs: [f.replace(b"i=2; cv=pass;", b"i=2; cv=pass; h=from;")
                                  for f in fs]))
s.eq("F3", "ARC-Seal with h=: fail", line, "arc.result", "fail")
s.has("F3", "ARC-Seal with h=: reason", line, "arc.reason", "h= is not allowed")
line = arc_run(mutate(lambda fs: [f.replace(b"ARC-Message-Signature: i=2;",
                                            b"ARC-Message-Signature: v=1; i=2;") for f in fs]))
s.eq("F3", "AMS with v= added: signature no longer verifies (v= not rejected)", line,
     "arc.reason", "AMS i=2: signature did not verify")

# F4: malformed sets never crash
for name, fld in (("ARC-Seal: i=1; none", b"ARC-Seal: i=1; none"),
                  ("ARC-Seal: x", b"ARC-Seal: x"),
                  ("ARC-Seal empty", b"ARC-Seal:"),
                  ("AAR without i=", b"ARC-Authentication-Results: mx.list.example; arc=pass"),
                  ("ARC-Seal i=1;;;;", b"ARC-Seal: i=1;;;;"),
                  ("AMS NUL", b"ARC-Message-Signature: i=1\x00; a=rsa-sha256")):
    line = arc_run(join_fields([fld] + plain, body), summary=True)
    q = dns_queries(s.stderr)
    s.eq("F4", name + ": fail", line, "arc.result", "fail")
    s.ok("F4", name + ": a reason", isinstance(line.get("arc", {}).get("reason"), str)
         and line["arc"]["reason"] != "", repr(line.get("arc")))
    s.ok("F4", name + ": no DNS query", q == 0, "DNS queries %d" % q)
line = arc_run(mutate(lambda fs: [b"ARC-Seal: i=1; none" if f.startswith(b"ARC-Seal: i=1;")
                                  else f for f in fs]))
s.eq("F4", "valid chain with i=1 seal replaced by 'i=1; none': fail", line, "arc.result", "fail")

# ---------------------------------------------------------------- G6 -----
# --dns-max-answer on SPF and DMARC records: temperror naming the limit
# (the DKIM side is in test_dkim_dns.py).
ips = " ".join("ip4:198.18.%d.0/24" % i for i in range(40))
big_spf = " ".join('"%s"' % ips[i:i + 200] for i in range(0, len(ips), 200))
pad = " ".join("x%d=padding-padding-padding" % i for i in range(25))
big_dmarc = " ".join('"%s"' % pad[i:i + 200] for i in range(0, len(pad), 200))
bigz = ('bank.example. IN TXT "v=spf1 ip4:192.0.2.0/24 " %s " -all"\n'
        '_dmarc.bank.example. IN TXT "v=DMARC1; p=reject; " %s\n' % (big_spf, big_dmarc))
line = s.run([msg()], zone=bigz, args=["--checks=spf,dmarc", "--dns-max-answer=512"])[0]
s.eq("G6", "SPF record over --dns-max-answer: temperror", line, "spf.result", "temperror")
s.has("G6", "SPF reason names the limit", line, "spf.reason", "exceeds the limit of 512")
s.eq("G6", "DMARC record over --dns-max-answer: temperror", line, "dmarc.result", "temperror")
s.has("G6", "DMARC reason names the limit", line, "dmarc.reason", "exceeds the limit of 512")
line = s.run([msg()], zone=bigz, args=["--checks=spf,dmarc"])[0]
s.eq("G6", "the same records under the default limit: SPF pass", line, "spf.result", "pass")
s.eq("G6", "the same records under the default limit: DMARC pass", line, "dmarc.result", "pass")

sys.exit(s.finish())
