#!/usr/bin/env python3
"""DKIM conformance runners for authsweep.

One subcommand per suite; each turns the suite's data (copied unchanged under
tests/conformance/) into messages and a zone file in a temporary directory,
runs

    authsweep --dns=zone:ZONE --now=EPOCH [--legacy] PATH...   (all checkers on)

and compares every DKIM-Signature's verdict, by position, with what the suite
(or, for pre-RFC 6376 material, this file's own expectation table) says an
RFC 6376 / RFC 8301 / RFC 8463 verifier must report.

Verdicts are compared by class: pass, fail(body hash), fail(signature),
policy, permerror, temperror, neutral, none.  A `fail` is fail(body hash) when
its reason mentions "body hash", otherwise fail(signature).  Where a class
implies the cryptography ran, `crypto` must agree: pass/policy -> "pass",
fail(...) -> "fail".

Prints one line per mismatch and ends with exactly
"N passed, M failed, K skipped"; exits 1 on any mismatch.
Stdlib only.  Never reads /work/shared: --data is tests/conformance.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

# ---------------------------------------------------------------------------
# verdict classes

PASS, POLICY = "pass", "policy"
PERM, TEMP = "permerror", "temperror"
FAIL_BH, FAIL_SIG = "fail(body hash)", "fail(signature)"
FAIL_ANY = "fail"  # expectation only: either fail class
NONE = "none"


def got_class(sig):
    """The class of one entry of authsweep's "dkim" array."""
    r = sig.get("result")
    if r == "fail":
        return FAIL_BH if "body hash" in (sig.get("reason") or "") else FAIL_SIG
    return r


def expect_class(text):
    """The class of an expectation written as in the suites: 'permerror(x)',
    'fail(body hash)', 'policy(rsa-sha1)', 'pass', 'fail' ..."""
    t = text.strip()
    if t.startswith("fail(body hash"):
        return FAIL_BH
    if t.startswith("fail(signature"):
        return FAIL_SIG
    m = re.match(r"[a-z]+", t)
    return m.group(0) if m else t


def class_matches(exp, got):
    if exp == FAIL_ANY:
        return got in (FAIL_BH, FAIL_SIG)
    return exp == got


def crypto_for(exp):
    """What `crypto` must be for an expected class, or None if unconstrained."""
    if exp in (PASS, POLICY):
        return "pass"
    if exp in (FAIL_BH, FAIL_SIG, FAIL_ANY):
        return "fail"
    return None


# ---------------------------------------------------------------------------
# bookkeeping


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skips = []  # (case, reason)
        self.verbose = False

    def ok(self, case):
        self.passed += 1
        if self.verbose:
            print("ok   %s" % case)

    def bad(self, case, msg):
        self.failed += 1
        print("FAIL %s: %s" % (case, msg))

    def skip(self, case, reason):
        self.skips.append((case, reason))

    def finish(self):
        if self.skips:
            print("skipped cases:")
            for case, reason in self.skips:
                print("  SKIP %s: %s" % (case, reason))
        print("%d passed, %d failed, %d skipped"
              % (self.passed, self.failed, len(self.skips)))
        return 1 if self.failed else 0


def check_sigs(t, case, expected, line, crypto_expected=None):
    """Compare one output line's dkim array with a list of expected classes.

    crypto_expected, if given, is a list (per position) of the exact crypto
    value required (None = unconstrained); otherwise it follows the class.
    One case per message: all positions must match."""
    if line is None:
        t.bad(case, "no output line for this message")
        return
    if line.get("error") is not None:
        t.bad(case, "error=%r" % line.get("error"))
        return
    got = line.get("dkim")
    if not isinstance(got, list):
        t.bad(case, "no dkim array in %r" % line)
        return
    problems = []
    if len(got) != len(expected):
        problems.append("expected %d signatures %s, got %d %s"
                        % (len(expected), expected, len(got),
                           [describe(g) for g in got]))
    for pos, (exp, g) in enumerate(zip(expected, got)):
        gc = got_class(g)
        if not class_matches(exp, gc):
            problems.append("sig %d: expected %s, got %s" % (pos, exp, describe(g)))
            continue
        want = crypto_expected[pos] if crypto_expected else crypto_for(exp)
        if want is not None and g.get("crypto") != want:
            problems.append("sig %d: %s as expected but crypto=%r (expected %r)"
                            % (pos, gc, g.get("crypto"), want))
    if problems:
        t.bad(case, "; ".join(problems))
    else:
        t.ok(case)


