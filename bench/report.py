#!/usr/bin/python3
"""bench/report.py - the throughput table and the verdict comparison of bench/run.

  report.py floor SPEED.txt CORPUS_DIR            -> floor JSON on stdout
  report.py table RESULTS_DIR CORPUS_DIR          -> the table and the verdicts

SPEED.txt is the output of `openssl speed -seconds 3 sha256 rsa1024 rsa2048
rsa4096 ed25519` (and bench/sodium-speed), run twice by bench/run: before and
after the timed commands.  The faster of the two is taken for each rate:
noise on a shared machine only ever slows it, so the faster run is nearer
the machine's limit (and gives the stricter floor).  The single-core floor is the time one core needs for the
cryptography alone: every message byte (CRLF, headers and body) hashed once
with SHA-256 at the 8192-byte-block rate, plus one verify per signature whose
key exists and whose body hash matches (RSA per key size, Ed25519), at
`openssl speed`'s verify/s.  Everything else a verifier does (parsing,
canonicalization, I/O, JSON) is above the floor.

RESULTS_DIR holds hyperfine.json, floor.json and one verdict file per command
(<name>.out: "INDEX<TAB>class class ..."; authsweep's JSONL is converted).
"""
import json
import os
import re
import statistics
import sys


def parse_speed(path):
    sha = None
    verify = {}
    cols = None
    for line in open(path):
        if line.startswith("type") and "bytes" in line:
            cols = re.findall(r"(\d+) bytes", line)
        m = re.match(r"^sha256\s+(.*)$", line)
        if m and cols:
            vals = m.group(1).split()
            if "8192" in cols:
                sha = max(sha or 0.0, float(vals[cols.index("8192")].rstrip("k")) * 1000.0)
        found = []
        m = re.match(r"^rsa\s+(\d+) bits\s+\S+\s+\S+\s+(\S+)\s+(\S+)", line)
        if m:
            found.append(("rsa%s" % m.group(1), float(m.group(3))))
        m = re.search(r"EdDSA \(Ed25519\)\s+\S+\s+\S+\s+(\S+)\s+(\S+)", line)
        if m:
            found.append(("ed25519", float(m.group(2))))
        m = re.match(r"^ed25519 (\d+)$", line)  # bench/sodium-speed.c
        if m:
            found.append(("ed25519-libsodium", float(m.group(1))))
        for k, v in found:  # the faster of the runs
            verify[k] = max(verify.get(k, 0.0), v)
    return sha, verify


def corpus_counts(corpus):
    nbytes, nmsg, need = 0, 0, {}
    for line in open(os.path.join(corpus, "expected.jsonl")):
        m = json.loads(line)
        nmsg += 1
        nbytes += m["bytes"]
        for s in m["signatures"]:
            if s["s"] == "gone" or m["tamper"] == "body":
                continue  # no key, or the body hash fails first: no verify
            k = "ed25519" if s["a"].startswith("ed25519") else "rsa%d" % s["bits"]
            need[k] = need.get(k, 0) + 1
    return nmsg, nbytes, need


def floor(speed, corpus):
    sha, verify = parse_speed(speed)
    nmsg, nbytes, need = corpus_counts(corpus)
    t = nbytes / sha
    terms = {"sha256": t}
    for k, n in need.items():
        terms[k] = n / verify[k]
        t += terms[k]
    out = {"messages": nmsg, "bytes": nbytes, "verifies": need,
           "sha256_bytes_per_s": sha, "verify_per_s": verify,
           "seconds": t, "terms_s": terms, "msg_per_s": nmsg / t}
    if "ed25519-libsodium" in verify and "ed25519" in need:
        out["seconds_libsodium"] = (t - terms["ed25519"]
                                    + need["ed25519"] / verify["ed25519-libsodium"])
    return out


def load_verdicts(path):
    out = {}
    if not os.path.exists(path):
        return out
    if path.endswith(".jsonl"):
        for line in open(path):
            m = json.loads(line)
            out[m["index"]] = [d["result"] for d in m.get("dkim", [])] or ["-"]
    else:
        for line in open(path):
            i, _, v = line.rstrip("\n").partition("\t")
            out[int(i)] = v.split() if v else ["-"]
    return out


