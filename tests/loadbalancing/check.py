#!/usr/bin/env python3
"""check.py AGENT.jsonl ENDPOINTS GW1.jsonl GW2.jsonl ...

The gateways together hold exactly the agent's items (each once); every
trace (spans, and log records by trace id) sits on one gateway only, the
one otelcol's ring picks for it (an independent implementation of
loadbalancingexporter/consistent_hashing.go: crc32 IEEE, 36000 positions,
100 per endpoint); metrics go by service.name. ENDPOINTS: comma-separated
ring names in the order of the gateway files."""
import binascii
import collections
import json
import sys

KEYS = {"resourceSpans": ("scopeSpans", "spans"), "resourceMetrics": ("scopeMetrics", "metrics"),
        "resourceLogs": ("scopeLogs", "logRecords")}


def ring(endpoints):
    taken, items = set(), []
    for ep in sorted(endpoints):
        for i in range(100):
            pos = binascii.crc32(ep.encode() + bytes([i])) % 36000
            if pos not in taken:
                taken.add(pos)
                items.append((pos, ep))
    return sorted(items)


def pick(r, key):
    pos = binascii.crc32(key) % 36000
    for p, ep in r:
        if p >= pos:
            return ep
    return r[0][1]


def items(path):
    for line in open(path):
        d = json.loads(line)
        for rk, (sk, ik) in KEYS.items():
            for r in d.get(rk, []):
                svc = [a["value"]["stringValue"] for a in r.get("resource", {}).get("attributes", [])
                       if a["key"] == "service.name"]
                for s in r.get(sk, []):
                    for it in s.get(ik, []):
                        yield rk, (svc[0] if svc else ""), it


agent = sys.argv[1]
endpoints = sys.argv[2].split(",")
gws = sys.argv[3:]
r = ring(endpoints)
want = collections.Counter(json.dumps([k, s, it], sort_keys=True) for k, s, it in items(agent))
got = collections.Counter()
bad, per_gw = [], collections.Counter()
for ep, path in zip(endpoints, gws):
    for k, svc, it in items(path):
        got[json.dumps([k, svc, it], sort_keys=True)] += 1
        per_gw[ep] += 1
        if k == "resourceMetrics":
            expect = pick(r, svc.encode())
        else:
            expect = pick(r, bytes.fromhex(it["traceId"]))
        if expect != ep:
            bad.append((k, it.get("name") or it.get("body"), ep, expect))
print("per gateway:", dict(per_gw), "agent items:", sum(want.values()))
ok = True
if got != want:
    ok = False
    print("missing:", list((want - got).items())[:3], "extra:", list((got - want).items())[:3])
if bad:
    ok = False
    print(f"{len(bad)} items on the wrong gateway, e.g. {bad[:3]}")
if len(per_gw) < len(endpoints):
    ok = False
    print("a gateway got nothing: the test data does not exercise the ring")
sys.exit(0 if ok else 1)
