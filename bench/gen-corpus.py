#!/usr/bin/python3
"""bench/gen-corpus.py - deterministic DKIM benchmark corpus, signed by dkimpy.

  /usr/bin/python3 bench/gen-corpus.py [--seed 1] [--count 5000] --out DIR [-j N]

Writes into DIR:
  corpus.mbox      mboxrd, LF line endings, one message after another
  maildir/cur/     the same messages, one file each (<index>.bench:2,S)
  keys.zone        TXT key records (master-file syntax, strings of <= 255 bytes)
  keys/            private keys (PEM for RSA, base64 seed for Ed25519); reused
                   if present, so a corpus can be regenerated with the same keys
  expected.jsonl   per message: index, bytes (CRLF), intent, and per signature
                   the intended class and dkimpy's own verdict
  meta.json        parameters, key mix, size and signature counts

What is deterministic: every message's headers, body and the signing choices
(key, canonicalization, l=, tampering) are a function of (--seed, index) only.
RSA keys come from `openssl genpkey` once and are cached in DIR/keys; Ed25519
keys are derived from the seed.  RSA PKCS#1 v1.5 and Ed25519 signatures are
themselves deterministic, so with the same keys/ the corpus is byte-identical.
t= is fixed (T_SIGN) and there is no x=, so it verifies at any clock.

Mix per message: 70% RSA-2048, 7% RSA-1024, 4% RSA-4096, 8% Ed25519,
8% dual (Ed25519 + RSA-2048, the RFC 8463 practice), 3% unsigned; 6% of
signatures carry l=; c= relaxed/relaxed 60%, relaxed/simple 20%,
simple/simple 10%, simple/relaxed 10%; 2% body tampered after signing,
2% Subject tampered, 1% signed with a selector absent from the zone.
Sizes: text body lognormal (median ~8 KB); 2% carry a base64 attachment,
lognormal median 100 KB, capped at 3 MB (mean ~15 KB per message, so
20,000 messages stay near 300 MB).
"""
import argparse
import base64
import hashlib
import json
import math
import multiprocessing
import os
import random
import re
import subprocess
import sys

import dkim
import nacl.encoding
import nacl.signing

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
import dkimpy_verify  # noqa: E402 - the dkimpy peer's own verdict logic

T_SIGN = 1700000000  # fixed t=; no x=

# (kind, bits, how many domains)
KEYSETS = [("rsa", 2048, 40), ("rsa", 1024, 6), ("rsa", 4096, 4),
           ("ed25519", 256, 10)]

WORDS = ("the of and to in is you that it he was for on are as with his they at be "
         "this have from or one had by word but not what all were we when your can "
         "said there use an each which she do how their if will up other about out "
         "many then them these so some her would make like him into time has look two "
         "more write go see number no way could people my than first water been call "
         "who oil its now find long down day did get come made may part invoice "
         "meeting report quarterly shipment tracking newsletter unsubscribe account "
         "password security update schedule release notes archive budget").split()

HEADERS = [b"from", b"to", b"subject", b"date", b"message-id", b"mime-version",
           b"content-type"]


def key_name(kind, bits, k):
    return "%s%d-%d" % (kind, bits, k)


def domain_of(kind, bits, k):
    return "%s.%s%d.bench.example" % ("d%d" % k, kind, bits)


def selector_of(kind, bits):
    return "s%s%d" % (kind, bits)


def make_keys(out, seed):
    """{(kind,bits,k): (selector, domain, privkey bytes, TXT data)}"""
    kdir = os.path.join(out, "keys")
    os.makedirs(kdir, exist_ok=True)
    keys = {}
    for kind, bits, n in KEYSETS:
        for k in range(n):
            name = key_name(kind, bits, k)
            sel, dom = selector_of(kind, bits), domain_of(kind, bits, k)
            if kind == "rsa":
                pem = os.path.join(kdir, name + ".pem")
                if not os.path.exists(pem):
                    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA",
                                    "-pkeyopt", "rsa_keygen_bits:%d" % bits,
                                    "-out", pem], check=True,
                                   stderr=subprocess.DEVNULL)
                priv = open(pem, "rb").read()
                der = subprocess.run(["openssl", "pkey", "-in", pem, "-pubout",
                                      "-outform", "DER"], check=True,
                                     capture_output=True).stdout
                txt = "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()
            else:
                seedb = hashlib.sha256(b"bench-ed25519 %d %d" % (seed, k)).digest()
                sk = nacl.signing.SigningKey(seedb)
                priv = base64.b64encode(seedb)
                with open(os.path.join(kdir, name + ".seed"), "wb") as f:
                    f.write(priv + b"\n")
                pub = sk.verify_key.encode(encoder=nacl.encoding.Base64Encoder)
                txt = "v=DKIM1; k=ed25519; p=" + pub.decode()
            keys[(kind, bits, k)] = (sel, dom, priv, txt)
    return keys


