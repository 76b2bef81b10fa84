"""dnsharness.py - a real authoritative DNS server (NSD) on 127.0.0.1 for tests
and benchmarks of authsweep's live DNS backend.

NSD runs as the test's own process (nsd -d) with its own config, zone files,
pid file and control socket in a temporary directory; nothing listens beyond
loopback.  Statistics (queries per type, UDP vs TCP) come from nsd-control
over a unix socket, so a test can count what authsweep really sent.
"""
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import time

NSD = shutil.which("nsd") or "/usr/sbin/nsd"
NSD_CONTROL = shutil.which("nsd-control") or "/usr/sbin/nsd-control"


def have_nsd():
    return os.access(NSD, os.X_OK) and os.access(NSD_CONTROL, os.X_OK)


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 (NSD needs both)."""
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            t.close()
            u.close()
    raise RuntimeError("no free port")


def soa(apex):
    return (f"$ORIGIN {apex}.\n$TTL 3600\n"
            f"@ IN SOA ns.{apex}. hostmaster.{apex}. 1 3600 600 86400 300\n"
            f"@ IN NS ns.{apex}.\n")


def zones_from_keyfile(path):
    """Split a BIND-like key file (one record a line, absolute names) into
    zones: {apex: [record lines]}, the apex being what follows
    '._domainkey.' (the signing domain)."""
    zones = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line[0] in ";$":
                continue
            owner = line.split()[0].rstrip(".").lower()
            apex = owner.split("._domainkey.", 1)[-1]
            zones.setdefault(apex, []).append(line.rstrip("\n"))
    return zones


def dns_query(port, name, qtype, edns=None, timeout=2.0):
    """One UDP query; returns (rcode, tc, ancount, length)."""
    hdr = struct.pack(">HHHHHH", 0x4242, 0x0000, 1, 0, 0, 1 if edns else 0)
    qn = b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".")) + b"\0"
    msg = hdr + qn + struct.pack(">HH", qtype, 1)
    if edns:
        msg += b"\0" + struct.pack(">HHIH", 41, edns, 0, 0)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(msg, ("127.0.0.1", port))
        r = s.recv(65535)
    finally:
        s.close()
    flags, = struct.unpack(">H", r[2:4])
    an, = struct.unpack(">H", r[6:8])
    return flags & 0xF, bool(flags & 0x200), an, len(r)


class Nsd:
    """NSD serving `zones` ({apex: zone text}); `broken` apexes are
    configured with a zone file NSD cannot load (it answers SERVFAIL)."""

    def __init__(self, zones, broken=(), edns_size=1232, tmp=None):
        self.dir = tempfile.mkdtemp(prefix="as-nsd-", dir=tmp)
        self.port = free_port()
        self.proc = None
        conf = [
            "server:",
            f"    ip-address: 127.0.0.1@{self.port}",
            f"    port: {self.port}",
            "    do-ip6: no",
            '    username: ""',
            '    chroot: ""',
            f'    zonesdir: "{self.dir}"',
            f'    pidfile: "{self.dir}/nsd.pid"',
            '    database: ""',
            f'    xfrdfile: "{self.dir}/xfrd.state"',
            f'    xfrdir: "{self.dir}"',
            f'    zonelistfile: "{self.dir}/zone.list"',
            f'    logfile: "{self.dir}/nsd.log"',
            "    server-count: 1",
            "    verbosity: 1",
            f"    ipv4-edns-size: {edns_size}",
            "    refuse-any: yes",
            "remote-control:",
            "    control-enable: yes",
            f"    control-interface: {self.dir}/nsd.sock",
        ]
        for i, (apex, text) in enumerate(sorted(zones.items())):
            fn = f"z{i}.zone"
            with open(os.path.join(self.dir, fn), "w", encoding="utf-8") as f:
                f.write(text)
            conf += ["zone:", f'    name: "{apex}"', f'    zonefile: "{fn}"']
        for i, apex in enumerate(broken):
            fn = f"broken{i}.zone"
            with open(os.path.join(self.dir, fn), "w", encoding="utf-8") as f:
                f.write("this is not a zone file (\n")
            conf += ["zone:", f'    name: "{apex}"', f'    zonefile: "{fn}"']
        self.conf = os.path.join(self.dir, "nsd.conf")
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write("\n".join(conf) + "\n")

    def start(self, probe_name):
        """Start and wait until probe_name answers (at most ~20 s)."""
        self.proc = subprocess.Popen([NSD, "-d", "-c", self.conf],
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.dir, "stderr"), "w"))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nsd exited: " + self.log())
            try:
                if dns_query(self.port, probe_name, 16, timeout=0.2)[0] == 0:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("nsd did not answer: " + self.log())

    def log(self):
        out = ""
        for fn in ("stderr", "nsd.log"):
            p = os.path.join(self.dir, fn)
            if os.path.exists(p):
                out += open(p, encoding="utf-8", errors="replace").read()
        return out[-3000:]

    def stats(self, reset=False):
        """nsd-control stats as a dict of ints (absent keys are 0)."""
        cmd = "stats" if reset else "stats_noreset"
        out = subprocess.run([NSD_CONTROL, "-c", self.conf, cmd], capture_output=True,
                             text=True, timeout=30, check=True).stdout
        st = {}
        for line in out.splitlines():
            m = re.match(r"^([\w.]+)=(\d+)", line)
            if m:
                st[m.group(1)] = int(m.group(2))
        return st

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class SilentServer:
    """A UDP (and TCP) port on 127.0.0.1 that takes queries and never
    answers: a resolver that times out."""

    def __init__(self):
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.port = self.udp.getsockname()[1]

    def close(self):
        self.udp.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _wire_name(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".")) + b"\0"


def txt_rdata(text):
    """TXT rdata from a zone-file string list like '"a" "b"' (no escapes)."""
    parts = [p for i, p in enumerate(text.split('"')) if i % 2 == 1]
    return b"".join(bytes([len(p)]) + p.encode() for p in parts)


class TinyServer:
    """A UDP responder of our own on 127.0.0.1 for shapes NSD will not
    produce (an alias answered without its target, like an authoritative
    server whose CNAME leaves its zone).  records: {name: [(type, rdata)]};
    other names get NXDOMAIN.  Counts the queries it answers per name."""

    def __init__(self, records):
        import threading
        self.records = {k.rstrip(".").lower(): v for k, v in records.items()}
        self.counts = {}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop:
            try:
                q, addr = self.sock.recvfrom(4096)
            except OSError:
                continue
            off, labels = 12, []
            while off < len(q) and q[off]:
                labels.append(q[off + 1:off + 1 + q[off]].decode("latin-1"))
                off += 1 + q[off]
            qtype, = struct.unpack(">H", q[off + 1:off + 3])
            name = ".".join(labels).lower()
            self.counts[name] = self.counts.get(name, 0) + 1
            rrs = [(t, rd) for t, rd in self.records.get(name, []) if t in (qtype, 5)]
            rcode = 0 if name in self.records else 3
            resp = q[:2] + struct.pack(">HHHHH", 0x8400 | rcode, 1, len(rrs), 0, 0)
            resp += q[12:off + 5]
            for t, rd in rrs:
                resp += b"\xc0\x0c" + struct.pack(">HHIH", t, 1, 300, len(rd)) + rd
            self.sock.sendto(resp, addr)

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