def table(results, corpus):
    fl = json.load(open(os.path.join(results, "floor.json")))
    hf = json.load(open(os.path.join(results, "hyperfine.json")))
    nmsg, nbytes = fl["messages"], fl["bytes"]
    rows, cpu = {}, {}
    for r in hf["results"]:
        rows[r["command"]] = statistics.median(r["times"])
        cpu[r["command"]] = r.get("user", 0.0) + r.get("system", 0.0)
    peers = [n for n in rows if not n.startswith("authsweep")]
    print("corpus: %d messages, %.1f MB (CRLF); floor %.3f s = %.0f msg/s single core"
          % (nmsg, nbytes / 1e6, fl["seconds"], fl["msg_per_s"]))
    print("  floor terms (s): " + ", ".join("%s %.4f" % kv for kv in sorted(fl["terms_s"].items())))
    strict = fl.get("seconds_libsodium")
    if strict:
        print("  stricter floor, Ed25519 at libsodium's %.0f/s (what authsweep uses): %.3f s"
              % (fl["verify_per_s"]["ed25519-libsodium"], strict))
    hdr = "%-16s %9s %9s %9s %8s %9s" % ("command", "median s", "cpu s", "msg/s", "MB/s", "floor")
    hdr += "".join(" %11s" % ("x " + p) for p in peers)
    print(hdr)
    for name, t in rows.items():
        line = "%-16s %9.3f %9.3f %9.0f %8.1f %8.0f%%" % (
            name, t, cpu[name], nmsg / t, nbytes / 1e6 / t, 100.0 * fl["seconds"] / t)
        line += "".join(" %11.2f" % (rows[p] / t) for p in peers)
        print(line)
    print("(median s: wall clock; cpu s: mean user+system; floor: floor seconds / median"
          " seconds, the single-core floor for every row; x PEER: PEER's median / this median;"
          " authsweep-j1-pin: -j1 under taskset -c 0, reader and worker on one core;"
          " -mimalloc: the same binary with libmimalloc preloaded;"
          " -gz: the corpus compressed with gzip -6, decoded while read)")
    if strict:
        for n in rows:
            if n.startswith("authsweep"):
                print("stricter floor: %s at %.0f%%" % (n[len("authsweep"):], 100.0 * strict / rows[n]))
    many = [n for n in rows if re.match(r"authsweep-j\d+$", n) and n != "authsweep-j1"]
    for n in many:
        line = "scaling: %s = %.2f x authsweep-j1" % (n[len("authsweep"):], rows["authsweep-j1"] / rows[n])
        if "authsweep-j1-pin" in rows:
            line += ", %.2f x -j1 on one core" % (rows["authsweep-j1-pin"] / rows[n])
        print(line)
    # verdicts: authsweep -j1's per-signature class against each peer
    ours = load_verdicts(os.path.join(results, "authsweep-j1.jsonl"))
    exp = {}
    for line in open(os.path.join(corpus, "expected.jsonl")):
        m = json.loads(line)
        exp[m["index"]] = m
    print("\nverdicts: per-signature class, authsweep -j1 vs each peer")
    for p in peers:
        theirs = load_verdicts(os.path.join(results, p + ".out"))
        diffs, nsig = [], 0
        for i, mine in sorted(ours.items()):
            th = theirs.get(i)
            nsig += len(mine) if mine != ["-"] else 0
            if th != mine:
                diffs.append((i, mine, th))
        print("  %-10s %d messages, %d signatures; %d messages differ"
              % (p, len(theirs), nsig, len(diffs)))
        kinds = {}
        for i, mine, th in diffs:
            e = exp.get(i, {})
            key = " ".join(s["a"] for s in e.get("signatures", []))
            k = ("%s -> %s" % (" ".join(mine), " ".join(th or ["(none)"])), e.get("tamper"), key)
            kinds.setdefault(k, []).append(i)
        for (what, tamper, key), idx in sorted(kinds.items(), key=lambda kv: -len(kv[1])):
            print("    %4d x  authsweep %s  [tamper=%s; %s]  e.g. #%s"
                  % (len(idx), what, tamper, key, ",".join(map(str, idx[:3]))))
    intent_bad = 0
    for i, mine in ours.items():
        want = [s["intent"] for s in exp[i]["signatures"]] or ["-"]
        if want != mine:
            intent_bad += 1
    print("  authsweep vs the generator's intent: %d messages differ" % intent_bad)


def main():
    if sys.argv[1] == "floor":
        json.dump(floor(sys.argv[2], sys.argv[3]), sys.stdout, indent=1)
        print()
    elif sys.argv[1] == "table":
        table(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
