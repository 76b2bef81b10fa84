#!/usr/bin/env python3
"""Bad-input catalogue, archive area: archive input (A1-A6), JSON output (H4),
I/O faults (H5) and the limits on message size, header count and header
field size.

Each case runs the real binary on hostile files and asserts the verdict and
the reason on the message's JSON line.  The signed messages in data/archive/
were signed by dkimpy with CRLF line breaks (data/archive/gen.py); the cases
store them as archives do, so no signer is needed at run time.
"""
import gzip
import json
import os
import resource
import signal
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile import NOW, SEPARATOR, Suite  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "archive")
ZONE = open(os.path.join(DATA, "archive.zone")).read()
EIO_PATH = "/proc/self/mem"  # read() at offset 0 fails with EIO, even for root


def fixture(name):
    with open(os.path.join(DATA, name + ".eml"), "rb") as f:
        return f.read()


def lf(m):
    return m.replace(b"\r\n", b"\n")


def mboxo(messages):
    """An mboxo file: only ^From lines are quoted, so ^>From is ambiguous."""
    out = b""
    for m in messages:
        body = b"\n".join(b">" + l if l.startswith(b"From ") else l for l in lf(m).split(b"\n"))
        out += SEPARATOR + body + (b"" if body.endswith(b"\n") else b"\n") + b"\n"
    return out


def cl2(parts):
    """An mboxcl2 file of (message, Content-Length text or None for the true one)."""
    out = b""
    for m, cl in parts:
        h, b = m.split(b"\r\n\r\n", 1)
        n = str(len(b)).encode() if cl is None else cl
        out += SEPARATOR + h + b"\r\nContent-Length: " + n + b"\r\n\r\n" + b + b"\n"
    return out


s = Suite(__doc__)


def run(messages, **kw):
    """s.run with the fixtures' zone."""
    kw.setdefault("zone", ZONE)
    return s.run(messages, **kw)


DKIM = ["--checks=dkim"]

# ---------------------------------------------------------------- A1 -----
# RFC 4155, qmail mbox(5): mboxrd strips one '>' from ^>+From lines, which
# restores every body exactly; mboxo quoting is lossy (^>From is ambiguous).
rd = s.mbox([lf(fixture("from_lines"))])
stored = open(rd, "rb").read()
s.ok("A1", "mboxrd file holds the quoted lines", b"\n>>>From a twice" in stored and
     b"\n>From the start" in stored)
line = run([0], args=DKIM, fmt="raw", inputs=[rd])[0]
s.eq("A1", "mboxrd: quoted From lines un-quoted, signature passes", line, "dkim.0.result", "pass")

path = s.write("a1o.mbox", mboxo([fixture("from_lines")]))
line = run([0], args=DKIM + ["--mbox=o"], fmt="raw", inputs=[path])[0]
s.eq("A1", "mboxo with an original >From line: body hash fail", line, "dkim.0.result", "fail")
s.has("A1", "mboxo lossy quoting: reason mbox_from_quoting", line, "dkim.0.reason",
      "mbox_from_quoting")
s.has("A1", "mboxo lossy quoting: reason keeps body hash", line, "dkim.0.reason", "body hash")
line = run([0], args=DKIM, fmt="raw", inputs=[path])[0]
s.eq("A1", "mboxo file read as mboxrd (detected): fail", line, "dkim.0.result", "fail")
s.has("A1", "mboxo file read as mboxrd: reason mbox_from_quoting", line, "dkim.0.reason",
      "mbox_from_quoting")
path = s.write("a1o2.mbox", mboxo([fixture("from_only")]))
line = run([0], args=DKIM + ["--mbox=o"], fmt="raw", inputs=[path])[0]
s.eq("A1", "mboxo with only From lines: un-quoting is exact, pass", line, "dkim.0.result",
     "pass")
s.eq("A1", "mboxo pass has no quoting reason", line, "dkim.0.reason", None)

