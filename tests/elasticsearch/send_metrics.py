#!/usr/bin/env python3
"""Sends requests first..first+count-1 of metrics to otlpd's OTLP/HTTP
receiver as OTLP-JSON. Request n (resource service.name svc<n%3>, all
points at 1700000000.<n%1000> s): gauge cpu {core=0: n+0.5, core=1: n+1.5},
monotonic sum req {core=0: n, core=1: 2n}, histogram lat {core=0: bounds
[1,10], counts [1,0,2]}, summary rpc {core=1: sum n, count 3},
exponential histogram size {kind=x: scale 0, zero 1, positive [1,2]}:
7 data points that group into 3 documents. Prints each answer's status.

    send_metrics.py <port> <first> <count>
"""
import json
import sys
import urllib.request

port, first, count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])


def post(path, body):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def attr(k, v):
    return [{"key": k, "value": {"stringValue": v}}]


for n in range(first, first + count):
    ts = str(1700000000000000000 + (n % 1000) * 1000000)
    start = str(1600000000000000000)

    def dp(k, v, **extra):
        d = {"attributes": attr(k, v), "timeUnixNano": ts, "startTimeUnixNano": start}
        d.update(extra)
        return d

    metrics = [
        {"name": "cpu", "unit": "1", "gauge": {"dataPoints": [dp("core", "0", asDouble=n + 0.5),
                                                             dp("core", "1", asDouble=n + 1.5)]}},
        {"name": "req", "unit": "1", "sum": {"isMonotonic": True, "aggregationTemporality": 2,
                                             "dataPoints": [dp("core", "0", asInt=str(n)),
                                                            dp("core", "1", asInt=str(2 * n))]}},
        {"name": "lat", "unit": "1", "histogram": {"aggregationTemporality": 2, "dataPoints": [
            dp("core", "0", count="3", explicitBounds=[1, 10], bucketCounts=["1", "0", "2"])]}},
        {"name": "rpc", "unit": "1", "summary": {"dataPoints": [dp("core", "1", sum=float(n), count="3")]}},
        {"name": "size", "unit": "1", "exponentialHistogram": {"aggregationTemporality": 2, "dataPoints": [
            dp("kind", "x", count="4", scale=0, zeroCount="1", positive={"offset": 0, "bucketCounts": ["1", "2"]})]}},
    ]
    body = {"resourceMetrics": [{"resource": {"attributes": attr("service.name", "svc%d" % (n % 3))},
                                 "scopeMetrics": [{"scope": {"name": "es-test"}, "metrics": metrics}]}]}
    print(post("/v1/metrics", body))