def write_zone(path, keys):
    with open(path, "w") as f:
        f.write("; bench corpus keys (bench/gen-corpus.py)\n$TTL 3600\n")
        for (kind, bits, k), (sel, dom, _priv, txt) in sorted(keys.items()):
            parts = [txt[i:i + 255] for i in range(0, len(txt), 255)]
            f.write("%s._domainkey.%s. IN TXT %s\n"
                    % (sel, dom, " ".join('"%s"' % p for p in parts)))


def zone_txt(path):
    """name (no trailing dot, lower case) -> TXT data, from our own zone."""
    recs = {}
    for line in open(path):
        m = re.match(r'^(\S+)\.\s+IN\s+TXT\s+(.*)$', line)
        if m:
            recs[m.group(1).lower()] = "".join(re.findall(r'"([^"]*)"', m.group(2)))
    return recs


def lognormal(rng, median, sigma):
    return median * math.exp(rng.gauss(0.0, sigma))


def text_body(rng, nbytes):
    lines, size = [], 0
    while size < nbytes:
        r = rng.random()
        if r < 0.01:
            line = "From the desk of %s" % rng.choice(WORDS)   # mboxrd quoting
        elif r < 0.08:
            line = ""
        else:
            line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14)))
            if r < 0.12:
                line += "   "  # trailing whitespace: relaxed differs from simple
        lines.append(line)
        size += len(line) + 2
    return lines


def build_message(rng, i, want_attach):
    frm = "user%d@%s" % (rng.randint(0, 999), "placeholder")
    text = text_body(rng, int(min(lognormal(rng, 7000, 0.6), 120000)))
    hdr = [
        "From: Sender %d <%s>" % (i, frm),
        "To: recipient%d@rcpt.example" % rng.randint(0, 99),
        "Subject: %s %s #%d" % (rng.choice(WORDS).capitalize(),
                                 " ".join(rng.choice(WORDS) for _ in range(5)), i),
        "Date: Tue, 14 Nov 2023 %02d:%02d:%02d +0000" % (rng.randint(0, 23),
                                                         rng.randint(0, 59),
                                                         rng.randint(0, 59)),
        "Message-ID: <bench.%d.%d@bench.example>" % (i, rng.randint(0, 10**9)),
        "MIME-Version: 1.0",
    ]
    if not want_attach:
        hdr.append("Content-Type: text/plain; charset=us-ascii")
        return hdr, text
    size = int(min(lognormal(rng, 100000, 1.2), 3000000))
    blob = base64.b64encode(rng.randbytes(size)).decode()
    hdr.append('Content-Type: multipart/mixed; boundary="b%d"' % i)
    body = ["--b%d" % i, "Content-Type: text/plain; charset=us-ascii", ""] + text
    body += ["--b%d" % i, "Content-Type: application/octet-stream",
             "Content-Transfer-Encoding: base64",
             'Content-Disposition: attachment; filename="file%d.bin"' % i, ""]
    body += [blob[j:j + 76] for j in range(0, len(blob), 76)]
    body += ["--b%d--" % i]
    return hdr, body


CANONS = [((b"relaxed", b"relaxed"), 0.60), ((b"relaxed", b"simple"), 0.20),
          ((b"simple", b"simple"), 0.10), ((b"simple", b"relaxed"), 0.10)]


def pick(rng, table):
    r, acc = rng.random(), 0.0
    for v, p in table:
        acc += p
        if r < acc:
            return v
    return table[-1][0]


SIGMIX = [("rsa2048", 0.70), ("rsa1024", 0.07), ("rsa4096", 0.04),
          ("ed25519", 0.08), ("dual", 0.08), ("none", 0.03)]

G = {}  # per-process: keys and zone records


def init_worker(keys, recs):
    G["keys"] = keys
    dkimpy_verify.RECS.update({k: v.encode() for k, v in recs.items()})
    dkim.time.time = lambda: T_SIGN  # fixed t= (dkimpy reads time.time())