# ---------------------------------------------------------------- A2 -----
# mutt mbox.c: Content-Length is trusted only where it lands on a From_ line
# or the end; else separators are scanned for.
plain, lines_ = fixture("plain"), fixture("from_lines")
cases = [(plain, None), (plain, b"999999999999999999999999999999"), (plain, b"-5"),
         (plain, b"10"), (lines_, None), (plain, b"18446744073709551615"), (plain, None)]
path = s.write("a2.mbox", cl2(cases))
out = run(cases, args=DKIM + ["--mbox=cl2"], fmt="raw", inputs=[path])
names = ["true", "30 digits", "negative", "too short", "true, From lines in body",
         "2^64-1 (offset overflow)", "true, last"]
for i, what in enumerate(names):
    if i < len(out):
        s.eq("A2", "cl2 Content-Length %s: message %d found whole, passes" % (what, i),
             out[i], "dkim.0.result", "pass")
        s.eq("A2", "cl2 Content-Length %s: its own Message-ID" % what, out[i], "message_id",
             "<%s@archive.example>" % ("from-lines" if i == 4 else "plain"))
# detected: the first message's body holds a From line that only a valid CL explains
path = s.write("a2auto.mbox", cl2([(lines_, None), (plain, b"7")]))
out = run([0, 1], args=DKIM, fmt="raw", inputs=[path])
s.eq("A2", "cl2 detected: unquoted From lines inside the counted body pass", out[0],
     "dkim.0.result", "pass")
s.eq("A2", "cl2 detected: a wrong length after it still splits at From_", out[1],
     "dkim.0.result", "pass")

# ---------------------------------------------------------------- A3 -----
# RFC 6376 3.4.3-3.4.4: bare LF is a line break; canonicalization adds the
# final CRLF; the empty body hashes are fixed values.
out = run([plain], args=DKIM, fmt="eml")
s.eq("A3", "first line not From_: a single message, passes", out[0], "dkim.0.result", "pass")
out = run([lf(plain)], args=DKIM, fmt="eml")
s.eq("A3", "LF line breaks (signed with CRLF): pass", out[0], "dkim.0.result", "pass")
mixed = b"".join(l + (b"\r\n" if i % 2 else b"\n")
                 for i, l in enumerate(plain.split(b"\r\n")[:-1]))
s.ok("A3", "mixed fixture really mixes", b"\r\n" in mixed and b"t.\nA" in mixed)
out = run([mixed], args=DKIM, fmt="eml")
s.eq("A3", "mixed LF/CRLF: pass", out[0], "dkim.0.result", "pass")
m = fixture("no_final_newline")
s.ok("A3", "fixture ends without a line break", m.endswith(b"last line"))
out = run([m, lf(m)], args=DKIM, fmt="eml")
s.eq("A3", "no final newline (.eml): pass", out[0], "dkim.0.result", "pass")
s.eq("A3", "no final newline, LF: pass", out[1], "dkim.0.result", "pass")
out = run([m, plain], args=DKIM)  # mbox: the harness adds the separating line
s.eq("A3", "no final newline in an mbox: pass", out[0], "dkim.0.result", "pass")
es, er = fixture("empty_simple"), fixture("empty_relaxed")
s.ok("A3", "empty body bh= (simple) is the catalogue's",
     b"bh=frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=" in es)
s.ok("A3", "empty body bh= (relaxed) is the catalogue's",
     b"bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" in er)