def describe(g):
    return "%s[reason=%r crypto=%r]" % (got_class(g), g.get("reason"), g.get("crypto"))


# ---------------------------------------------------------------------------
# zone files


def zone_string(data):
    """One RFC 1035 <character-string>: quoted, \\" and \\\\ escaped, every
    byte outside printable ASCII as \\DDD."""
    out = []
    for b in data:
        if b in (0x22, 0x5C):
            out.append("\\" + chr(b))
        elif 0x20 <= b <= 0x7E:
            out.append(chr(b))
        else:
            out.append("\\%03d" % b)
    return '"' + "".join(out) + '"'


def zone_owner(name):
    """Owner name, absolute, odd bytes escaped (RFC 1035 5.1)."""
    if isinstance(name, str):
        name = name.encode("utf-8")
    out = []
    for b in name:
        c = chr(b)
        if c.isascii() and (c.isalnum() or c in "-_.*"):
            out.append(c)
        elif 0x21 <= b <= 0x7E:
            out.append("\\" + c)
        else:
            out.append("\\%03d" % b)
    s = "".join(out)
    return s if s.endswith(".") else s + "."


def split255(value):
    """A TXT value as character-strings of at most 255 bytes (RFC 1035 3.3)."""
    if isinstance(value, str):
        value = value.encode("utf-8")
    return [value[i:i + 255] for i in range(0, len(value), 255)] or [b""]


class Zone:
    def __init__(self, comment=None):
        self.lines = ["; generated by tests/conformance/run_dkim.py"]
        if comment:
            self.lines.append("; " + comment)

    def txt(self, name, strings):
        """One TXT RR whose character-strings are `strings` (bytes/str)."""
        enc = [s.encode("utf-8") if isinstance(s, str) else s for s in strings]
        self.lines.append("%s 3600 IN TXT %s"
                          % (zone_owner(name), " ".join(zone_string(s) for s in enc)))

    def failure(self, name, kind):
        """authsweep's test extension: every query at name times out / SERVFAILs."""
        assert kind in ("TIMEOUT", "SERVFAIL")
        self.lines.append("%s IN %s" % (zone_owner(name), kind))

    def text(self):
        return "\n".join(self.lines) + "\n"

    def write(self, path):
        with open(path, "w", encoding="ascii") as f:
            f.write(self.text())
        return path


def to_crlf(data):
    """LF -> CRLF; a CRLF stays; a lone CR (not before LF) is kept."""
    return re.sub(rb"\r?\n", b"\r\n", data)


# ---------------------------------------------------------------------------
# running the binary


class Runner:
    def __init__(self, binary, tally):
        self.binary = binary
        self.t = tally

    def run(self, case, zone, now, paths, legacy=False, extra=()):
        """Run authsweep; return the parsed lines (list of dicts), or None after
        recording a failure for `case`."""
        # all checkers on (issue 5): DKIM verdicts must hold with spf/dmarc/arc present
        cmd = [self.binary, "--dns=zone:" + zone, "--now=%d" % now]
        if legacy:
            cmd.append("--legacy")
        cmd += list(extra) + list(paths)
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=600)
        except subprocess.TimeoutExpired:
            self.t.bad(case, "authsweep timed out: %s" % " ".join(cmd))
            return None
        if p.returncode != 0:
            self.t.bad(case, "authsweep exit code %d (expected 0): %s\n  stderr: %s"
                       % (p.returncode, " ".join(cmd),
                          p.stderr.decode("utf-8", "replace").strip()[-2000:]))
            return None
        lines = []
        for n, raw in enumerate(p.stdout.split(b"\n")):
            if not raw.strip():
                continue
            try:
                lines.append(json.loads(raw))
            except ValueError as e:
                self.t.bad(case, "output line %d is not JSON (%s): %r" % (n, e, raw[:200]))
                return None
        return lines

    def run_files(self, case, zone, now, paths, legacy=False):
        """Run on single-message files; return {path: line}. Lines come in input
        order; each is also matched to its file by the `source` field."""
        lines = self.run(case, zone, now, paths, legacy)
        if lines is None:
            return None
        if len(lines) != len(paths):
            self.t.bad(case, "expected %d output lines (one per file), got %d"
                       % (len(paths), len(lines)))
        out = {}
        for path, line in zip(paths, lines):
            src = line.get("source") or ""
            if os.path.basename(src) != os.path.basename(path):
                self.t.bad(case, "line for %s has source %r (input order broken?)"
                           % (path, src))
                continue
            out[path] = line
        return out