def gen_one(args):
    seed, i = args
    rng = random.Random(seed * 1000003 + i)
    keys = G["keys"]
    mix = pick(rng, SIGMIX)
    attach = rng.random() < 0.02
    hdr, body = build_message(rng, i, attach)
    plan = []  # (kind, bits, k)
    if mix == "dual":
        k = rng.randrange(10)
        plan = [("ed25519", 256, k), ("rsa", 2048, k)]
    elif mix != "none":
        kind = "ed25519" if mix == "ed25519" else "rsa"
        bits = 256 if kind == "ed25519" else int(mix[3:])
        n = [x[2] for x in KEYSETS if x[0] == kind and x[1] == bits][0]
        plan = [(kind, bits, rng.randrange(n))]
    missing = plan and rng.random() < 0.01
    t = rng.random()
    tamper = "body" if t < 0.02 else ("subject" if t < 0.04 else None)
    if not plan:
        tamper = None
    dom = keys[plan[-1]][1] if plan else "unsigned.bench.example"
    hdr[0] = hdr[0].replace("placeholder", dom)
    msg = ("\r\n".join(hdr) + "\r\n\r\n" + "\r\n".join(body) + "\r\n").encode()
    sigs = []
    for n, key in enumerate(plan):
        sel, d, priv, _txt = keys[key]
        if missing and n == len(plan) - 1:
            sel = "gone"
        canon = pick(rng, CANONS)
        use_l = rng.random() < 0.06
        alg = b"ed25519-sha256" if key[0] == "ed25519" else b"rsa-sha256"
        sig = dkim.sign(msg, sel.encode(), d.encode(), priv, canonicalize=canon,
                        signature_algorithm=alg, include_headers=HEADERS,
                        length=use_l)
        msg = sig + msg
        sigs.append({"d": d, "s": sel, "a": alg.decode(),
                     "c": b"/".join(canon).decode(), "l": use_l, "bits": key[1],
                     "intent": "permerror" if sel == "gone" else "pass"})
    sigs.reverse()  # header order: last added is on top
    if tamper == "body":
        # a word inside the first body line: covered by any l=
        msg = msg.replace(b"\r\n\r\n", b"\r\n\r\nTAMPERED ", 1)
    elif tamper == "subject":
        msg = msg.replace(b"\r\nSubject: ", b"\r\nSubject: Re: ", 1)
    for s in sigs:
        if s["intent"] == "pass" and tamper:
            s["intent"] = "fail"
    peer = dkimpy_verify.verdicts(msg)
    for s, v in zip(sigs, peer):
        s["dkimpy"] = v
    lf = msg.replace(b"\r\n", b"\n")
    meta = {"index": i, "bytes": len(msg), "mix": mix, "tamper": tamper,
            "missing_key": bool(missing), "attachment": attach,
            "signatures": sigs}
    return lf, meta


def mbox_quote(lf):
    # mboxrd: one more '>' on every ^>*From line
    return re.sub(rb"(?m)^(>*From )", rb">\1", lf)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=5000)
    ap.add_argument("--out", required=True)
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count())
    a = ap.parse_args()
    os.makedirs(os.path.join(a.out, "maildir", "cur"), exist_ok=True)
    os.makedirs(os.path.join(a.out, "maildir", "new"), exist_ok=True)
    os.makedirs(os.path.join(a.out, "maildir", "tmp"), exist_ok=True)
    keys = make_keys(a.out, a.seed)
    zpath = os.path.join(a.out, "keys.zone")
    write_zone(zpath, keys)
    recs = zone_txt(zpath)
    nsig = {}
    total = 0
    with multiprocessing.Pool(a.jobs, init_worker, (keys, recs)) as pool, \
            open(os.path.join(a.out, "corpus.mbox"), "wb") as mbox, \
            open(os.path.join(a.out, "expected.jsonl"), "w") as exp:
        for lf, meta in pool.imap(gen_one, ((a.seed, i) for i in range(a.count)),
                                  chunksize=16):
            i = meta["index"]
            mbox.write(b"From bench@bench.example Tue Nov 14 12:00:00 2023\n")
            mbox.write(mbox_quote(lf) + b"\n")
            with open(os.path.join(a.out, "maildir", "cur",
                                   "%06d.bench:2,S" % i), "wb") as f:
                f.write(lf)
            exp.write(json.dumps(meta) + "\n")
            total += meta["bytes"]
            for s in meta["signatures"]:
                k = "%s-%d" % (s["a"], s["bits"])
                nsig[k] = nsig.get(k, 0) + 1
    with open(os.path.join(a.out, "meta.json"), "w") as f:
        json.dump({"seed": a.seed, "count": a.count, "t": T_SIGN,
                   "bytes_crlf": total, "signatures": nsig,
                   "keysets": KEYSETS}, f, indent=1)
    print("%d messages, %.1f MB (CRLF), signatures %s" %
          (a.count, total / 1e6, nsig), file=sys.stderr)


if __name__ == "__main__":
    main()
