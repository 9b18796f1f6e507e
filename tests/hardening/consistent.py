#!/usr/bin/python3
"""consistent.py BEFORE AFTER TEXT: the all-old-or-all-new verdict of the kill -9 tests.

BEFORE and AFTER hold every router's running configuration, each after a "== NAME" line
(the tests' snap()). Prints "before" when every router in AFTER equals BEFORE, "after" when
every router's configuration contains TEXT (the new transaction's mark); anything else is a
half-applied network: prints the state of each router and exits 1.
"""
import sys


def sections(path):
    out, cur = {}, None
    for line in open(path):
        if line.startswith("== "):
            cur = line[3:].strip()
            out[cur] = []
        elif cur:
            out[cur].append(line.rstrip("\n"))
    return out


before, after, text = sections(sys.argv[1]), sections(sys.argv[2]), sys.argv[3]
states = {}
for dev, lines in after.items():
    if lines == before[dev]:
        states[dev] = "before"
    elif text in "\n".join(lines):
        states[dev] = "after"
    else:
        states[dev] = "OTHER"
if len(set(states.values())) != 1 or "OTHER" in states.values():
    print("inconsistent: %s" % states)
    sys.exit(1)
print(list(states.values())[0])
