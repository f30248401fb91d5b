#!/usr/bin/env python3
"""Checks the metrics documents es_server.py stored (GET /_docs on stdin)
against what send_metrics.py sent: per request 3 documents (core=0,
core=1, kind=x), each exactly once, in metrics-generic.otel-default with
`create`, holding the grouped metrics.<name> values. With "ecs": in
metrics-generic-default, ECS layout (RFC 3339 @timestamp, attributes,
metric names and service.name at the top level, nested; no start time,
unit, resource or metrics object).

    check_metrics.py <first> <count> [ecs]
"""
import json
import sys

first, count = int(sys.argv[1]), int(sys.argv[2])
ecs = len(sys.argv) > 3 and sys.argv[3] == "ecs"
DIMS = ("core", "kind")
METRICS = ("cpu", "req", "lat", "rpc", "size")
docs = json.load(sys.stdin)
errors, seen = [], []


def want(cond, msg):
    if not cond and len(errors) < 10:
        errors.append(msg)


for d in docs:
    s = d["source"]
    if ecs:
        ts = s["@timestamp"]  # 2023-11-14T22:13:20.<n ms>000000Z
        n = int(ts.split(".")[1][:3])
        want(ts == "2023-11-14T22:13:20.%03d000000Z" % n, "@timestamp %s" % ts)
        attrs = {k: s[k] for k in DIMS if k in s}
        m = {k: s[k] for k in METRICS if k in s}
        key = (n, tuple(sorted(attrs.items())))
        want(d["_index"] == "metrics-generic-default" and d["op"] == "create", "%s: %s %s" % (key, d["_index"], d["op"]))
        want(s.get("data_stream") == {"type": "metrics", "dataset": "generic", "namespace": "default"},
             "%s: data_stream %s" % (key, s.get("data_stream")))
        want(s.get("service") == {"name": "svc%d" % (n % 3)}, "%s: service %s" % (key, s.get("service")))
        rest = set(s) - set(DIMS) - set(METRICS) - {"@timestamp", "data_stream", "service"}
        want(not rest, "%s: unexpected fields %s" % (key, sorted(rest)))
    else:
        n = int(s["@timestamp"].split(".")[0][-3:])
        key = (n, tuple(sorted(s.get("attributes", {}).items())))
        want(d["_index"] == "metrics-generic.otel-default" and d["op"] == "create",
             "%s: %s %s" % (key, d["_index"], d["op"]))
        want(s.get("data_stream") == {"type": "metrics", "dataset": "generic.otel", "namespace": "default"},
             "%s: data_stream %s" % (key, s.get("data_stream")))
        want(s["resource"]["attributes"].get("service.name") == "svc%d" % (n % 3),
             "%s: resource %s" % (key, s["resource"]))
        want(s.get("start_timestamp") == "1600000000000.000000" and s.get("unit") == "1", "%s: start/unit %s" % (key, s))
        m = s.get("metrics", {})
        attrs = s.get("attributes")
    seen.append(key)
    if attrs == {"core": "0"}:
        exp = {"cpu": n + 0.5, "req": n, "lat": {"counts": [1, 2], "values": [0.5, 10.0]}}
    elif attrs == {"core": "1"}:
        exp = {"cpu": n + 1.5, "req": 2 * n, "rpc": {"sum": float(n), "value_count": 3}}
    else:
        exp = {"size": {"counts": [1, 1, 2], "values": [0.0, 1.5, 3.0]}}
        want(attrs == {"kind": "x"}, "unexpected attributes %s" % attrs)
    want(m == exp, "%s: metrics %s, want %s" % (key, m, exp))

expected = [(n, a) for n in range(first, first + count)
            for a in ((("core", "0"),), (("core", "1"),), (("kind", "x"),))]
dup = sorted({k for k in seen if seen.count(k) > 1})
missing = sorted(set(expected) - set(seen))
want(not dup and not missing and len(seen) == len(expected),
     "%d documents for %d; duplicates %s; missing %s" % (len(seen), len(expected), dup[:5], missing[:5]))
if errors:
    print("\n".join(errors))
    sys.exit(1)
print("metrics (%s): %d documents (%d data points grouped), each exactly once, values intact" % ("ecs" if ecs else "otel", len(seen), 7 * count))