nobody = es[:-2]  # drop the empty line: a header and no body at all
s.ok("A3", "no-body fixture has no empty line", b"\r\n\r\n" not in nobody)
out = run([es, er, nobody, lf(es)], args=DKIM, fmt="eml")
s.eq("A3", "empty body, simple: pass (frcCV1k9...)", out[0], "dkim.0.result", "pass")
s.eq("A3", "empty body, relaxed: pass (47DEQpj8...)", out[1], "dkim.0.result", "pass")
s.eq("A3", "no body at all: pass as the empty body", out[2], "dkim.0.result", "pass")
s.eq("A3", "empty body, LF: pass", out[3], "dkim.0.result", "pass")
out = run([fixture("bare_cr")], args=DKIM, fmt="eml")
s.eq("A3", "bare CR hashed as stored: pass", out[0], "dkim.0.result", "pass")
s.has("A3", "bare CR is flagged in the reason", out[0], "dkim.0.reason", "bare CR")
out = run([plain], args=DKIM, fmt="eml")
s.eq("A3", "no bare CR: no flag", out[0], "dkim.0.reason", None)

# ---------------------------------------------------------------- A4 -----
# RFC 5322 2.1.1: (ptr,len) parsing, raw octets hashed; header fields capped.
out = run([fixture("nul_8bit")], args=DKIM, fmt="eml")
s.eq("A4", "NUL and 8-bit bytes in the body: pass", out[0], "dkim.0.result", "pass")
nul_head = plain.replace(b"To: bob@example.net", b"To: bob\x00@example.net\xff")
out = run([nul_head], args=DKIM, fmt="eml")
s.eq("A4", "NUL in a signed header: hashed as octets, fail not crash", out[0],
     "dkim.0.result", "fail")
s.eq("A4", "NUL in a signed header: reason", out[0], "dkim.0.reason",
     "signature did not verify")

huge = fixture("huge_subject")
# The default cap is 1 MiB (real mail has 100 KB fields); these cases set 64K.
CAP = "--max-header-size=64K"
out = run([huge], args=["--checks=dkim,dmarc", CAP], fmt="eml")
s.eq("A4", "signed 73 KB Subject over the 64 KiB cap: raw bytes still hashed, pass", out[0],
     "dkim.0.result", "pass")
s.eq("A4", "Subject over the cap is read by no check: the message is fully checked", out[0],
     "error", None)
s.eq("A4", "field over the cap: the rest of the header is read", out[0], "message_id",
     "<huge-subject@archive.example>")
bigmid = huge.replace(b"Message-ID: <huge-subject@archive.example>",
                      b"Message-ID: <" + b"m" * 70000 + b"@archive.example>")
out = run([bigmid], args=["--checks=dkim", CAP], fmt="eml")
s.has("A4", "Message-ID over the cap: error says header too large", out[0], "error",
      "header too large: a Message-ID field of 70032 bytes is over the 65536-byte limit "
      "(--max-header-size); its value was not read")
s.eq("A4", "Message-ID over the cap: not read", out[0], "message_id", "")
s.eq("A4", "Message-ID over the cap, changed after signing: raw bytes hashed, fail",
     out[0], "dkim.0.result", "fail")
out = run([bigmid], args=["--checks=dkim", "--max-header-size=80K"], fmt="eml")
s.eq("A4", "--max-header-size=80K: no error", out[0], "error", None)
s.eq("A4", "--max-header-size=80K: Message-ID read", out[0], "message_id",
     "<" + "m" * 70000 + "@archive.example>")

out = run([plain, plain], args=["--checks=dkim,dmarc", "--max-header-size=300"])
s.eq("A4", "DKIM-Signature over --max-header-size: permerror", out[0], "dkim.0.result",
     "permerror")
s.has("A4", "DKIM-Signature over the cap: reason header too large", out[0], "dkim.0.reason",
      "header too large: ")
s.has("A4", "DKIM-Signature over the cap: reason names the limit", out[0], "dkim.0.reason",
      "300-byte limit (--max-header-size)")
s.eq("A4", "DKIM-Signature over the cap: DMARC permerror, not fail", out[0], "dmarc.result",
     "permerror")
s.has("A4", "DKIM-Signature over the cap: DMARC reason", out[0], "dmarc.reason",
      "header too large")
