#!/usr/bin/python3
"""bench/interleave.py - authsweep's rows timed in rounds, for steadier ratios.

  interleave.py --rounds N --floor FLOOR.json NAME=COMMAND ...

hyperfine times one command's runs back to back, so a minute of noise on a
shared machine lands on one row and moves the ratios between rows (-jN over
-j1, -j1 over the floor) by 10-20% from one bench run to the next.  Here
every round runs each command once, in turn, so drift hits them alike; the
median and quartiles of each command's wall time are printed, then the
ratios of the medians.  COMMAND is run by the shell, output discarded;
NAME=authsweep-j1 and NAME=authsweep-jN (any N) get the scaling line,
authsweep-j1-pin the single-core one.
"""
import argparse
import json
import statistics
import subprocess
import time


def quartiles(xs):
    q = statistics.quantiles(xs, n=4)
    return q[0], statistics.median(xs), q[2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--floor", required=True)
    ap.add_argument("commands", nargs="+")
    a = ap.parse_args()
    cmds = [c.split("=", 1) for c in a.commands]
    times = {name: [] for name, _ in cmds}
    for name, cmd in cmds:  # one warm-up round
        subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    for _ in range(a.rounds):
        for name, cmd in cmds:
            t = time.perf_counter()
            subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - t)
    fl = json.load(open(a.floor))
    print("interleaved: %d rounds, each command once a round; wall s, median (quartiles)"
          % a.rounds)
    med = {}
    for name, _ in cmds:
        q1, m, q3 = quartiles(times[name])
        med[name] = m
        print("  %-22s %.3f (%.3f-%.3f)  floor %3.0f%%  stricter floor %3.0f%%"
              % (name, m, q1, q3, 100 * fl["seconds"] / m,
                 100 * fl["seconds_libsodium"] / m))
    jn = [n for n in med if n.startswith("authsweep-j") and n[11:].isdigit() and n != "authsweep-j1"]
    for n in jn:
        line = "  scaling: %s = %.2f x authsweep-j1" % (n[len("authsweep"):],
                                                     med["authsweep-j1"] / med[n])
        if "authsweep-j1-pin" in med:
            line += ", %.2f x -j1 on one core" % (med["authsweep-j1-pin"] / med[n])
        print(line)


if __name__ == "__main__":
    main()
