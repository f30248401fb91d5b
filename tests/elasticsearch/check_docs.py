#!/usr/bin/env python3
"""Checks what es_server.py stored (GET /_docs on stdin) against what
elasticsearch.sh sent: R requests of 5 log records "log r<n>-<j>" and 5
spans "r<n>-<j>" (one event "ev" each). Every record and span must be
indexed exactly once, in the right index with the right action, with its
fields intact for the mapping mode.

    check_docs.py <mode: otel|ecs|raw|none|index|alias> <first> <count> [skip-poison]

index: mapping none into the plain indices otlpd-logs / otlpd-spans;
alias: the same through those names as rollover aliases, so stored in
their write indices otlpd-logs-000001 / otlpd-spans-000001.
"""
import json
import sys

mode, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
skip_poison = len(sys.argv) > 4
docs = json.load(sys.stdin)
errors = []


def want(cond, msg):
    if not cond and len(errors) < 10:
        errors.append(msg)


def once(label, got, expected):
    dup = sorted({x for x in got if got.count(x) > 1})
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    want(not dup and not missing and not extra,
         "%s: %d docs; duplicates %s; missing %s; unexpected %s" % (label, len(got), dup[:5], missing[:5], extra[:5]))


names = [(n, j) for n in range(first, first + count) for j in range(5)]
poison = lambda n, j: skip_poison and j == 2  # noqa: E731
want_logs = ["log r%d-%d" % (n, j) for n, j in names if not poison(n, j)]
want_spans = ["r%d-%d" % nj for nj in names]
logs, spans, events = [], [], []
for d in docs:
    s, idx, op = d["source"], d["_index"], d["op"]
    if mode == "otel":
        if "body" in s:
            text = s["body"]["text"]
            n = int(text.split("r")[1].split("-")[0])
            ds = "app.otel" if n % 2 == 0 else "generic.otel"
            want(idx == "logs-%s-default" % ds, "%s went to %s" % (text, idx))
            want(op == "create", "%s: action %s" % (text, op))
            want(s["data_stream"] == {"type": "logs", "dataset": ds, "namespace": "default"},
                 "%s: data_stream %s" % (text, s.get("data_stream")))
            want(s["attributes"].get("k") == n, "%s: attributes %s" % (text, s.get("attributes")))
            want("data_stream.dataset" not in s["attributes"], "%s: routing attribute copied" % text)
            want(s["resource"]["attributes"]["service.name"] == "svc%d" % (n % 3), "%s: resource %s" % (text, s["resource"]))
            want(s.get("severity_text") == "INFO" and s.get("severity_number") == 9, "%s: severity" % text)
            want(s["scope"].get("name") == "es-test", "%s: scope %s" % (text, s["scope"]))
            want(s["trace_id"] == "%032x" % (n + 1), "%s: trace_id %s" % (text, s.get("trace_id")))
            want(s["@timestamp"] == "1700000000%03d.000000" % (n % 1000), "%s: @timestamp %s" % (text, s["@timestamp"]))
            logs.append(text)
        elif "event_name" in s:
            want(idx == "logs-generic.otel-default", "span event went to %s" % idx)
            want(s["attributes"].get("event.name") == "ev" and s["attributes"].get("ev.k") == "v",
                 "span event attributes %s" % s.get("attributes"))
            events.append((s["trace_id"], s["span_id"]))
        else:
            want(idx == "traces-generic.otel-default", "%s went to %s" % (s.get("name"), idx))
            want(op == "create", "span action %s" % op)
            want(s.get("kind") == "Server" and s["status"].get("code") == "Unset", "span kind/status %s" % s)
            want(s["duration"] == 1000000, "span duration %s" % s.get("duration"))
            want(s["attributes"].get("k") == int(s["name"].split("-")[0][1:]), "span attributes %s" % s.get("attributes"))
            spans.append(s["name"])
    elif mode == "ecs":
        want(s["@timestamp"].startswith("2023-11-14T22:13:20."),
             "@timestamp %s" % s.get("@timestamp"))
        if "message" in s:
            text = s["message"]
            n = int(text.split("r")[1].split("-")[0])
            ds = "app" if n % 2 == 0 else "generic"
            want(idx == "logs-%s-default" % ds and op == "create", "%s went to %s (%s)" % (text, idx, op))
            want(s["data_stream"] == {"type": "logs", "dataset": ds, "namespace": "default"},
                 "%s: data_stream %s" % (text, s.get("data_stream")))
            want(s["@timestamp"] == "2023-11-14T22:13:20.%03d000000Z" % (n % 1000), "%s: @timestamp %s" % (text, s["@timestamp"]))
            want(s.get("k") == n, "%s: attribute k at the top level: %s" % (text, s))
            want(s.get("service") == {"name": "svc%d" % (n % 3)}, "%s: service %s" % (text, s.get("service")))
            want(s.get("log") == {"level": "INFO"} and s.get("event") == {"severity": 9}, "%s: level/severity %s" % (text, s))
            want(s.get("trace", {}).get("id") == "%032x" % (n + 1), "%s: trace.id %s" % (text, s.get("trace")))
            want(s.get("agent") == {"name": "otlp"}, "%s: agent %s" % (text, s.get("agent")))
            logs.append(text)
        else:
            sp = s.get("span", {})
            want(idx == "traces-generic-default" and op == "create", "span went to %s (%s)" % (idx, op))
            want(sp.get("kind") == "SERVER" and "id" in sp, "span fields %s" % sp)
            want(s.get("k") == int(sp.get("name", "r0-0").split("-")[0][1:]), "span attribute k: %s" % s)
            want(s.get("service") == {"name": "svc%d" % (int(sp.get("name", "r0-0").split("-")[0][1:]) % 3)},
                 "span service %s" % s.get("service"))
            spans.append(sp.get("name"))
    else:
        plain = mode in ("index", "alias")
        where = (lambda a: a + "-000001") if mode == "alias" else (lambda a: a)  # noqa: E731
        via = d.get("target", idx)
        if "Body" in s:
            text = s["Body"]
            n = int(text.split("r")[1].split("-")[0])
            if plain:
                want(idx == where("otlpd-logs") and via == "otlpd-logs" and op == "index",
                     "%s went to %s via %s (%s)" % (text, idx, via, op))
            else:
                want(idx == "logs-%s-default" % ("app" if n % 2 == 0 else "generic"), "%s went to %s" % (text, idx))
                want(op == "create", "%s: action %s" % (text, op))
            key = "k" if mode == "raw" else "Attributes.k"
            want(s.get(key) == n, "%s: %s missing in %s" % (text, key, s))
            want(s.get("Resource.service.name") == "svc%d" % (n % 3), "%s: resource" % text)
            want(s.get("SeverityText") == "INFO" and s.get("TraceId") == "%032x" % (n + 1), "%s: fields %s" % (text, s))
            logs.append(text)
        else:
            if plain:
                want(idx == where("otlpd-spans") and via == "otlpd-spans" and op == "index",
                     "span went to %s via %s (%s)" % (idx, via, op))
            else:
                want(idx == "traces-generic-default", "span went to %s" % idx)
            want(s.get("Kind") == "SPAN_KIND_SERVER" and s.get("Duration") == 1000, "span fields %s" % s)
            ev = "ev.time" if mode == "raw" else "Events.ev.time"
            want(ev in s and s.get(ev.replace("time", "ev.k")) == "v", "span events (%s) in %s" % (ev, s))
            spans.append(s["Name"])

once("logs", logs, want_logs)
once("spans", spans, want_spans)
if mode == "otel":
    want(len(events) == len(want_spans) and len(set(events)) == len(events),
         "span events: %d for %d spans" % (len(events), len(want_spans)))
if errors:
    print("\n".join(errors))
    sys.exit(1)
print("%s: %d logs, %d spans%s, each exactly once, fields intact" % (
    mode, len(logs), len(spans), ", %d span events" % len(events) if mode == "otel" else ""))