s.has("A4", "DKIM-Signature over the cap: error names the field", out[0], "error",
      "header too large: a DKIM-Signature field of %d bytes" % plain.index(b"From: "))
s.eq("A4", "the next message gets its own verdict (continue)", out[1], "dkim.0.result",
     "permerror")

bigfrom = plain.replace(b"From: Alice <alice@archive.example>",
                        b"From: " + b"x" * 70000 + b" <alice@archive.example>")
out = run([bigfrom], args=["--checks=dkim,dmarc", CAP], fmt="eml")
s.eq("A4", "From over the cap: DMARC permerror", out[0], "dmarc.result", "permerror")
s.has("A4", "From over the cap: DMARC reason", out[0], "dmarc.reason",
      "header too large: the From field")

mega_line = b"X-Long: " + b"y" * (1 << 20) + b"\n" + lf(plain)
mega_body = lf(plain) + b"z" * (1 << 20) + b"\n"
out = run([mega_line, mega_body], args=DKIM, fmt="eml")
s.eq("A4", "megabyte header line no check reads: no error", out[0], "error", None)
s.eq("A4", "megabyte header line (unsigned): signature still passes", out[0],
     "dkim.0.result", "pass")
s.eq("A4", "megabyte body line after the signed body: body hash fail", out[1],
     "dkim.0.result", "fail")

endless = lf(plain).split(b"\n\n")[0] + b"\n" + b"X-Loop: 1\n" * 5000
out = run([endless], args=["--checks=dkim,dmarc"], fmt="eml")
s.eq("A4", "endless header block: permerror", out[0], "dkim.0.result", "permerror")
s.has("A4", "endless header block: reason too many header fields", out[0], "dkim.0.reason",
      "too many header fields: over the 1000-field limit (--max-headers)")
s.eq("A4", "endless header block: error", out[0], "error", out[0]["dkim"][0]["reason"])

# ------------------------------------------------------- limits --------
# --max-message-size: a body hash over a prefix says nothing; permerror with
# the limit as reason, never fail; the messages after it are unaffected.
out = run([plain, fixture("from_only")], args=["--checks=dkim,dmarc,arc",
                                                   "--max-message-size=1000"])
s.eq("limit-size", "message over --max-message-size: DKIM permerror", out[0],
     "dkim.0.result", "permerror")
s.has("limit-size", "reason names the limit", out[0], "dkim.0.reason",
      "message too large: over the 1000-byte limit (--max-message-size)")
s.eq("limit-size", "no crypto was attempted", out[0], "dkim.0.crypto", None)
s.eq("limit-size", "DMARC permerror, not fail", out[0], "dmarc.result", "permerror")
s.has("limit-size", "DMARC reason", out[0], "dmarc.reason", "message too large")
s.eq("limit-size", "ARC none (no ARC fields)", out[0], "arc.result", "none")
s.has("limit-size", "error says so", out[0], "error", "message too large")
s.eq("limit-size", "size is the stored size, not the prefix", out[0], "size", len(plain))
s.eq("limit-size", "next message passes", out[1], "dkim.0.result", "pass")
s.eq("limit-size", "next message has no error", out[1], "error", None)
# the cut falls inside the header, above the DKIM-Signature: no signature was
# seen, but one may be in what was not read, so no DMARC fail either
head, body = lf(plain).split(b"\n\n", 1)
lines = head.split(b"\n")
from_line = [l for l in lines if l.startswith(b"From:")]
rest = [l for l in lines if not l.startswith(b"From:")]
cut_head = b"\n".join(from_line + [b"X-Pad: " + b"p" * 2000] + rest) + b"\n\n" + body
out = run([cut_head], args=["--checks=dkim,dmarc", "--max-message-size=1000"], fmt="eml")
s.eq("limit-size", "cut above the signature: no DKIM result", out[0], "dkim", [])
s.eq("limit-size", "cut above the signature: DMARC permerror, not fail", out[0],
     "dmarc.result", "permerror")