# ---------------------------------------------------------------------------
# suite: peer-signed


RELAXED_BY_LEGACY = ("policy(rsa-sha1)", "policy(short key)")


def suite_peer_signed(r, data, tmp):
    t = r.t
    base = os.path.join(data, "peer-signed")
    with open(os.path.join(base, "meta.json")) as f:
        now = json.load(f)["now"]
    expected = []
    with open(os.path.join(base, "expected.jsonl")) as f:
        for raw in f:
            if raw.strip():
                expected.append(json.loads(raw))
    zone = os.path.join(base, "keys.zone")
    mbox = os.path.join(base, "corpus.mbox")

    for legacy in (False, True):
        mode = "legacy" if legacy else "default"
        lines = r.run("peer-signed/%s" % mode, zone, now, [mbox], legacy,
                      extra=["--mbox=rd"])
        if lines is None:
            continue
        if len(lines) != len(expected):
            t.bad("peer-signed/%s" % mode, "expected %d lines, got %d"
                  % (len(expected), len(lines)))
        by_index = {}
        for line in lines:
            by_index.setdefault(line.get("index"), line)
        for m in expected:
            case = "peer-signed/%s #%d %s" % (mode, m["index"], m["case"])
            line = by_index.get(m["index"])
            if line is not None and line.get("message_id") != m["message_id"]:
                t.bad(case, "message_id %r, expected %r"
                      % (line.get("message_id"), m["message_id"]))
                continue
            exp, cry = [], []
            for s in sorted(m["signatures"], key=lambda s: s["pos"]):
                e = s["expect"]
                if legacy and e in RELAXED_BY_LEGACY and s["crypto"] == "pass":
                    e = "pass"
                c = expect_class(e)
                exp.append(c)
                # the corpus states crypto per signature; hold us to it where the
                # verdict says the cryptography ran (permerror may stop before it)
                cry.append(s["crypto"] if c in (PASS, POLICY, FAIL_BH, FAIL_SIG) else None)
            check_sigs(t, case, exp, line, cry)


# ---------------------------------------------------------------------------
# suite: rfc-vectors

# The "fail" row's notes say why it fails; hold the verifier to that class.
RFC_VECTOR_REFINE = {
    "rfc6376/A.2-signed.rfc-literal-body.eml":
        ([FAIL_BH], "notes: body as printed in the RFC -> body hash mismatch"),
}


