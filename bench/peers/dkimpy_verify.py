#!/usr/bin/python3
"""bench/peers/dkimpy_verify.py - dkimpy verifies a whole mboxrd corpus in one
process, keys from a zone file (no network).

  /usr/bin/python3 bench/peers/dkimpy_verify.py keys.zone corpus.mbox

Prints one line per message: "INDEX<TAB>v1 v2 ..." with one class per
DKIM-Signature, top first: pass, fail, permerror ("-" for an unsigned message).
dkimpy's verify() returns False for both a failed check and a missing key; the
key lookup we serve tells the two apart (no key is permerror, RFC 6376 6.1.2).
"""
import re
import sys

import dkim

RECS = {}
MISSED = []


def load_zone(path):
    for line in open(path):
        m = re.match(r'^(\S+)\.\s+(?:\d+\s+)?(?:IN\s+)?TXT\s+(.*)$', line)
        if m:
            RECS[m.group(1).lower()] = "".join(
                re.findall(r'"([^"]*)"', m.group(2))).encode()


def dnsfunc(name, timeout=5):
    n = (name.decode() if isinstance(name, bytes) else name).rstrip(".").lower()
    v = RECS.get(n)
    if v is None:
        MISSED.append(n)
    return v


def verdicts(crlf):
    """classes of every signature of one CRLF message, top first."""
    try:
        d = dkim.DKIM(crlf)
        n = sum(1 for h in d.headers if h[0].lower() == b"dkim-signature")
    except Exception:  # noqa: BLE001 - dkimpy refused the message as a whole
        return ["permerror"]
    out = []
    for idx in range(n):
        del MISSED[:]
        try:
            ok = dkim.DKIM(crlf).verify(idx=idx, dnsfunc=dnsfunc)
            out.append("pass" if ok else ("permerror" if MISSED else "fail"))
        except dkim.ValidationError as e:
            out.append("fail" if "body hash mismatch" in str(e) else "permerror")
        except Exception:  # noqa: BLE001 - key or syntax trouble
            out.append("permerror")
    return out


def messages(path):
    """mboxrd: cut at ^From , drop the separator and the writer's last LF,
    remove one '>' from ^>+From lines."""
    data = open(path, "rb").read()
    parts = re.split(rb"(?m)^From [^\n]*\n", data)
    for p in parts[1:]:
        if p.endswith(b"\n"):
            p = p[:-1]
        yield re.sub(rb"(?m)^>(>*From )", rb"\1", p)


def main():
    load_zone(sys.argv[1])
    out = sys.stdout
    for i, m in enumerate(messages(sys.argv[2])):
        crlf = re.sub(rb"\r?\n", b"\r\n", m)
        v = verdicts(crlf)
        out.write("%d\t%s\n" % (i, " ".join(v) if v else "-"))


if __name__ == "__main__":
    main()