s.has("limit-size", "cut above the signature: DMARC reason", out[0], "dmarc.reason",
      "message too large")
arcm = lf(plain).replace(b"From: Alice", b"ARC-Seal: i=1; a=rsa-sha256; cv=none; d=x; s=y; "
                         b"b=AAAA\nFrom: Alice")
out = run([arcm], args=["--max-message-size=1000"], fmt="eml")
s.eq("limit-size", "ARC fields in an oversized message: ARC permerror", out[0], "arc.result",
     "permerror")
s.has("limit-size", "ARC reason", out[0], "arc.reason", "message too large")

out = run([plain], args=["--checks=dkim,dmarc", "--max-headers=3"], fmt="eml")
s.eq("limit-headers", "--max-headers=3: DKIM permerror", out[0], "dkim.0.result", "permerror")
s.has("limit-headers", "reason", out[0], "dkim.0.reason",
      "too many header fields: over the 3-field limit (--max-headers)")
s.eq("limit-headers", "DMARC permerror, not fail", out[0], "dmarc.result", "permerror")

# ---------------------------------------------------------------- A5 -----
# maildir(5): new/ and cur/ only, dotfiles skipped, name before ':' kept.
md = s.path("md")
for sub, name, m in [("cur", "1700000001.M1P1.host:2,S", plain),
                     ("cur", ".hidden", plain), ("new", "1700000002.M2P1.host", lf(plain)),
                     ("tmp", "1700000003.M3P1.host", plain), ("cur", "1700000000.M0P1.host:2,",
                                                               fixture("from_only"))]:
    s.write(os.path.join("md", sub, name), m)
out = run([0, 1, 2], args=DKIM, fmt="raw", inputs=[md])
srcs = [l["source"] for l in out]
s.ok("A5", "maildir: cur/ (sorted) then new/, no tmp/, no dotfile",
     [os.path.relpath(p, md) for p in srcs] ==
     ["cur/1700000000.M0P1.host:2,", "cur/1700000001.M1P1.host:2,S", "new/1700000002.M2P1.host"],
     repr(srcs))
s.ok("A5", "maildir: every message passes", all(l["dkim"][0]["result"] == "pass" for l in out))
os.symlink(EIO_PATH, os.path.join(md, "cur", "1700000000.M9P1.host:2,"))
for mode in ("sync", "uring"):
    out = run([0, 1, 2, 3], args=DKIM + ["--io=" + mode], fmt="raw", inputs=[md], rc=2)
    bad = [l for l in out if l["error"]]
    s.ok("A5", "maildir file failing with EIO (--io=%s): its own line" % mode,
         len(bad) == 1 and bad[0]["source"].endswith("M9P1.host:2,"), repr(bad))
    s.has("A5", "EIO line says why (--io=%s)" % mode, bad[0] if bad else {}, "error",
          "input/output error")
    s.ok("A5", "the other maildir files still pass (--io=%s)" % mode,
         sum(1 for l in out if l["dkim"] and l["dkim"][0]["result"] == "pass") == 3)

# ---------------------------------------------------------------- A6 -----
# 64-bit offsets: a sparse mbox whose second message starts past 4 GiB; the
# first (4 GiB of NULs) is over the default 64 MiB limit.
big = s.path("big.mbox")
hole = (1 << 32) + 4096
second = SEPARATOR + lf(plain)
try:
    with open(big, "wb") as f:
        f.write(SEPARATOR + b"Subject: hole\n\n")
        f.seek(hole)
        f.write(b"\n" + second + b"\n")
    made = True
except OSError as e:
    made = s.ok("A6", "sparse 4 GiB file could be made", False, str(e))
