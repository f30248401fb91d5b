#!/usr/bin/env python3
"""Sends requests first..first+count-1 to otlpd's OTLP/HTTP receiver as
OTLP-JSON: per request 5 log records "log r<n>-<j>" and 5 spans "r<n>-<j>"
(each with one event "ev"), resource service.name svc<n%3>, attribute
k=<n>; even requests' logs carry data_stream.dataset=app. With "poison",
record j=2 also carries the attribute poison (es_server.py's reject
marker). Prints each answer's status, one per line.

    send.py <port> <first> <count> [poison]
"""
import json
import sys
import urllib.request

port, first, count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
poison = len(sys.argv) > 4


def post(path, body):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def kv(k, v):
    if isinstance(v, int):
        return {"key": k, "value": {"intValue": str(v)}}
    return {"key": k, "value": {"stringValue": v}}


for n in range(first, first + count):
    res = {"attributes": [kv("service.name", "svc%d" % (n % 3))]}
    scope = {"name": "es-test", "version": "1"}
    ts = 1700000000000000000 + (n % 1000) * 1000000
    records = []
    for j in range(5):
        attrs = [kv("k", n)]
        if n % 2 == 0:
            attrs.append(kv("data_stream.dataset", "app"))
        if poison and j == 2:
            attrs.append(kv("poison", "yes"))
        records.append({"timeUnixNano": str(ts), "observedTimeUnixNano": str(ts + 5), "severityNumber": 9,
                        "severityText": "INFO", "body": {"stringValue": "log r%d-%d" % (n, j)},
                        "attributes": attrs, "traceId": "%032x" % (n + 1), "spanId": "%016x" % (j + 1)})
    logs = {"resourceLogs": [{"resource": res, "scopeLogs": [{"scope": scope, "logRecords": records}]}]}
    spans = [{"traceId": "%032x" % (n + 1), "spanId": "%016x" % (j + 1), "name": "r%d-%d" % (n, j), "kind": 2,
              "startTimeUnixNano": str(ts), "endTimeUnixNano": str(ts + 1000000), "attributes": [kv("k", n)],
              "events": [{"timeUnixNano": str(ts + 10), "name": "ev", "attributes": [kv("ev.k", "v")]}]}
             for j in range(5)]
    traces = {"resourceSpans": [{"resource": res, "scopeSpans": [{"scope": scope, "spans": spans}]}]}
    print(post("/v1/logs", logs))
    print(post("/v1/traces", traces))
