#!/usr/bin/env python3
"""Deterministic gRPC workload for tailsamp_grpc.sh (protobuf by hand: no
protobuf module here). One round is one ExportTraceServiceRequest whose
traces all arrive together, so tail_sampling decides them in one tick.

    grpc_workload.py make <dir> <round>     write <dir>/round<round>.pb and
                                            append the traces that must be kept
                                            (id, span count) to <dir>/expect.txt
    grpc_workload.py check <dir> <out.jsonl> compare the file exporter's output
                                            with expect.txt: every kept trace
                                            whole, nothing else

Groups (attribute `group` on the resource) and the policies of the test:
  rate  20 traces x 5 spans; and[group=rate, rate_limiting 50/s]: the first
        10 of the round (50 spans in the tick's second)
  comp  10 error + 10 ok traces x 4 spans, interleaved; composite of 40
        spans/s: c-err (and[group=comp, ERROR], 50 %) and c-any (group=comp,
        50 %): the first 5 error and the first 5 ok traces
  and   and[group=and, ERROR, span_count >= 3]: 6 error traces of 3 spans
        kept; 6 error traces of 2 spans and 6 ok traces of 3 dropped
  keep  string_attribute group=keep: 6 traces of 2 spans kept; 6 more with
        drop.me=yes on one span: the drop policy removes them
Spans of a trace are spread over two resource entries (the same group).
"""
import json
import struct
import sys


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)


def ld(num, payload):
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def fixed64(num, v):
    return varint(num << 3 | 1) + struct.pack("<Q", v)


def kv(key, value):
    return ld(1, key.encode()) + ld(2, ld(1, value.encode()))


T0 = 1_700_000_000_000_000_000


def span(tid, i, error, attrs):
    sid = struct.pack(">Q", (int.from_bytes(tid[8:], "big") << 8 | i + 1) & (1 << 64) - 1)
    b = ld(1, tid) + ld(2, sid) + ld(5, ("s%d" % i).encode()) + varint(6 << 3) + varint(1)
    b += fixed64(7, T0 + i * 1000) + fixed64(8, T0 + i * 1000 + 500)
    for k, v in attrs:
        b += ld(9, kv(k, v))
    if error:
        b += ld(15, varint(3 << 3) + varint(2))  # Status.code = ERROR
    return b


def resource_spans(group, spans):
    res = ld(1, ld(1, kv("group", group)) + ld(1, kv("service.name", "svc-" + group)))
    scope = ld(1, ld(1, b"tailsamp-grpc")) + b"".join(ld(2, s) for s in spans)
    return ld(1, res + ld(2, scope))


def trace_id(rnd, n):
    return struct.pack(">QQ", 0x7A11_0000 + rnd, n * 0x9E3779B97F4A7C15 & (1 << 64) - 1 | 1)


def make(d, rnd):
    traces = []  # (group, tid, nspans, error, drop, keep)
    n = 0

    def add(group, nspans, error, keep, drop=False):
        nonlocal n
        n += 1
        traces.append((group, trace_id(rnd, n), nspans, error, drop, keep))

    for i in range(20):
        add("rate", 5, False, i < 10)
    for i in range(10):
        add("comp", 4, True, i < 5)
        add("comp", 4, False, i < 5)
    for i in range(6):
        add("and", 3, True, True)
        add("and", 2, True, False)
        add("and", 3, False, False)
    for i in range(6):
        add("keep", 2, False, True)
        add("keep", 2, False, False, drop=True)
    # the first span of every trace, in trace order, comes first (arrival
    # order is decision order); the others follow in a second entry per group
    body = b""
    for part in (0, 1):
        by_group = {}
        for group, tid, nspans, error, drop, _ in traces:
            idx = [0] if part == 0 else list(range(1, nspans))
            for i in idx:
                attrs = [("drop.me", "yes")] if drop and i == nspans - 1 else []
                by_group.setdefault(group, []).append(span(tid, i, error, attrs))
        for group, spans in by_group.items():
            body += resource_spans(group, spans)
    open("%s/round%s.pb" % (d, rnd), "wb").write(body)
    with open("%s/expect.txt" % d, "a") as f:
        for group, tid, nspans, _, _, keep in traces:
            if keep:
                f.write("%s %d %s\n" % (tid.hex(), nspans, group))
    print(sum(t[2] for t in traces if t[5]))


def out_traces(path):
    got = {}
    for line in open(path):
        if not line.strip():
            continue
        for rs in json.loads(line).get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                for sp in ss.get("spans", []):
                    tid = sp["traceId"].lower()
                    got.setdefault(tid, set()).add(sp["spanId"])
    return got


def check(d, path):
    want = {}
    for line in open("%s/expect.txt" % d):
        tid, n, group = line.split()
        want[tid] = (int(n), group)
    got = out_traces(path)
    bad = 0
    for tid, (n, group) in want.items():
        if len(got.get(tid, ())) != n:
            print("kept %s trace %s: %d of %d spans" % (group, tid, len(got.get(tid, ())), n))
            bad += 1
    for tid in got.keys() - want.keys():
        print("trace %s should have been dropped (%d spans)" % (tid, len(got[tid])))
        bad += 1
    return bad == 0


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "count":
        print(sum(len(s) for s in out_traces(sys.argv[2]).values()) if
              __import__("os").path.exists(sys.argv[2]) else 0)
    else:
        sys.exit(0 if check(sys.argv[2], sys.argv[3]) else 1)
