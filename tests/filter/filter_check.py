#!/usr/bin/env python3
"""Inputs and expectations of tests/filter/filter.sh.

  filter_check.py write <dir>   write traces.json, metrics.json, logs.json
  filter_check.py check <dir>   compare a.jsonl (filtered) and b.jsonl (all) with what each must hold
"""
import json
import sys


def attr(k, v):
    return {"key": k, "value": {"stringValue": v}}


def res(name):
    return {"attributes": [attr("service.name", name)]}


def span(name, route=None, events=()):
    s = {"traceId": "0102030405060708090a0b0c0d0e0f10", "spanId": "01020304050607%02x" % (len(name) + 16 * len(events)),
         "name": name, "events": [{"name": e} for e in events]}
    if route:
        s["attributes"] = [attr("http.route", route)]
    return s


TRACES = {"resourceSpans": [
    {"resource": res("app"), "scopeSpans": [{"spans": [
        span("GET /health", "/health"), span("GET /x", "/x", ["debug.1", "keep.1"]), span("POST /y", "/y")]}]},
    {"resource": res("noisy"), "scopeSpans": [{"spans": [span("n1"), span("n2")]}]},
]}


def gauge(name, hosts):
    return {"name": name, "gauge": {"dataPoints": [{"asInt": "1", "attributes": [attr("host", h)]} for h in hosts]}}


METRICS = {"resourceMetrics": [{"resource": res("app"), "scopeMetrics": [{"metrics": [
    gauge("cpu", ["a", "b"]), gauge("only.b", ["b"]), gauge("drop.me", ["a"]), gauge("mem", ["a", "c"])]}]}]}


def log(body, sev):
    return {"severityNumber": sev, "body": {"stringValue": body}}


LOGS = {"resourceLogs": [{"resource": res("app"), "scopeLogs": [{"logRecords": [
    log("debug", 5), log("warn", 13), log("info", 9), log("error", 17)]}]}]}

# (signal, what A keeps, what B keeps)
WANT_A = {
    "spans": ["GET /x{keep.1}+a", "POST /y+a"],
    "metrics": ["cpu:a", "mem:a,c"],
    "logs": ["warn", "ERRor"],
}
WANT_B = {
    "spans": ["GET /health", "GET /x{debug.1,keep.1}", "POST /y", "n1", "n2"],
    "metrics": ["cpu:a,b", "only.b:b", "drop.me:a", "mem:a,c"],
    "logs": ["debug", "warn", "info", "error"],
}


def read(path):
    got = {"spans": [], "metrics": [], "logs": []}
    with open(path) as f:
        for line in f:
            req = json.loads(line)
            for rs in req.get("resourceSpans", []):
                for ss in rs.get("scopeSpans", []):
                    for s in ss.get("spans", []):
                        ev = [e["name"] for e in s.get("events", [])]
                        tag = [a["value"]["stringValue"] for a in s.get("attributes", []) if a["key"] == "tag"]
                        got["spans"].append(s["name"] + ("{" + ",".join(ev) + "}" if ev else "") +
                                            "".join("+" + t for t in tag))
            for rm in req.get("resourceMetrics", []):
                for sm in rm.get("scopeMetrics", []):
                    for m in sm.get("metrics", []):
                        hosts = [a["value"]["stringValue"] for dp in m["gauge"]["dataPoints"] for a in dp["attributes"]]
                        got["metrics"].append(m["name"] + ":" + ",".join(hosts))
            for rl in req.get("resourceLogs", []):
                for sl in rl.get("scopeLogs", []):
                    for lr in sl.get("logRecords", []):
                        got["logs"].append(lr["body"]["stringValue"])
    return {k: sorted(v) for k, v in got.items()}


def main():
    cmd, d = sys.argv[1], sys.argv[2]
    if cmd == "write":
        for name, body in (("traces", TRACES), ("metrics", METRICS), ("logs", LOGS)):
            with open("%s/%s.json" % (d, name), "w") as f:
                json.dump(body, f)
        return 0
    ok = True
    for out, want in (("a", WANT_A), ("b", WANT_B)):
        got = read("%s/%s.jsonl" % (d, out))
        for k in want:
            if got[k] != sorted(want[k]):
                print("%s %s: got %s, want %s" % (out, k, got[k], sorted(want[k])))
                ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
