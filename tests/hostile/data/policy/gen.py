#!/usr/bin/python3
"""Generate the ARC fixtures of tests/hostile/test_policy.py (run once; the
output is committed so the tests need no signer).

Signer: dkimpy (Debian python3-dkim), independent of authsweep.  Its
ARC-Message-Signature carries no v= tag, which RFC 8617 4.1.2 allows: the
chain passing in authsweep is the F3 "don't reject an AMS for lacking v="
case.  Run with the system python: /usr/bin/python3 gen.py (needs
python3-dkim and python3-authres).  The RSA keys are made by openssl when
absent and are not committed: only the signed message and the zone of
public keys are, so a re-run signs with new keys and rewrites both.
"""
import os
import subprocess

import dkim

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1700000000


def key(name):
    path = os.path.join(HERE, name + ".key")
    if not os.path.exists(path):
        subprocess.run(["openssl", "genrsa", "-traditional", "-out", path, "2048"], check=True,
                       capture_output=True)
    pem = open(path, "rb").read()
    der = subprocess.run(["openssl", "rsa", "-in", path, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    import base64
    return pem, base64.b64encode(der).decode()


def txt(owner, text):
    """A TXT line, split into strings of at most 255 bytes (RFC 1035 3.3)."""
    parts = " ".join('"%s"' % text[i:i + 200] for i in range(0, len(text), 200))
    return "%s IN TXT %s\n" % (owner, parts)


def main():
    fwd_pem, fwd_pub = key("forwarder")
    lst_pem, lst_pub = key("list")
    msg = (b"Authentication-Results: mx.forwarder.example; spf=pass smtp.mailfrom=bank.example\r\n"
           b"From: Alice <alice@bank.example>\r\n"
           b"To: bob@us.example\r\n"
           b"Subject: ARC fixture\r\n"
           b"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
           b"Message-ID: <arc-fixture@bank.example>\r\n"
           b"\r\n"
           b"Hello through two forwarders.\r\n")
    hdrs = dkim.arc_sign(msg, b"arc1", b"forwarder.example", fwd_pem, b"mx.forwarder.example",
                         timestamp=T0)
    msg1 = b"".join(hdrs) + msg
    msg1 = (b"Authentication-Results: mx.list.example; arc=pass\r\n") + msg1
    hdrs = dkim.arc_sign(msg1, b"arc2", b"list.example", lst_pem, b"mx.list.example",
                         timestamp=T0 + 60)
    msg2 = b"".join(hdrs) + msg1
    with open(os.path.join(HERE, "arc2.eml"), "wb") as f:
        f.write(msg2)
    with open(os.path.join(HERE, "arc.zone"), "w") as f:
        f.write("; keys of arc2.eml, made by gen.py\n")
        f.write(txt("arc1._domainkey.forwarder.example.", "v=DKIM1; k=rsa; p=" + fwd_pub))
        f.write(txt("arc2._domainkey.list.example.", "v=DKIM1; k=rsa; p=" + lst_pub))


if __name__ == "__main__":
    main()
