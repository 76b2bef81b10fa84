#!/usr/bin/env python3
"""Integration tests of authsweep's inputs and output contract.

Subcommands (each one ctest entry):
  formats    the peer-signed corpus read as (a) mbox, (b) maildir, (c) one .eml
             file per message, (d) mbox on stdin ('-') gives the same verdicts
             (result, reason, crypto) per message, one JSON line per message,
             keys in the documented order.
  exit-code  a path that does not exist among valid ones: exit code 2, the
             other inputs still produce their lines, the bad path gets a line
             with a non-null "error".
  jobs       -j1 and -j2 give byte-identical output.

Data: tests/conformance/peer-signed (copied there unchanged).  Stdlib only.
Ends with "N passed, M failed, K skipped"; exits 1 on any failure.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

LINE_KEYS = ["v", "source", "index", "offset", "size", "message_id",
             "from_domain", "dkim", "spf", "dmarc", "arc", "auth_results", "recorded",
             "error"]
SIG_KEYS = ["d", "s", "i", "a", "c", "b", "key_bits", "result", "crypto", "reason"]
MAILDIR_INDEX = re.compile(r"\.M(\d{6})P")


class Ctx:
    def __init__(self, binary, data):
        self.binary = binary
        self.base = os.path.join(data, "peer-signed")
        with open(os.path.join(self.base, "meta.json")) as f:
            self.now = json.load(f)["now"]
        self.zone = os.path.join(self.base, "keys.zone")
        self.mbox = os.path.join(self.base, "corpus.mbox")
        self.maildir = os.path.join(self.base, "maildir")
        self.expected = []
        with open(os.path.join(self.base, "expected.jsonl")) as f:
            for raw in f:
                if raw.strip():
                    self.expected.append(json.loads(raw))
        self.passed = 0
        self.failed = 0

    def ok(self, name):
        self.passed += 1
        print("ok   %s" % name)

    def bad(self, name, msg):
        self.failed += 1
        print("FAIL %s: %s" % (name, msg))

    def check(self, name, problems):
        if problems:
            shown = problems[:20]
            more = "" if len(problems) <= 20 else "\n  ... %d more" % (len(problems) - 20)
            self.bad(name, "\n  " + "\n  ".join(shown) + more)
        else:
            self.ok(name)

    def run(self, paths, extra=(), stdin=None):
        # every checker on: the DKIM verdicts must not change with the others present
        cmd = [self.binary, "--dns=zone:" + self.zone,
               "--now=%d" % self.now] + list(extra) + list(paths)
        p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=600)
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")

    def maildir_files(self):
        """{message index: path} from the maildir file names."""
        out = {}
        for sub in ("cur", "new"):
            d = os.path.join(self.maildir, sub)
            if not os.path.isdir(d):
                continue
            for name in os.listdir(d):
                m = MAILDIR_INDEX.search(name)
                if m:
                    out[int(m.group(1))] = os.path.join(d, name)
        return out


def parse_lines(stdout, problems, what):
    """JSON lines, each parsed keeping key order; records format problems."""
    out = []
    text = stdout.split(b"\n")
    if text and text[-1] == b"":
        text.pop()
    else:
        problems.append("%s: output does not end with a newline" % what)
    for n, raw in enumerate(text):
        try:
            pairs = json.loads(raw, object_pairs_hook=lambda kv: kv)
        except ValueError as e:
            problems.append("%s line %d: not JSON (%s): %r" % (what, n, e, raw[:120]))
            continue
        keys = [k for k, _ in pairs]
        if keys != LINE_KEYS:
            problems.append("%s line %d: keys %s, expected %s" % (what, n, keys, LINE_KEYS))
        obj = json.loads(raw)
        for j, sig in enumerate(dict(pairs).get("dkim") or []):
            skeys = [k for k, _ in sig]
            if skeys != SIG_KEYS:
                problems.append("%s line %d sig %d: keys %s, expected %s"
                                % (what, n, j, skeys, SIG_KEYS))
                break
        out.append(obj)
    return out


# The note an mbox reading adds to a body-hash fail on an un-quoted message
# (catalogue A1): about the archive, not the message, so formats may differ in it.
MBOX_NOTE = re.compile(r"; mbox >From un-quoting may explain it \(mbox_from_quoting\)$")


def verdicts(line):
    """Everything a format must not change: DKIM per signature, SPF, DMARC, ARC."""
    dkim = [(s.get("result"), MBOX_NOTE.sub("", s.get("reason") or "") or None, s.get("crypto"))
            for s in line.get("dkim") or []]
    return dkim, [json.dumps(line.get(k), sort_keys=True) for k in ("spf", "dmarc", "arc")]


# ---------------------------------------------------------------------------


def test_formats(c):
    n = len(c.expected)
    files = c.maildir_files()
    tmp = tempfile.mkdtemp(prefix="authsweep-int-")
    try:
        # (c) every message as its own .eml, written from the maildir files
        emls = []
        for i in range(n):
            if i not in files:
                c.bad("formats/setup", "maildir has no file for message %d" % i)
                return
            dst = os.path.join(tmp, "msg-%06d.eml" % i)
            shutil.copyfile(files[i], dst)
            emls.append(dst)
        with open(c.mbox, "rb") as f:
            mbox_bytes = f.read()
        by_mid = {e["message_id"]: e["index"] for e in c.expected}
        if len(by_mid) != n:
            c.bad("formats/setup", "Message-IDs of the corpus are not unique")
            return

        runs = {
            "mbox": dict(paths=[c.mbox], extra=["--mbox=rd"]),
            "maildir": dict(paths=[c.maildir]),
            "eml": dict(paths=emls),
            "stdin": dict(paths=["-"], extra=["--mbox=rd"], stdin=mbox_bytes),
        }
        results = {}
        for name, spec in runs.items():
            problems = []
            rc, out, err = c.run(spec["paths"], spec.get("extra", ()), spec.get("stdin"))
            if rc != 0:
                problems.append("exit code %d, expected 0; stderr: %s" % (rc, err.strip()[-1000:]))
            lines = parse_lines(out, problems, name)
            if len(lines) != n:
                problems.append("%d lines for %d messages" % (len(lines), n))
            by_index = {}
            for pos, line in enumerate(lines):
                if name in ("mbox", "stdin"):
                    idx = line.get("index")
                    if idx != pos:
                        problems.append("line %d has index %r (input order)" % (pos, idx))
                    if name == "stdin" and line.get("source") != "-":
                        problems.append("line %d: source %r, expected '-'"
                                        % (pos, line.get("source")))
                elif name == "maildir" and os.path.abspath(line.get("source") or "") \
                        == os.path.abspath(c.maildir):
                    # the line names the maildir itself: index is the ordinal within
                    # it, and the message is known by its (unique) Message-ID
                    if line.get("index") != pos:
                        problems.append("line %d has index %r (ordinal in the maildir)"
                                        % (pos, line.get("index")))
                    idx = by_mid.get(line.get("message_id"))
                    if idx is None:
                        problems.append("line %d: message_id %r is not in the corpus"
                                        % (pos, line.get("message_id")))
                        continue
                else:
                    m = MAILDIR_INDEX.search(line.get("source") or "") or \
                        re.search(r"msg-(\d{6})\.eml$", line.get("source") or "")
                    if not m:
                        problems.append("line %d: cannot tell the message from source %r"
                                        % (pos, line.get("source")))
                        continue
                    idx = int(m.group(1))
                    if name == "eml" and idx != pos:
                        problems.append("line %d is for file %d (input order)" % (pos, idx))
                    if line.get("index") != 0:
                        problems.append("line %d (%s): index %r, expected 0 in a one-message "
                                        "file" % (pos, name, line.get("index")))
                if idx in by_index:
                    problems.append("message %r has two lines" % idx)
                by_index[idx] = line
                if line.get("error") is not None:
                    problems.append("message %r: error %r" % (idx, line.get("error")))
            missing = [i for i in range(n) if i not in by_index]
            if missing:
                problems.append("no line for messages %s" % missing[:20])
            for e in c.expected:
                line = by_index.get(e["index"])
                if line is not None and line.get("message_id") != e["message_id"]:
                    problems.append("message %d: message_id %r, expected %r"
                                    % (e["index"], line.get("message_id"), e["message_id"]))
            if name == "mbox":
                problems += mbox_offsets(lines, len(mbox_bytes))
            c.check("formats/%s: one valid line per message" % name, problems)
            results[name] = by_index

        # verdicts identical across the four readings, message by message
        problems = []
        ref = results["mbox"]
        for name in ("maildir", "eml", "stdin"):
            other = results[name]
            for i in range(n):
                a, b = ref.get(i), other.get(i)
                if a is None or b is None:
                    continue
                if a.get("message_id") != b.get("message_id"):
                    problems.append("message %d: message_id %r (mbox) vs %r (%s)"
                                    % (i, a.get("message_id"), b.get("message_id"), name))
                if verdicts(a) != verdicts(b):
                    problems.append("message %d: mbox %s vs %s %s"
                                    % (i, verdicts(a), name, verdicts(b)))
        c.check("formats: same verdicts (result, reason, crypto) for mbox, maildir, eml, stdin",
                problems)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def mbox_offsets(lines, total):
    """offset/size of mbox messages: increasing, inside the file, not overlapping."""
    problems = []
    end = 0
    for pos, line in enumerate(lines):
        off, size = line.get("offset"), line.get("size")
        if not isinstance(off, int) or not isinstance(size, int):
            problems.append("line %d: offset/size %r/%r not integers" % (pos, off, size))
            continue
        if off < end or off + size > total:
            problems.append("line %d: offset %d size %d (previous end %d, file %d bytes)"
                            % (pos, off, size, end, total))
        end = off + size
    return problems


def test_exit_code(c):
    files = c.maildir_files()
    tmp = tempfile.mkdtemp(prefix="authsweep-int-")
    try:
        good1 = os.path.join(tmp, "first.eml")
        good2 = os.path.join(tmp, "second.eml")
        shutil.copyfile(files[0], good1)
        shutil.copyfile(files[1], good2)
        missing = os.path.join(tmp, "does-not-exist.eml")
        paths = [good1, missing, c.mbox, good2]
        rc, out, err = c.run(paths, ["--mbox=rd"])
        problems = []
        if rc != 2:
            problems.append("exit code %d, expected 2" % rc)
        lines = parse_lines(out, problems, "exit-code")
        want = 1 + 1 + len(c.expected) + 1
        if len(lines) != want:
            problems.append("%d lines, expected %d (one per message, one for the bad path)"
                            % (len(lines), want))
        bad = [l for l in lines if os.path.basename(l.get("source") or "") == "does-not-exist.eml"]
        if len(bad) != 1:
            problems.append("%d lines for the missing path, expected 1" % len(bad))
        elif bad[0].get("error") is None:
            problems.append("the missing path's line has error=null")
        if lines:
            if os.path.basename(lines[0].get("source") or "") != "first.eml":
                problems.append("first line is for %r, expected first.eml" % lines[0].get("source"))
            if os.path.basename(lines[-1].get("source") or "") != "second.eml":
                problems.append("last line is for %r, expected second.eml"
                                % lines[-1].get("source"))
            if len(lines) > 1 and lines[1] not in bad:
                problems.append("second line is for %r, expected the missing path (input order)"
                                % lines[1].get("source"))
        others = [l for l in lines if l not in bad]
        errs = [l.get("source") for l in others if l.get("error") is not None]
        if errs:
            problems.append("valid inputs with an error: %s" % errs[:5])
        for l in others:
            if not isinstance(l.get("dkim"), list) or not l["dkim"]:
                problems.append("line for %r (index %r) has no dkim verdicts"
                                % (l.get("source"), l.get("index")))
                break
        c.check("exit-code: missing path -> exit 2, its own error line, others processed",
                problems)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_jobs(c):
    outs = {}
    problems = []
    for j in ("1", "2"):
        rc, out, err = c.run([c.mbox], ["--mbox=rd", "-j" + j])
        if rc != 0:
            problems.append("-j%s: exit code %d; stderr: %s" % (j, rc, err.strip()[-500:]))
        outs[j] = out
    if not outs["1"]:
        problems.append("-j1 printed nothing")
    if outs["1"] != outs["2"]:
        a, b = outs["1"].split(b"\n"), outs["2"].split(b"\n")
        diff = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        problems.append("-j1 and -j2 differ (%d vs %d bytes); first differing line %d:\n"
                        "    -j1: %r\n    -j2: %r"
                        % (len(outs["1"]), len(outs["2"]), diff,
                           a[diff][:300] if diff < len(a) else None,
                           b[diff][:300] if diff < len(b) else None))
    c.check("jobs: -j1 and -j2 output byte-identical", problems)


TESTS = {"formats": test_formats, "exit-code": test_exit_code, "jobs": test_jobs}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("test", choices=sorted(TESTS) + ["all"])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--data", required=True, help="tests/conformance directory")
    args = ap.parse_args(argv)
    c = Ctx(os.path.abspath(args.bin), os.path.abspath(args.data))
    names = sorted(TESTS) if args.test == "all" else [args.test]
    for name in names:
        try:
            TESTS[name](c)
        except subprocess.TimeoutExpired as e:
            c.bad(name, "authsweep timed out: %s" % e)
    print("%d passed, %d failed, 0 skipped" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
