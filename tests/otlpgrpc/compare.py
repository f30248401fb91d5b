#!/usr/bin/env python3
"""compare.py A.jsonl B.jsonl: the file exporter outputs of two daemons hold
the same items (every resource/scope/item as a canonical JSON string, as a
multiset), for each signal; prints the per-signal counts."""
import collections
import json
import sys

KEYS = {"resourceSpans": ("scopeSpans", "spans"), "resourceMetrics": ("scopeMetrics", "metrics"),
        "resourceLogs": ("scopeLogs", "logRecords")}


def items(path):
    out = {k: collections.Counter() for k in KEYS}
    for line in open(path):
        d = json.loads(line)
        for rk, (sk, ik) in KEYS.items():
            for r in d.get(rk, []):
                res = json.dumps(r.get("resource", {}), sort_keys=True)
                for s in r.get(sk, []):
                    sc = json.dumps(s.get("scope", {}), sort_keys=True)
                    for it in s.get(ik, []):
                        out[rk][res + sc + json.dumps(it, sort_keys=True)] += 1
    return out


a, b = items(sys.argv[1]), items(sys.argv[2])
ok = True
for k in KEYS:
    na, nb = sum(a[k].values()), sum(b[k].values())
    print(f"{k}: {na} sent, {nb} received")
    if a[k] != b[k]:
        ok = False
        diff = list((a[k] - b[k]).items())[:2] + list((b[k] - a[k]).items())[:2]
        print(f"  differ: {diff}")
    if want := (int(sys.argv[3]) if len(sys.argv) > 3 else 0):
        if na != want:
            ok = False
            print(f"  want {want}")
sys.exit(0 if ok else 1)
