#!/usr/bin/python3
"""gen.py - signed fixtures for tests/hostile/test_dkim_dns.py.

Run once with Debian's python3 (dkimpy and cryptography installed:
/usr/bin/python3 gen.py); the output (*.eml, keys.zone) is committed so the
tests need no signer.  Signatures are made by dkimpy, an independent
implementation; the clock is pinned so re-running gives the same t= (the
RSA keys are made afresh each run, so the b= values change).

Private keys are thrown away: nothing here can sign again.
"""
import base64
import os
import time

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

HERE = os.path.dirname(os.path.abspath(__file__))
DOMAIN = b"hostile.example"
T0 = 1700000000            # t= of every signature (hostile.py's NOW is T0 + 86400)
NOW = 1700086400

BODY = (b"Hello,\n\nthis is a test message for the bad-input catalogue.\n"
        b"It has a few lines.\n\n-- \nhostile\n")


def message(subject, body=BODY, mid=b"1"):
    return (b"From: Alice <alice@hostile.example>\n"
            b"To: Bob <bob@example.net>\n"
            b"Subject: " + subject + b"\n"
            b"Date: Tue, 14 Nov 2023 22:13:20 +0000\n"
            b"Message-ID: <" + mid + b"@hostile.example>\n"
            b"\n" + body)


def new_key(bits):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def pem(k):
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption())


def spki_b64(pub):
    der = pub.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


EXTRA = {}  # tag -> value added to the next signature (x=)
_orig_gen_header = dkim.DKIM.gen_header


def _gen_header(self, fields, *a, **kw):
    for tag, val in EXTRA.items():
        at = [f[0] for f in fields].index(b"h")
        fields.insert(at, (tag, val))
    return _orig_gen_header(self, fields, *a, **kw)


dkim.DKIM.gen_header = _gen_header


def sign(msg, sel, key, clock=T0, alg=b"rsa-sha256", length=False, extra=None):
    EXTRA.clear()
    EXTRA.update(extra or {})
    real = time.time
    time.time = lambda: clock
    try:
        sig = dkim.sign(msg, sel, DOMAIN, pem(key), canonicalize=(b"relaxed", b"relaxed"),
                        signature_algorithm=alg, length=length, linesep=b"\n",
                        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    finally:
        time.time = real
    return sig + msg


def txt(owner, text, chunk=255):
    parts = [text[i:i + chunk] for i in range(0, len(text), chunk)]
    return "%s._domainkey.hostile.example. 3600 IN TXT %s\n" % (
        owner, " ".join('"%s"' % p for p in parts))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def main():
    k2048, other, k4096 = new_key(2048), new_key(2048), new_key(4096)
    k8192 = new_key(8192)
    p2048 = spki_b64(k2048.public_key())
    zone = ["; keys for tests/hostile/test_dkim_dns.py, made by gen.py\n"]

    # a plain good signature, and the key variants (C3, G1, G2, C8, G4, G6, H2)
    zone.append(txt("r2048", "v=DKIM1; k=rsa; p=" + p2048))
    write("base.eml", sign(message(b"base"), b"r2048", k2048))
    write("len.eml", sign(message(b"l= signed"), b"r2048", k2048, length=True))
    write("x_past.eml", sign(message(b"x= in the past"), b"r2048", k2048,
                             extra={b"x": str(T0 + 3600).encode()}))
    write("t_future.eml", sign(message(b"t= ahead"), b"r2048", k2048, clock=NOW + 3 * 86400))
    write("sha1.eml", sign(message(b"rsa-sha1"), b"r2048", k2048, alg=b"rsa-sha1"))
    many = message(b"many signatures")
    for _ in range(12):
        many = sign(many, b"r2048", k2048)
    write("many.eml", many)

    variants = {
        "revoked": "v=DKIM1; k=rsa; p=",
        "k_ed": "v=DKIM1; k=ed25519; p=" + p2048,
        "h_sha1": "v=DKIM1; k=rsa; h=sha1; p=" + p2048,
        "s_web": "v=DKIM1; k=rsa; s=web; p=" + p2048,
        "k_dsa": "v=DKIM1; k=dsa; p=" + p2048,
        "strict": "v=DKIM1; k=rsa; t=s; p=" + p2048,
    }
    for sel, rec in variants.items():
        zone.append(txt(sel, rec))
        ident = b"@sub.hostile.example" if sel == "strict" else None
        EXTRA.clear()
        real = time.time
        time.time = lambda: T0
        try:
            sig = dkim.sign(message(sel.encode()), sel.encode(), DOMAIN, pem(k2048),
                            identity=ident, canonicalize=(b"relaxed", b"relaxed"),
                            linesep=b"\n",
                            include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
        finally:
            time.time = real
        write("key_%s.eml" % sel, sig + message(sel.encode()))

    # G1: one record cut into strings of 1..7 bytes; G2: a wrong key first
    zone.append(txt("split", "v=DKIM1; k=rsa; p=" + p2048, chunk=7))
    write("split.eml", sign(message(b"split"), b"split", k2048))
    zone.append(txt("multi", "v=DKIM1; k=rsa; p=" + spki_b64(other.public_key())))
    zone.append(txt("multi", "v=DKIM1; k=rsa; p=" + p2048))
    write("multi.eml", sign(message(b"multi"), b"multi", k2048))
    # C8: a selector since deleted (absent from the zone)
    write("gone.eml", sign(message(b"gone"), b"gone", k2048))
    # C7: big keys
    zone.append(txt("r4096", "v=DKIM1; k=rsa; p=" + spki_b64(k4096.public_key())))
    write("k4096.eml", sign(message(b"4096"), b"r4096", k4096))
    zone.append(txt("r8192", "v=DKIM1; k=rsa; p=" + spki_b64(k8192.public_key())))
    write("k8192.eml", sign(message(b"8192"), b"r8192", k8192))
    # H2: a 16384-bit modulus and a 101-bit exponent (public halves only)
    n16 = (1 << 16383) | (int.from_bytes(os.urandom(2046), "big") << 1) | 1
    zone.append(txt("huge", "v=DKIM1; k=rsa; p=" + spki_b64(
        rsa.RSAPublicNumbers(65537, n16).public_key())))
    zone.append(txt("bige", "v=DKIM1; k=rsa; p=" + spki_b64(
        rsa.RSAPublicNumbers((1 << 100) + 1, k2048.public_key().public_numbers().n)
        .public_key())))
    write("huge.eml", sign(message(b"huge"), b"huge", k2048))
    write("bige.eml", sign(message(b"bige"), b"bige", k2048))
    # G6 and --dns-max-cnames: a chain of three aliases to the key
    zone.append("chain._domainkey.hostile.example. 3600 IN CNAME c1.hostile.example.\n"
                "c1.hostile.example. 3600 IN CNAME c2.hostile.example.\n"
                "c2.hostile.example. 3600 IN CNAME c3.hostile.example.\n")
    zone.append("c3.hostile.example. 3600 IN TXT " + txt("x", "v=DKIM1; k=rsa; p=" + p2048)
                .split(" IN TXT ", 1)[1])
    write("chain.eml", sign(message(b"chain"), b"chain", k2048))
    write("zone.txt", "".join(zone).encode())


if __name__ == "__main__":
    main()