if made:
    out = run([0, 1], args=DKIM, fmt="raw", inputs=[big], timeout=600)
    if len(out) == 2:
        s.eq("A6", "message past 4 GiB: exact 64-bit offset", out[1], "offset",
             hole + 1 + len(SEPARATOR))
        s.eq("A6", "message past 4 GiB: passes", out[1], "dkim.0.result", "pass")
        s.eq("A6", "4 GiB message: stored size, 64-bit", out[0], "size",
             hole - len(SEPARATOR))
        s.has("A6", "4 GiB message over the default 64 MiB limit", out[0], "error",
              "message too large: over the 67108864-byte limit")
    os.unlink(big)
# a truncated last message (the file ends inside its header) still gets a line
cut = lf(plain)[:300]
path = s.write("a6cut.mbox", SEPARATOR + lf(plain) + b"\n" + SEPARATOR + cut)
out = run([0, 1], args=DKIM, fmt="raw", inputs=[path])
s.ok("A6", "truncated last message: its own line, no DKIM pass",
     out[1]["index"] == 1 and all(d["result"] != "pass" for d in out[1]["dkim"]), repr(out[1]))
s.eq("A6", "the message before it passes", out[0], "dkim.0.result", "pass")

# A file that gets shorter while it is read (a mail client compacting the
# mbox).  The first message's key answers after 4 s (slowzone), so the
# reader stops with its window full (128 messages, ~8 MB at these sizes)
# while the file is cut inside message 300's body; once the key lands the run
# reads on to the new end.  That message is flagged, never failed on its lost
# bytes; the ones before it are whole.  --io=sync: /proc/PID/io counts its
# reads, which tells when the reader is waiting.
pad = b"X-Pad: " + b"p" * 60000 + b"\n"  # unsigned: the signature still holds
unit = SEPARATOR + pad + lf(plain) + b"\n"
shrink = s.write("a6shrink.mbox", unit * 400)
cut_at = 301 * len(unit) - 30  # inside message 300's signed body: would be a fail
argv = [s.bin, "--now=%d" % NOW, "--io=sync", "--checks=dkim",
        "--dns=slowzone:4000:" + s.write("a6shrink.zone", ZONE), shrink]
proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
waited = 0.0
while waited < 60:
    try:
        rchar = int(dict(l.split(": ") for l in open("/proc/%d/io" % proc.pid).read().split("\n")
                         if l)["rchar"])
    except (OSError, KeyError, ValueError):
        rchar = 0
    if rchar > 4 * len(unit) * 64 // 4 or proc.poll() is not None:
        break
    time.sleep(0.05)
    waited += 0.05
os.truncate(shrink, cut_at)
so, se = proc.communicate(timeout=120)
out = [json.loads(l) for l in so.split(b"\n") if l]
s.ok("A6", "file cut while read: exit 0, one line per message up to the new end",
     proc.returncode == 0 and len(out) == 301, "rc %s, %d lines; %s" % (proc.returncode, len(out),
                                                                      se.decode()[-300:]))
if len(out) == 301:
    s.eq("A6", "file cut while read: the message before the cut passes", out[299],
         "dkim.0.result", "pass")
    s.eq("A6", "file cut while read: the cut message is no DKIM fail", out[300],
         "dkim.0.result", "permerror")
    s.has("A6", "file cut while read: the line says the file got shorter", out[300], "error",
          "got shorter while it was read")
    s.ok("A6", "file cut while read: no other line has an error",
         all(l["error"] is None for l in out[:300]))
os.unlink(shrink)

# Compressed archives (RFC 1952), told by their first bytes: a .gz mbox
# gives the plain mbox's lines; so does a multi-member file (cat a.gz b.gz,
# split inside a message); a .gz cut inside its data flags the message the
# cut reaches (permerror, never a fail on lost bytes) and adds one line
# saying why (exit 2); a maildir file stored compressed decodes.
gz_msgs = [plain, fixture("from_lines"), fixture("bare_cr")] * 10
gz_plain = open(s.mbox(gz_msgs), "rb").read()
want = run([0] * 30, args=DKIM, fmt="raw", inputs=[s.write("a6gz.mbox", gz_plain)])