def read_tsv(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for raw in f:
            raw = raw.rstrip("\n")
            if not raw or raw.startswith("#"):
                continue
            rows.append(raw.split("\t"))
    return rows


def group_run(r, suite, tmp, groups, now, legacy=False):
    """groups: {zone_path: [(case, path, expected_list)]}; one run per zone."""
    for zone, cases in groups.items():
        paths = [p for _, p, _ in cases]
        got = r.run_files("%s (zone %s)" % (suite, os.path.basename(zone)),
                          zone, now, paths, legacy)
        for case, path, exp in cases:
            if got is None:
                r.t.bad(case, "no run")
                continue
            check_sigs(r.t, case, exp, got.get(path))


def suite_rfc_vectors(r, data, tmp):
    base = os.path.join(data, "rfc-vectors")
    groups = {}
    for row in read_tsv(os.path.join(base, "EXPECTED.tsv")):
        msg, zone, exp = row[0], row[1], row[2]
        expected = [FAIL_ANY if e.strip() == "fail" else expect_class(e)
                    for e in exp.split(",")]
        if msg in RFC_VECTOR_REFINE:
            expected = RFC_VECTOR_REFINE[msg][0]
        groups.setdefault(os.path.join(base, zone), []).append(
            ("rfc-vectors/" + msg, os.path.join(base, msg), expected))
    # No x= in these vectors; any clock after the t= values will do.
    group_run(r, "rfc-vectors", tmp, groups, 1700000000)


# ---------------------------------------------------------------------------
# suite: mail-auth (Stalwart) resources/dkim/00[1-6].txt

MAIL_AUTH_NOW = 1667843664  # README 4.3: 005 has x=1667930064

# Every signature must pass at MAIL_AUTH_NOW (dkimpy 1.1.4 agrees for all 8).
MAIL_AUTH_EXPECT = {
    "001.txt": ([PASS, PASS], "RFC 8463 A.3: ed25519-sha256 and rsa-sha256"),
    "002.txt": ([PASS], "p= is a bare PKCS#1 RSAPublicKey, which RFC 6376 3.6.1 literally "
                        "specifies; i= is a subdomain of d="),
    "003.txt": ([PASS, PASS], "ietf.org, two signatures"),
    "004.txt": ([PASS], "facebookmail; key t=s, h=sha256, i= defaults to @d=.  Its "
                        "t=1667862801 is 19137 s (5.3 h) after now: pass needs a clock-skew "
                        "allowance for t= (dkimpy allows 10 h). RFC 6376 3.5 only MAY ignore "
                        "a future t=, so policy would be RFC-conformant too; the suite says pass"),
    "005.txt": ([PASS], "topicbox; c=relaxed means relaxed/simple; x= after now"),
    "006.txt": ([PASS], "github; key h=sha256"),
}


def suite_mail_auth(r, data, tmp):
    base = os.path.join(data, "mail-auth", "resources", "dkim")
    for name in sorted(MAIL_AUTH_EXPECT):
        with open(os.path.join(base, name), "rb") as f:
            raw = f.read()
        recs, sep, msg = raw.partition(b"\n\n")
        case = "mail-auth/" + name
        if not sep:
            r.t.bad(case, "no blank line between records and message")
            continue
        zone = Zone("from mail-auth resources/dkim/" + name)
        for l in recs.split(b"\n"):
            if not l.strip():
                continue
            owner, value = l.split(None, 1)
            zone.txt(owner.decode(), split255(value))
        zpath = zone.write(os.path.join(tmp, "mail-auth-%s.zone" % name))
        mpath = os.path.join(tmp, "mail-auth-%s.eml" % name)
        with open(mpath, "wb") as f:
            f.write(to_crlf(msg))
        group_run(r, "mail-auth", tmp,
                  {zpath: [(case, mpath, MAIL_AUTH_EXPECT[name][0])]}, MAIL_AUTH_NOW)


# ---------------------------------------------------------------------------
# suite: dkimpy derived/CASES.tsv

# CASES.tsv writes two expectations in prose; this is how they read under RFC 6376.
DKIMPY_REFINE = {
    "fail(permerror: unparsable p=)":
        ([PERM], "a p= that does not decode to a key: RFC 6376 6.1.2 'not suitable' "
                 "-> PERMFAIL (dkimpy's own verify() returns False)"),
    "none (no signature)":
        ([], "unsigned message: empty dkim array"),
}


def suite_dkimpy(r, data, tmp):
    base = os.path.join(data, "dkimpy")
    msgdir = os.path.join(base, "dkim", "tests", "data")
    empty = Zone("no records").write(os.path.join(tmp, "dkimpy-empty.zone"))
    n = 0
    for row in read_tsv(os.path.join(base, "derived", "CASES.tsv")):
        msg, zone, exp = row[0], row[1], row[2]
        if exp in DKIMPY_REFINE:
            expected = DKIMPY_REFINE[exp][0]
        else:
            expected = [expect_class(e) for e in exp.split(",")]
        zpath = empty if zone == "-" else os.path.join(base, "derived", zone)
        n += 1
        # dkimpy's fixtures are mostly LF-terminated: write the CRLF form
        mpath = os.path.join(tmp, "dkimpy-%d-%s.eml" % (n, msg))
        with open(os.path.join(msgdir, msg), "rb") as f:
            body = f.read()
        with open(mpath, "wb") as f:
            f.write(to_crlf(body))
        case = "dkimpy/%s+%s" % (msg, zone)
        group_run(r, "dkimpy", tmp, {zpath: [(case, mpath, expected)]}, 1700000000)


# ---------------------------------------------------------------------------
# suite: mailauth test/dkim/ec


def suite_mailauth_ec(r, data, tmp):
    base = os.path.join(data, "mailauth", "test", "dkim", "ec", "fixtures")
    with open(os.path.join(base, "dns.json"), encoding="utf-8") as f:
        dns = json.load(f)
    zone = Zone("from mailauth test/dkim/ec/fixtures/dns.json")
    for name, types in dns.items():
        for rr in types.get("TXT", []):
            # a list is the character-strings of ONE record: keep the split
            zone.txt(name, rr)
    zpath = zone.write(os.path.join(tmp, "mailauth-ec.zone"))
    mpath = os.path.join(tmp, "mailauth-ec-signed.eml")
    with open(os.path.join(base, "signed.eml"), "rb") as f:
        msg = f.read()
    with open(mpath, "wb") as f:
        f.write(to_crlf(msg))
    # RFC 8463 message: ed25519-sha256 then rsa-sha256 (key in 4 strings); no x=
    group_run(r, "mailauth-ec", tmp,
              {zpath: [("mailauth-ec/signed.eml", mpath, [PASS, PASS])]}, 1700000000)


# ---------------------------------------------------------------------------
# suite: mail-dkim (Perl Mail::DKIM corpus)

MAIL_DKIM_NOW = 1700086400

# What an RFC 6376 + RFC 8301 + RFC 8463 verifier reports for each corpus file,
# read from EXPECTED.tsv's notes column and the signatures themselves.
# Each entry: (verdicts with --legacy, verdicts without, why).
# Without --legacy, a signature that would pass but uses rsa-sha1 or an RSA key
# under 1024 bits is policy (RFC 8301 3.1/3.2); any other verdict is the same
# in both modes (a signature that fails, or is broken for another reason, is
# reported for that reason, as in the peer-signed corpus).
# DomainKeys-only files (notes: "DomainKeys (RFC 4870)") are added from the
# TSV: a DKIM verifier finds no DKIM-Signature, so the dkim array is empty.
NO_V = "no v= tag: RFC 6376 3.5 v= is REQUIRED -> permerror"
V05 = "v=0.5: RFC 6376 3.5/6.1.1 only v=1 is supported -> permerror"
LEG = "valid but rsa-sha1 and/or a 512/768-bit key (RFC 8301): pass only with --legacy"
G_GONE = "key g= tag removed by RFC 6376 (unknown key tags are ignored, 3.6.1): pass"

MAIL_DKIM_EXPECT = {
    # pre-RFC 4871 drafts: no v=
    "good_ietf00_1.txt": ([PERM], [PERM], NO_V + " (also no bh=)"),
    "good_ietf00_2.txt": ([PERM], [PERM], NO_V + " (also no bh=)"),
    "good_ietf00_3.txt": ([PERM], [PERM], NO_V + " (also no bh=)"),
    "good_ietf00_4.txt": ([PERM], [PERM], NO_V + " (also no bh=)"),
    "good_ietf00_5.txt": ([PERM], [PERM], NO_V + " (also no bh=)"),
    "mine_ietf01_1.txt": ([PERM], [PERM], NO_V),
    "mine_ietf01_2.txt": ([PERM], [PERM], NO_V),
    "mine_ietf01_3.txt": ([PERM], [PERM], NO_V),
    "mine_ietf01_4.txt": ([PERM], [PERM], NO_V),
    "good_ietf01_1.txt": ([PERM], [PERM], NO_V),
    "good_ietf01_2.txt": ([PERM], [PERM], NO_V),
    "bad_ietf01_1.txt": ([PERM], [PERM], NO_V),
    "bad_ietf01_2.txt": ([PERM], [PERM], NO_V),
    "bad_ietf01_3.txt": ([PERM], [PERM], NO_V),
    "bad_1.txt": ([PERM], [PERM], NO_V),
    "multiple_1.txt": ([PERM] * 4, [PERM] * 4, NO_V + " (all four)"),
    # v=0.5 / v=5
    "mine_ietf05_1.txt": ([PERM], [PERM], V05),
    "no_body_1.txt": ([PERM], [PERM], V05),
    "no_body_2.txt": ([PERM], [PERM], V05),
    "no_body_3.txt": ([PERM], [PERM], V05),
    "ignore_1.txt": ([PERM], [PERM], "v=5 -> permerror (6.1.1)"),
    "ignore_2.txt": ([PERM], [PERM], V05 + "; also a=rsa-md5 unknown"),
    "ignore_3.txt": ([PERM], [PERM], V05 + "; also a=dsa-sha1 unknown"),
    "ignore_4.txt": ([PERM], [PERM], V05 + "; also c=future unknown"),
    "badkey_1.txt": ([PERM], [PERM], V05 + "; also key NXDOMAIN"),
    "badkey_2.txt": ([PERM], [PERM], V05 + "; also key revoked (p= empty)"),
    "badkey_3.txt": ([PERM], [PERM], V05 + "; also key v=DKIM3"),
    "badkey_4.txt": ([PERM], [PERM], V05 + "; also key syntax error ('t;')"),
    "badkey_5.txt": ([PERM], [PERM], V05 + "; also key k=foobar"),
    "badkey_6.txt": ([PERM], [PERM], V05 + "; also key s=chat"),
    "badkey_7.txt": ([PERM], [PERM], V05 + "; also key h=bad"),
    # v=1, valid, legacy crypto only
    "good_rfc4871_3.txt": ([PASS], [POLICY], LEG + "; unknown tag foo=bar ignored (3.2)"),
    "good_rfc4871_4.txt": ([PASS], [POLICY], LEG + "; i=/From differ from d= only in case"),
    "good_1878523.txt": ([PASS], [POLICY], LEG + "; bh= folded with FWS (3.5)"),
    "good_83176.txt": ([PASS], [POLICY], "rsa-sha1 (1024-bit key); q=foo/bar:dns/txt:exam/ple: "
                       "unrecognized query methods MUST be ignored (3.5), dns/txt is used"),
    "good_qp_1.txt": ([PASS], [POLICY], LEG + "; i= is dkim-quoted-printable (3.5): =6A -> j"),
    "good_qp_2.txt": ([PASS], [POLICY], LEG + "; i= is dkim-quoted-printable (3.5): =2E -> '.' "
                      "(dkimpy does not decode it and says permerror)"),
    "good_qp_3.txt": ([PASS], [POLICY], LEG + "; i= is dkim-quoted-printable (3.5): =40 -> '@' "
                      "(dkimpy does not decode it and says permerror)"),
    "goodkey_1.txt": ([PASS], [POLICY], LEG + "; key t=y; s=email"),
    "goodkey_2.txt": ([PASS], [POLICY], LEG + "; key tags with FWS around '=' and a trailing "
                      "'; ' (WSP around tags is allowed, 3.2), s=email:web:fine, "
                      "t=y:n:extra, h=md5:sha1 (lists sha1); dkimpy wrongly rejects s="),
    "goodkey_3.txt": ([PASS], [POLICY], LEG + "; " + G_GONE),
    "goodkey_4.txt": ([PASS], [POLICY], LEG),
    "badkey_8.txt": ([PASS], [POLICY], LEG + "; Mail::DKIM fails on key g=*poe; " + G_GONE),
    "badkey_9.txt": ([PASS], [POLICY], LEG + "; Mail::DKIM fails on empty key g=; " + G_GONE),
    "badkey_12.txt": ([PASS], [POLICY], LEG + "; Mail::DKIM fails on g= vs i= case; " + G_GONE),
    "badkey_13.txt": ([PASS], [POLICY], LEG + "; Mail::DKIM fails on g= vs i=; " + G_GONE),
    # v=1 with a real defect (same verdict in both modes)
    "multiple_2.txt": ([PERM, PASS, FAIL_SIG, PERM], [PERM, POLICY, FAIL_SIG, PERM],
                       "sig1 c=foobar unknown canonicalization; sig2 valid rsa-sha1 (1024); "
                       "sig3 bh= matches but b= does not verify (dkimpy agrees); "
                       "sig4 'synerr' is not a tag-list"),
    "bad_1878954.txt": ([FAIL_BH], [FAIL_BH], "body hash mismatch (dkimpy computes PC9j...): a "
                        "signature that fails is fail, not policy; the message has no From field"),
    "ignore_5.txt": ([PERM], [PERM], "q=http: no recognized query method (3.5), key cannot be "
                     "retrieved -> permerror"),
    "ignore_6.txt": ([PERM], [PERM], "q=dns/special: no recognized query method (3.5) "
                     "-> permerror"),
    "ignore_7.txt": ([PERM], [PERM], "x=1193229946 is in the past -> permerror(expired) (6.1.1)"),
    "ignore_8.txt": ([PERM], [PERM], "i=jon@example.org is not d=messiah.edu or a subdomain "
                     "(6.1.1) -> permerror"),
    "badkey_10.txt": ([PERM], [PERM], "key t=s but i= at a subdomain of d= (3.6.1) -> permerror"),
    "badkey_11.txt": ([PERM], [PERM], "key h=md5:sha1 excludes the signature's sha256 (3.6.1) "
                      "-> permerror"),
    "badkey_14.txt": ([TEMP], [TEMP], "key lookup times out -> temperror (6.1.2)"),
    "badkey_15.txt": ([TEMP], [TEMP], "key lookup SERVFAIL -> temperror (6.1.2)"),
    # the modern part: asserted exactly
    "goodkey_ed25519.txt": ([PASS], [PASS], "ed25519-sha256 (RFC 8463)"),
    "badkey1_ed25519.txt": ([PERM], [PERM], "p= holds a 44-byte SubjectPublicKeyInfo, not the "
                            "raw 32-byte Ed25519 key RFC 8463 4.2 requires -> unusable key"),
    "badkey2_ed25519.txt": ([FAIL_SIG], [FAIL_SIG], "header modified after signing"),
    "badkey3_ed25519.txt": ([FAIL_BH], [FAIL_BH], "body modified after signing"),
    "badkey4_ed25519.txt": ([PERM], [PERM], "no key record (NXDOMAIN) -> permerror(no key)"),
    "badkey5_ed25519.txt": ([PERM], [PERM], "empty TXT record: not a key record -> permerror"),
}

# Cases the runner cannot assert, with the reason.  Keep this minimal.
MAIL_DKIM_SKIP = {}

# Mail::DKIM verdicts the modern part must also agree with (self-check of the table).
MAIL_DKIM_MODERN_MAP = {"pass": (PASS,), "fail": (FAIL_BH, FAIL_SIG), "invalid": (PERM, TEMP)}


def fake_dns_zone(path):
    """FAKE_DNS.dat -> Zone.  'name value' per line, value = concatenated TXT
    data; NXDOMAIN -> absent; ~~Query timed out~~ -> TIMEOUT; ~~SERVFAIL~~ ->
    SERVFAIL; "" -> one empty TXT string."""
    zone = Zone("from mail-dkim t/FAKE_DNS.dat")
    with open(path, "rb") as f:
        for raw in f:
            raw = raw.rstrip(b"\r\n")
            if not raw.strip() or raw.lstrip()[:1] in (b"#", b";"):
                continue
            parts = raw.split(None, 1)
            name = parts[0].decode("ascii")
            value = parts[1] if len(parts) > 1 else b""
            if value.strip() == b"NXDOMAIN":
                continue
            if value.strip() == b"~~Query timed out~~":
                zone.failure(name, "TIMEOUT")
            elif value.strip() == b"~~SERVFAIL~~":
                zone.failure(name, "SERVFAIL")
            elif value.strip() == b'""':
                zone.txt(name, [b""])
            else:
                zone.txt(name, split255(value))
    return zone


def suite_mail_dkim(r, data, tmp):
    t = r.t
    base = os.path.join(data, "mail-dkim", "t")
    zpath = fake_dns_zone(os.path.join(base, "FAKE_DNS.dat")).write(
        os.path.join(tmp, "mail-dkim.zone"))
    rows = read_tsv(os.path.join(base, "EXPECTED.tsv"))
    table = dict(MAIL_DKIM_EXPECT)
    for row in rows:
        fname, notes = row[0], row[6] if len(row) > 6 else ""
        if "DomainKeys (RFC 4870)" in notes:
            if fname in table:
                t.bad("mail-dkim/" + fname, "table has an entry for a DomainKeys file")
            table[fname] = ([], [], "DomainKeys only: no DKIM-Signature")
        elif fname not in table and fname not in MAIL_DKIM_SKIP:
            t.bad("mail-dkim/" + fname, "EXPECTED.tsv row with no expectation in the runner")
        elif not notes.strip() and fname in table:
            # modern rows: our table must agree with Mail::DKIM's verdict
            allowed = MAIL_DKIM_MODERN_MAP.get(row[1], ())
            if any(c not in allowed for c in table[fname][0]):
                t.bad("mail-dkim/" + fname, "runner table %s disagrees with Mail::DKIM %s"
                      % (table[fname][0], row[1]))
    listed = {row[0] for row in rows}
    for fname in sorted(set(table) - listed):
        t.bad("mail-dkim/" + fname, "runner table names a file not in EXPECTED.tsv")

    files = sorted(f for f in listed if f not in MAIL_DKIM_SKIP)
    paths = {}
    for fname in files:
        src = os.path.join(base, "corpus", fname)
        if not os.path.exists(src):
            t.bad("mail-dkim/" + fname, "corpus file missing")
            continue
        with open(src, "rb") as f:
            body = f.read()
        dst = os.path.join(tmp, "mail-dkim-" + fname[:-4] + ".eml")
        with open(dst, "wb") as f:
            f.write(to_crlf(body))  # bad_1878954.txt is LF-only
        paths[fname] = dst
    for legacy in (True, False):
        mode = "legacy" if legacy else "default"
        got = r.run_files("mail-dkim/%s" % mode, zpath, MAIL_DKIM_NOW,
                          list(paths.values()), legacy)
        for fname, dst in paths.items():
            case = "mail-dkim/%s/%s" % (mode, fname)
            if got is None:
                t.bad(case, "no run")
                continue
            exp_leg, exp_def, _why = table[fname]
            check_sigs(t, case, exp_leg if legacy else exp_def, got.get(dst))
    for fname, reason in MAIL_DKIM_SKIP.items():
        t.skip("mail-dkim/" + fname, reason)


# ---------------------------------------------------------------------------

SUITES = {
    "peer-signed": suite_peer_signed,
    "rfc-vectors": suite_rfc_vectors,
    "mail-auth": suite_mail_auth,
    "dkimpy": suite_dkimpy,
    "mailauth-ec": suite_mailauth_ec,
    "mail-dkim": suite_mail_dkim,
}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("suite", choices=sorted(SUITES) + ["all"])
    ap.add_argument("--bin", required=True, help="path to the authsweep binary")
    ap.add_argument("--data", default=os.path.dirname(os.path.abspath(__file__)),
                    help="tests/conformance directory")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory and print its path")
    ap.add_argument("-v", "--verbose", action="store_true", help="print passing cases too")
    args = ap.parse_args(argv)

    t = Tally()
    t.verbose = args.verbose
    r = Runner(os.path.abspath(args.bin), t)
    tmp = tempfile.mkdtemp(prefix="authsweep-conf-")
    try:
        names = sorted(SUITES) if args.suite == "all" else [args.suite]
        for name in names:
            SUITES[name](r, os.path.abspath(args.data), tmp)
    finally:
        if args.keep:
            print("temporary files kept in %s" % tmp)
        else:
            import shutil
            shutil.rmtree(tmp, ignore_errors=True)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
