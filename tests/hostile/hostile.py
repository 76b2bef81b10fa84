"""Shared harness for the bad-input catalogue tests.

tests/conformance/bad-input/CATALOGUE.md lists hostile inputs and the verdict a
robust verifier gives.  Each entry becomes at least one case here: the real
binary runs on real files (an mbox, .eml files or a maildir) with a zone file,
and the case asserts the verdict and the reason on the message's line.

Every run also checks "nothing lost": one line per message, each line valid
JSON, exit code as expected.  Stdlib only.

    from hostile import Suite
    s = Suite("C4")            # parses --bin, makes a temp dir
    lines = s.run([msg_bytes], zone=ZONE, args=["--checks=dkim"])
    s.eq("C4", "l= larger than the body is permerror", lines[0], "dkim.0.result", "permerror")
    s.has("C4", "... reason", lines[0], "dkim.0.reason", "l=")
    sys.exit(s.finish())
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

# The clock every case runs at unless it passes its own --now.
NOW = 1700086400

SEPARATOR = b"From hostile@example.invalid Thu Jan  1 00:00:00 1970\n"


def mbox_quote(msg):
    """mboxrd quoting of one message body: '>' before every ^>*From line."""
    out = []
    for line in msg.split(b"\n"):
        if line.lstrip(b">").startswith(b"From "):
            line = b">" + line
        out.append(line)
    return b"\n".join(out)


def dig(obj, path):
    """obj at a dotted path ("dkim.0.reason"); KeyError/IndexError if absent."""
    for part in path.split("."):
        obj = obj[int(part)] if isinstance(obj, list) else obj[part]
    return obj


class Suite:
    def __init__(self, description=""):
        ap = argparse.ArgumentParser(description=description)
        ap.add_argument("--bin", required=True, help="the authsweep binary")
        ap.add_argument("--keep", action="store_true", help="keep the temp dir")
        self.opts = ap.parse_args()
        self.bin = self.opts.bin
        self.tmp = tempfile.mkdtemp(prefix="hostile-")
        self.passed = 0
        self.failed = 0
        self.ids = set()
        self.n = 0

    # ---- running ---------------------------------------------------------

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, data):
        p = self.path(name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return p

    def mbox(self, messages, quote=True):
        """An mbox file of the messages (mboxrd-quoted unless quote=False)."""
        self.n += 1
        body = b"".join(SEPARATOR + (mbox_quote(m) if quote else m) +
                        (b"" if m.endswith(b"\n") else b"\n") + b"\n"
                        for m in messages)
        return self.write("in%d.mbox" % self.n, body)

    def run(self, messages, zone="", args=(), fmt="mbox", rc=0, inputs=None,
            expect_lines=None, stdin=None, timeout=120):
        """Run authsweep on the messages; returns the parsed lines.

        fmt: "mbox" (one file), "eml" (one file per message, in order) or
        "raw" (inputs= gives the paths; expect_lines= how many lines).  The
        zone is written to a file and passed as --dns=zone:FILE unless args
        already has a --dns.  Asserts the exit code, that every line is
        JSON and that lines == messages.
        """
        self.n += 1
        argv = [self.bin, "--now=%d" % NOW]
        if not any(a.startswith("--dns") and not a.startswith("--dns-") for a in args):
            argv.append("--dns=zone:" + self.write("z%d.zone" % self.n, zone))
        argv += list(args)
        if fmt == "mbox":
            paths = [self.mbox(messages)]
        elif fmt == "eml":
            paths = [self.write("e%d/%04d.eml" % (self.n, i), m) for i, m in enumerate(messages)]
        else:
            paths = list(inputs or [])
        want = len(messages) if expect_lines is None else expect_lines
        p = subprocess.run(argv + paths, capture_output=True, timeout=timeout, input=stdin)
        self.stderr = p.stderr.decode(errors="replace")
        out = []
        bad = None
        for raw in p.stdout.split(b"\n")[:-1]:
            try:
                out.append(json.loads(raw))
            except ValueError as e:
                bad = "%r: %s" % (raw[:200], e)
        tag = "run %d" % self.n
        self.ok(None, tag + ": exit code %d" % rc, p.returncode == rc,
                "got %d; stderr: %s" % (p.returncode, self.stderr[-500:]))
        self.ok(None, tag + ": every line is JSON", bad is None, bad or "")
        self.ok(None, tag + ": %d lines for %d messages" % (len(out), want),
                len(out) == want and p.stdout.count(b"\n") == want,
                "got %d lines" % len(out))
        return out

    # ---- asserting -------------------------------------------------------

    def ok(self, cid, name, cond, detail=""):
        if cid:
            self.ids.add(cid)
            name = "%s %s" % (cid, name)
        if cond:
            self.passed += 1
            print("ok   " + name)
        else:
            self.failed += 1
            print("FAIL %s %s" % (name, detail))
        return cond

    def get(self, line, path):
        try:
            return dig(line, path)
        except (KeyError, IndexError, TypeError, ValueError):
            return "<absent: %s>" % path

    def eq(self, cid, name, line, path, want):
        got = self.get(line, path)
        return self.ok(cid, name, got == want, "%s = %r, want %r" % (path, got, want))

    def has(self, cid, name, line, path, words):
        """The string at path contains words (case-insensitive)."""
        got = self.get(line, path)
        cond = isinstance(got, str) and words.lower() in got.lower()
        return self.ok(cid, name, cond, "%s = %r, want it to contain %r" % (path, got, words))

    def finish(self):
        print("catalogue entries covered: " + " ".join(sorted(self.ids)))
        print("%d passed, %d failed, 0 skipped" % (self.passed, self.failed))
        if self.failed == 0 and not self.opts.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            print("files kept in " + self.tmp)
        return 1 if self.failed else 0
