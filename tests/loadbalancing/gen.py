#!/usr/bin/env python3
"""OTLP/JSON request bodies for the loadbalancing tests.

    gen.py traces|logs REQ TRACES   request REQ: one span (log record) of each
                                    of TRACES traces, so every trace has a
                                    part in every request; two resources
    gen.py metrics REQ N            N metrics over two services
"""
import json
import sys

sig, req, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
scope = {"name": "lbgen"}


def res(r):
    return {"attributes": [{"key": "service.name", "value": {"stringValue": f"svc{r}"}}]}


def trace_id(t):
    return f"{(t * 2654435761) % (1 << 64):016x}{t:016x}"


out = []
for r in range(2):
    if sig == "traces":
        spans = [{"traceId": trace_id(t), "spanId": f"{req * 1000 + t + 1:016x}", "name": f"q{req}-t{t}",
                  "kind": 1, "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000000000000500"}
                 for t in range(n) if t % 2 == r]
        out.append({"resource": res(r), "scopeSpans": [{"scope": scope, "spans": spans}]})
    elif sig == "logs":
        recs = [{"timeUnixNano": "1700000000000000000", "traceId": trace_id(t), "body": {"stringValue": f"q{req}-t{t}"}}
                for t in range(n) if t % 2 == r]
        out.append({"resource": res(r), "scopeLogs": [{"scope": scope, "logRecords": recs}]})
    else:
        ms = [{"name": f"m{req}-{i}", "gauge": {"dataPoints": [{"asInt": str(i), "timeUnixNano": "1700000000000000000"}]}}
              for i in range(n) if i % 2 == r]
        out.append({"resource": res(r), "scopeMetrics": [{"scope": scope, "metrics": ms}]})
key = {"traces": "resourceSpans", "logs": "resourceLogs", "metrics": "resourceMetrics"}[sig]
json.dump({key: out}, sys.stdout)
