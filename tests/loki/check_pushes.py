#!/usr/bin/env python3
"""Assertions on what tests/loki/loki_server.py received (its /_pushes),
one function per test mode of loki.sh. Exits 1 with the reasons."""
import json
import sys

fails = []


def check(cond, msg):
    if not cond:
        fails.append(msg)


def by_labels(push):
    return {s["labels"]: s for s in push["streams"]}


def labels(pushes):
    """One push holding both resources' streams, labelled as documented."""
    check(len(pushes) == 1, "want exactly one push for one batch, got %d" % len(pushes))
    if not pushes:
        return
    p = pushes[0]
    check(p["tenant"] == "team-a", "static tenant_id: X-Scope-OrgID %r" % p["tenant"])
    check(p["content_type"] == "application/x-protobuf", "content type %r" % p["content_type"])
    st = by_labels(p)
    web = '{deployment_environment="prod", k8s_namespace_name="shop", service_name="web", team="payments"}'
    # level sorts between k8s_namespace_name and service_name
    web_err = ('{deployment_environment="prod", k8s_namespace_name="shop", level="error", '
               'service_name="web", team="payments"}')
    anon = '{odd_name_x="q\\"uote\\\\back\\nline", service_name="unknown_service"}'
    check(set(st) == {web, web_err, anon}, "streams %s" % sorted(st))
    if web in st:
        ents = st[web]["entries"]
        check([e[0] for e in ents] == sorted(e[0] for e in ents), "stream %s not in timestamp order" % web)
        check([e[1] for e in ents] == ["first", "second", "third"], "lines %s" % [e[1] for e in ents])
        sm = ents[0][2]
        want = {"trace_id": "0102030405060708090a0b0c0d0e0f10", "span_id": "1112131415161718",
                "severity_text": "INFO", "http_method": "GET", "k8s_pod_name": "web-7f9c",
                "service_instance_id": "i-1"}
        check(sm == want, "structured metadata %s, want %s" % (sm, want))
    if web_err in st:
        e = st[web_err]["entries"]
        check(len(e) == 1 and json.loads(e[0][1]) == {"code": 500, "msg": "boom"},
              "structured body: %s" % e)
        check("level" not in e[0][2], "a label attribute is also in structured metadata: %s" % e[0][2])
    if anon in st:
        e = st[anon]["entries"]
        check([x[1] for x in e] == ["anon"], "anonymous stream lines %s" % e)
        check("loki_resource_labels" not in e[0][2], "hint attribute leaked: %s" % e[0][2])


def json_mode(pushes):
    check(len(pushes) == 1, "want one push, got %d" % len(pushes))
    if not pushes:
        return
    p = pushes[0]
    check(p["content_type"] == "application/json", "content type %r" % p["content_type"])
    check(p["tenant"] is None, "no tenant configured but got %r" % p["tenant"])
    st = p["streams"]
    check(len(st) == 1 and st[0]["stream"] == {"service_name": "api"}, "streams %s" % st)
    if not st:
        return
    ents = st[0]["entries"]
    check([e[0] for e in ents] == sorted(e[0] for e in ents), "not in timestamp order")
    line = json.loads(ents[0][1])
    want = {"body": "hello", "traceid": "0102030405060708090a0b0c0d0e0f10",
            "spanid": "1112131415161718", "severity": "WARN",
            "attributes": {"user": "u1"}, "resources": {"service.name": "api"},
            "instrumentation_scope": {"name": "lib", "version": "1.0"}}
    check(line == want, "json line %s, want %s" % (line, want))
    check(ents[0][2].get("user") == "u1" and ents[0][2].get("severity_text") == "WARN",
          "structured metadata %s" % ents[0][2])


def tenant(pushes):
    tenants = sorted((p["tenant"] or "") for p in pushes)
    check(tenants == ["acme", "fallback", "globex"], "one push per tenant, got %s" % tenants)
    for p in pushes:
        lines = sorted(e[1] for s in p["streams"] for e in s["entries"])
        check(lines == ["%s-%d" % (p["tenant"], i) for i in range(3)],
              "tenant %s got %s" % (p["tenant"], lines))


def exactly_once(pushes, n):
    lines = [e[1] for p in pushes for s in p["streams"] for e in s["entries"]]
    want = ["r%d-%d" % (i, j) for i in range(n) for j in range(5)]
    dup = sorted({x for x in lines if lines.count(x) > 1})
    check(not dup, "duplicates: %s" % dup[:5])
    check(sorted(set(lines)) == sorted(want), "missing %s" % sorted(set(want) - set(lines))[:5])


if __name__ == "__main__":
    mode = sys.argv[1]
    pushes = json.load(sys.stdin)
    if mode == "labels":
        labels(pushes)
    elif mode == "json":
        json_mode(pushes)
    elif mode == "tenant":
        tenant(pushes)
    elif mode == "once":
        exactly_once(pushes, int(sys.argv[2]))
    for f in fails:
        print("FAIL: " + f)
    sys.exit(1 if fails else 0)
