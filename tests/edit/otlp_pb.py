#!/usr/bin/env python3
"""Tiny OTLP protobuf helpers for tests/edit (python3 has no protobuf module).

  otlp_pb.py traces <out>      write an ExportTraceServiceRequest: 2 resources, 3 spans
  otlp_pb.py logs <out>        write an ExportLogsServiceRequest: 2 resources, 3 log records
  otlp_pb.py check <dir> <key> <value>
                               read a_json/a_proto/b_json/b_proto outputs of edit.sh and
                               check A has key=value on every resource, B on none, and
                               that all four saw the same items

Only the fields used here are encoded/decoded. ResourceSpans/ResourceLogs
and ScopeSpans/ScopeLogs share field numbers (resource 1, scopes 2; scope
1, items 2), so one walker reads both signals.
"""
import json
import struct
import sys


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, payload):  # length-delimited
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def fixed64(num, value):
    return varint(num << 3 | 1) + struct.pack("<Q", value)


def kv(key, value):
    return field(1, key.encode()) + field(2, field(1, value.encode()))


def resource(service):
    return field(1, field(1, kv("service.name", service)))


def span(i):
    trace_id = bytes(range(1, 17))
    span_id = struct.pack(">Q", 0x0102030405060700 + i)
    return field(1, trace_id) + field(2, span_id) + field(5, ("span%d" % i).encode())


def log_record(i):
    return fixed64(1, 1_700_000_000_000_000_000 + i) + field(5, field(1, ("log%d" % i).encode()))


def request(item, counts):
    body = b""
    n = 0
    for r, count in enumerate(counts):
        items = b""
        for _ in range(count):
            items += field(2, item(n))
            n += 1
        scope = field(1, field(1, b"lib")) + items
        body += field(1, resource("svc%d" % r) + field(2, scope))
    return body


def fields(buf):
    i = 0
    while i < len(buf):
        tag = 0
        shift = 0
        while True:
            b = buf[i]
            i += 1
            tag |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        num, wt = tag >> 3, tag & 7
        if wt == 0:
            while buf[i] & 0x80:
                i += 1
            i += 1
            yield num, None
        elif wt == 1:
            i += 8
            yield num, None
        elif wt == 5:
            i += 4
            yield num, None
        elif wt == 2:
            ln = 0
            shift = 0
            while True:
                b = buf[i]
                i += 1
                ln |= (b & 0x7F) << shift
                shift += 7
                if not b & 0x80:
                    break
            yield num, buf[i:i + ln]
            i += ln
        else:
            raise ValueError("wire type %d" % wt)


def pb_resources(path):
    """(attributes dict, item count) per resource of every record of a proto file."""
    data = open(path, "rb").read()
    i = 0
    while i < len(data):
        (ln,) = struct.unpack(">I", data[i:i + 4])
        rec = data[i + 4:i + 4 + ln]
        i += 4 + ln
        for num, res in fields(rec):
            if num != 1:
                continue
            attrs, items = {}, 0
            for n2, v in fields(res):
                if n2 == 1:
                    for n3, a in fields(v):
                        if n3 == 1:
                            d = dict(fields(a))
                            val = dict(fields(d.get(2, b"")))
                            attrs[d[1].decode()] = val.get(1, b"").decode()
                elif n2 == 2:
                    items += sum(1 for n3, _ in fields(v) if n3 == 2)
            yield attrs, items


def json_resources(path):
    for line in open(path):
        req = json.loads(line)
        for key, scopes_key, items_key in (("resourceSpans", "scopeSpans", "spans"),
                                           ("resourceLogs", "scopeLogs", "logRecords")):
            for res in req.get(key, []):
                attrs = {a["key"]: a["value"].get("stringValue", "")
                         for a in res.get("resource", {}).get("attributes", [])}
                items = sum(len(s.get(items_key, [])) for s in res.get(scopes_key, []))
                yield attrs, items


def check(d, key, value, want_items):
    bad = 0
    outs = {
        "a_json": list(json_resources(d + "/a.jsonl")),
        "a_proto": list(pb_resources(d + "/a.pb")),
        "b_json": list(json_resources(d + "/b.jsonl")),
        "b_proto": list(pb_resources(d + "/b.pb")),
    }
    for name, res in outs.items():
        items = sum(n for _, n in res)
        if items != want_items:
            print("FAIL: %s has %d items, want %d" % (name, items, want_items))
            bad += 1
        for attrs, _ in res:
            if "service.name" not in attrs:
                print("FAIL: %s lost service.name: %s" % (name, attrs))
                bad += 1
            has = attrs.get(key) == value
            if name.startswith("a") and not has:
                print("FAIL: %s: resource without %s=%s: %s" % (name, key, value, attrs))
                bad += 1
            if name.startswith("b") and key in attrs:
                print("FAIL: %s: the edit of pipeline A leaked: %s" % (name, attrs))
                bad += 1
        print("%s: %d resources, %d items" % (name, len(res), items))
    return bad


def main():
    cmd = sys.argv[1]
    if cmd in ("traces", "logs"):
        item = span if cmd == "traces" else log_record
        open(sys.argv[2], "wb").write(request(item, [2, 1]))
        return 0
    if cmd == "check":
        return 1 if check(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])) else 0
    raise SystemExit("usage: otlp_pb.py traces|logs <out> | check <dir> <key> <value> <items>")


if __name__ == "__main__":
    sys.exit(main())