def no_source(lines):
    return [dict(l, source=None) for l in lines]


packed = gzip.compress(gz_plain)
out = run([0] * 30, args=DKIM, fmt="raw", inputs=[s.write("a6.mbox.gz", packed)])
s.ok("A6", "gzip mbox: the same lines as the plain mbox", no_source(out) == no_source(want))
half = gz_plain.index(b"\n\n", len(gz_plain) // 2)  # inside message 15's body
two = gzip.compress(gz_plain[:half]) + gzip.compress(gz_plain[half:], 1) + b"\0" * 512
out = run([0] * 30, args=DKIM, fmt="raw", inputs=[s.write("a6multi.gz", two)])
s.ok("A6", "two gzip members split in a message, zero padding: the same lines",
     no_source(out) == no_source(want))
# a cut whose decodable bytes end inside a body, not inside a From_ line
for cut_at in range(len(packed) * 2 // 3, len(packed)):
    got = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(packed[:cut_at])
    tail = got[got.rfind(SEPARATOR):]
    if got.rfind(SEPARATOR) > 0 and len(tail) > len(SEPARATOR) + 600:
        break
nmsg = got.count(SEPARATOR)
out = run([0] * (nmsg + 1), args=DKIM, fmt="raw", rc=2,
          inputs=[s.write("a6cut.gz", packed[:cut_at])])
if len(out) == nmsg + 1:
    s.ok("A6", "gzip cut short: the messages before the cut as in the plain mbox",
         no_source(out[:nmsg - 1]) == no_source(want[:nmsg - 1]))
    s.eq("A6", "gzip cut short: the cut message is no DKIM fail", out[nmsg - 1],
         "dkim.0.result", "permerror")
    s.has("A6", "gzip cut short: its line says why", out[nmsg - 1], "error",
          "the gzip file is cut short")
    s.has("A6", "gzip cut short: one more line for the file", out[nmsg], "error",
          "the gzip file is cut short")
    s.eq("A6", "gzip cut short: that line has no verdicts", out[nmsg], "dkim", [])
# a decompression bomb: 20 MB of zeros in ~20 KB of gzip.  Past
# --max-message-size of output, decoding stops at --max-gzip-ratio (100).
bomb = gzip.compress(SEPARATOR + b"Subject: zeros\n\n" + b"\0" * (20 << 20), 9)
out = run([0, 1], args=DKIM + ["--max-message-size=1M"], fmt="raw", rc=2,
          inputs=[s.write("a6bomb.gz", bomb)])
if len(out) == 2:
    s.has("A6", "gzip bomb: the message says decoding stopped", out[0], "error",
          "--max-gzip-ratio")
    s.ok("A6", "gzip bomb: stopped far short of its 20 MB", out[0]["size"] < (8 << 20),
         str(out[0]["size"]))
    s.has("A6", "gzip bomb: one more line for the file", out[1], "error",
          "decompression bomb")
md = s.path("a6md")
for sub in ("cur", "new"):
    os.makedirs(os.path.join(md, sub), exist_ok=True)
with open(os.path.join(md, "cur", "1700000000.M1P1.host:2,S"), "wb") as f:
    f.write(gzip.compress(plain))
out = run([0], args=DKIM, fmt="raw", inputs=[md])
s.eq("A6", "maildir file stored gzip-compressed: decoded, passes", out[0], "dkim.0.result",
     "pass")

# ---------------------------------------------------------------- H4 -----
# RFC 8259 7, 8.1: every control character escaped, invalid UTF-8 escaped,
# one record per line whatever the header holds.
inj = lf(plain).replace(b"Message-ID: <plain@archive.example>",
                        b"Message-ID: <x@y>\n {\"dkim\":\"pass\"}\x00\x1b\x7f\xff\xc3\xa9\xed\xa0\x80")
out = run([inj], args=DKIM, fmt="eml")
s.eq("H4", "header with newline, JSON, NUL, ESC, invalid UTF-8: one line, exact value",
     out[0], "message_id", "<x@y>\n {\"dkim\":\"pass\"}\x00\x1b\x7f\xff\u00e9\xed\xa0\x80")
s.ok("H4", "injected text does not become a record", len(out) == 1)
frm = lf(plain).replace(b"From: Alice <alice@archive.example>",
                        b"From: \"\xff\x00\" <alice@archive.example\"\n>")
out = run([frm], args=DKIM, fmt="eml")
s.ok("H4", "hostile From: one line, valid JSON", len(out) == 1)


# ---------------------------------------------------------------- H5 -----
def raw(args, env=None, preexec=None, stdout=subprocess.PIPE):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([s.bin, "--now=%d" % NOW, "--dns=zone:" + os.path.join(DATA, "archive.zone")]
                       + args, stdout=stdout, stderr=subprocess.PIPE, env=e,
                       preexec_fn=preexec, timeout=120)
    return p.returncode, p.stdout or b"", p.stderr.decode(errors="replace")


mbox = s.mbox([plain, fixture("from_lines"), fixture("bare_cr")] * 20)
rc0, want, _ = raw(["--io=sync", mbox])
for errno_name in ("EPERM", "ENOSYS"):
    rc, got, err = raw([mbox], env={"AS_IO_URING_FAIL": errno_name})
    s.ok("H5", "io_uring refused (%s): exit 0, same bytes as --io=sync" % errno_name,
         rc == 0 and rc0 == 0 and got == want and len(want.splitlines()) == 60)
    s.ok("H5", "io_uring refused (%s): one notice, pread fallback" % errno_name,
         err.count("io_uring unavailable") == 1 and "reading with pread" in err, err)
rc, got, err = raw(["-o", "/dev/full", mbox])
s.ok("H5", "output to /dev/full: exit 3, a clear error, nothing claimed",
     rc == 3 and "writing output" in err and "0 lines out" in err, "rc=%d %s" % (rc, err))
# a run with unreadable input among readable ones: exit 2, the rest processed
eml = s.write("ok.eml", plain)
out = run([0] * 62, args=[], fmt="raw", inputs=[mbox, EIO_PATH, eml], rc=2)
s.eq("H5", "EIO input among readable ones: its own line", out[60], "source", EIO_PATH)
s.has("H5", "EIO input: error says why", out[60], "error", "input/output error")
s.eq("H5", "EIO input: no verdicts", out[60], "dkim", [])
s.eq("H5", "input after the EIO one is processed", out[61], "dkim.0.result", "pass")
s.has("H5", "stderr counts in and out", {"e": s.stderr.strip().splitlines()[-1]}, "e",
      "62 messages in, 62 lines out")


# ENOSPC/EFBIG mid-run: the exit code must say so, and the file keeps whole
# lines only (engine/pipeline.c cuts it back to its last newline).
def fsize_limit():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (5000, 5000))


outp = s.path("efbig.jsonl")
rc, _, err = raw(["-o", outp, mbox], preexec=fsize_limit)
s.ok("H5", "output file full mid-run (EFBIG): exit 3, a clear error",
     rc == 3 and "writing output" in err, "rc=%d %s" % (rc, err))
written = open(outp, "rb").read()
s.ok("H5", "output full mid-run: some lines written, no partial line",
     0 < len(written) <= 5000 and written.endswith(b"\n"),
     "%d bytes, ends %r" % (len(written), written[-20:]))
whole = True
for raw_line in written.split(b"\n")[:-1]:
    try:
        json.loads(raw_line)
    except ValueError:
        whole = False
s.ok("H5", "output full mid-run: every line kept is a whole JSON record", whole)

sys.exit(s.finish())
