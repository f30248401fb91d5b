#!/usr/bin/env python3
"""elasticsearch.index routing, end to end.

    routed.py send <port> <count>   posts <count> OTLP-JSON log requests
    routed.py check <count>         reads es_server.py's /_docs on stdin

Each request has a resource with elasticsearch.index=res-idx holding scope
"a" (elasticsearch.index=scope-idx) and scope "b" (none), each with three
records: j=0 carries elasticsearch.index=rec-idx, j=1 data_stream.dataset=ds
(an index attribute above it wins), j=2 nothing; and a second resource
without any index attribute (one record: the data stream). Expected: the
record's index, else the scope's, else the resource's, else the data
stream; `create` actions; the attribute never in the document.
"""
import json
import sys
import urllib.request


def kv(k, v):
    return {"key": k, "value": {"stringValue": v}}


def request(n):
    def rec(scope, j):
        attrs = [kv("n", str(n))]
        if j == 0:
            attrs.append(kv("elasticsearch.index", "rec-idx"))
        if j == 1:
            attrs.append(kv("data_stream.dataset", "ds"))
        return {"timeUnixNano": "1700000000000000000", "body": {"stringValue": "r%d-%s-%d" % (n, scope, j)},
                "attributes": attrs}
    scopes = [{"scope": {"name": "a", "attributes": [kv("elasticsearch.index", "scope-idx")]},
               "logRecords": [rec("a", j) for j in range(3)]},
              {"scope": {"name": "b"}, "logRecords": [rec("b", j) for j in range(3)]}]
    return {"resourceLogs": [
        {"resource": {"attributes": [kv("service.name", "s"), kv("elasticsearch.index", "res-idx")]},
         "scopeLogs": scopes},
        {"resource": {"attributes": [kv("service.name", "t")]},
         "scopeLogs": [{"scope": {"name": "c"}, "logRecords": [rec("c", 2)]}]}]}


def send(port, count):
    for n in range(count):
        req = urllib.request.Request("http://127.0.0.1:%d/v1/logs" % port, data=json.dumps(request(n)).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            print(r.status)


EXPECTED = {"a-0": "rec-idx", "a-1": "scope-idx", "a-2": "scope-idx",
            "b-0": "rec-idx", "b-1": "res-idx", "b-2": "res-idx", "c-2": "logs-generic.otel-default"}


def check(count):
    docs = json.load(sys.stdin)
    seen = {}
    bad = []
    for d in docs:
        src = d["source"]
        body = src.get("body", {}).get("text", "")
        n, scope, j = body[1:].split("-")
        key = "%s-%s" % (scope, j)
        seen[(int(n), key)] = seen.get((int(n), key), 0) + 1
        if d["_index"] != EXPECTED[key]:
            bad.append("%s went to %s, want %s" % (body, d["_index"], EXPECTED[key]))
        if d["op"] != "create":
            bad.append("%s: action %s, want create" % (body, d["op"]))
        if "elasticsearch.index" in json.dumps(src):
            bad.append("%s: elasticsearch.index is in the document" % body)
        if key != "c-2" and "data_stream" in src:
            bad.append("%s: data_stream fields in a document routed to an index" % body)
    for n in range(count):
        for key in EXPECTED:
            if seen.get((n, key)) != 1:
                bad.append("r%d-%s stored %d times" % (n, key, seen.get((n, key), 0)))
    for b in bad[:20]:
        print("routed.py:", b, file=sys.stderr)
    if bad:
        sys.exit(1)
    print("routed: %d documents, each in its index once" % len(docs))


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(int(sys.argv[2]), int(sys.argv[3]))
    else:
        check(int(sys.argv[2]))
