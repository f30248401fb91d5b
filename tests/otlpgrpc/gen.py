#!/usr/bin/env python3
"""OTLP/JSON request bodies with known content for the otlp exporter tests.

    gen.py traces|metrics|logs N   one request: N items over 2 resources,
                                   named <signal>N-<i>, with attributes
"""
import json
import sys

sig, n = sys.argv[1], int(sys.argv[2])
tag = sys.argv[3] if len(sys.argv) > 3 else "r"


def attrs(i):
    return [{"key": "k.str", "value": {"stringValue": f"v{i} ünï"}},
            {"key": "k.int", "value": {"intValue": str(i * 1000003)}},
            {"key": "k.dbl", "value": {"doubleValue": i + 0.25}},
            {"key": "k.arr", "value": {"arrayValue": {"values": [{"boolValue": True}, {"stringValue": "x"}]}}}]


def resource(r):
    return {"attributes": [{"key": "service.name", "value": {"stringValue": f"svc{r}"}}]}


scope = {"name": "gen", "version": "1.0"}
res = []
for r in range(2):
    ids = [i for i in range(n) if i % 2 == r]
    if sig == "traces":
        items = [{"traceId": f"{i + 1:032x}", "spanId": f"{i + 1:016x}", "name": f"{tag}-{i}", "kind": 2,
                  "startTimeUnixNano": str(1700000000000000000 + i), "endTimeUnixNano": str(1700000000000000100 + i),
                  "attributes": attrs(i), "status": {"code": 1}} for i in ids]
        res.append({"resource": resource(r), "scopeSpans": [{"scope": scope, "spans": items}]})
    elif sig == "logs":
        items = [{"timeUnixNano": str(1700000000000000000 + i), "severityNumber": 9, "severityText": "INFO",
                  "body": {"stringValue": f"{tag}-{i}"}, "attributes": attrs(i)} for i in ids]
        res.append({"resource": resource(r), "scopeLogs": [{"scope": scope, "logRecords": items}]})
    else:
        items = [{"name": f"{tag}-{i}", "unit": "1", "sum": {"aggregationTemporality": 2, "isMonotonic": True,
                  "dataPoints": [{"asInt": str(i), "timeUnixNano": str(1700000000000000000 + i), "attributes": attrs(i)}]}}
                 for i in ids]
        res.append({"resource": resource(r), "scopeMetrics": [{"scope": scope, "metrics": items}]})
key = {"traces": "resourceSpans", "logs": "resourceLogs", "metrics": "resourceMetrics"}[sig]
json.dump({key: res}, sys.stdout)
