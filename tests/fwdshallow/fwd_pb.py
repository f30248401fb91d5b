#!/usr/bin/env python3
"""OTLP protobuf helpers for tests/fwdshallow (python3 has no protobuf module).

  fwd_pb.py make <signal> <out> <first>   one Export{Trace,Logs}ServiceRequest:
                                          3 resources x 2 scopes x 7 items, item
                                          numbers from <first>; scope 1 has a
                                          schema_url
  fwd_pb.py items <signal> <out.json> <file.pb>...
                                          every item of the requests in the file
                                          exporter's proto files, as hex of its
                                          exact bytes with its resource's
                                          service.name and scope name
  fwd_pb.py same <sent.json> <got.json> <label>
                                          got holds each sent item exactly once,
                                          byte-identical, under the same resource
                                          and scope
  fwd_pb.py edited <sent.json> <got.json> <key> <label>
                                          got holds each sent item once (matched by
                                          its name), each with attribute <key> added

Resource{Spans,Logs} and Scope{Spans,Logs} share field numbers (resource 1,
scopes 2; scope 1, items 2), so one walker reads both signals.
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


def span(i):
    return (field(1, struct.pack(">QQ", 7, i)) + field(2, struct.pack(">Q", 0x100 + i)) +
            field(5, ("item%d" % i).encode()) + fixed64(7, 1_700_000_000_000_000_000 + i) +
            fixed64(8, 1_700_000_000_000_000_500 + i) + field(9, kv("http.route", "/r/%d" % i)))


def log_record(i):
    return (fixed64(1, 1_700_000_000_000_000_000 + i) + field(5, field(1, ("item%d" % i).encode())) +
            field(6, kv("log.n", str(i))))


def request(signal, first):
    item = span if signal == "traces" else log_record
    body, n = b"", first
    for r in range(3):
        res = field(1, field(1, kv("service.name", "svc%d" % r)))
        for s in range(2):
            scope = field(1, field(1, ("lib%d" % s).encode()) + field(2, b"1.0"))
            for _ in range(7):
                scope += field(2, item(n))
                n += 1
            if s:
                scope += field(3, b"https://example.com/schemas/1.0")
            res += field(2, scope)
        res += field(3, b"https://opentelemetry.io/schemas/1.21.0")
        body += field(1, res)
    return body


def fields(buf):
    i = 0
    while i < len(buf):
        tag, shift = 0, 0
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
            yield num, buf[i:i + 8]
            i += 8
        elif wt == 5:
            yield num, buf[i:i + 4]
            i += 4
        elif wt == 2:
            ln, shift = 0, 0
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


def service_of(resource):
    for n, a in fields(resource):
        if n == 1:
            d = dict(fields(a))
            if d.get(1) == b"service.name":
                return dict(fields(d[2]))[1].decode()
    return None


def items_of_request(rec):
    for num, res in fields(rec):
        if num != 1:
            continue
        svc, scopes = None, []
        for n2, v in fields(res):
            if n2 == 1:
                svc = service_of(v)
            elif n2 == 2:
                scopes.append(v)
        for sc in scopes:
            name = None
            items = []
            for n3, v in fields(sc):
                if n3 == 1:
                    name = dict(fields(v)).get(1, b"").decode()
                elif n3 == 2:
                    items.append(v)
            for it in items:
                yield [svc, name, it.hex()]


def file_items(path):
    data = open(path, "rb").read()
    i = 0
    while i < len(data):
        (ln,) = struct.unpack(">I", data[i:i + 4])
        yield from items_of_request(data[i + 4:i + 4 + ln])
        i += 4 + ln


def item_name(hexbytes):
    for n, v in fields(bytes.fromhex(hexbytes)):
        if n == 5:  # span name, or log body (AnyValue)
            return v.decode() if v[:1] != b"\x0a" else dict(fields(v))[1].decode()
    return None


def has_attr(hexbytes, key):
    for n, v in fields(bytes.fromhex(hexbytes)):
        if n in (9, 6):  # span / log record attributes
            if dict(fields(v)).get(1) == key.encode():
                return True
    return False


def main():
    cmd = sys.argv[1]
    if cmd == "make":
        sig, out, first = sys.argv[2], sys.argv[3], int(sys.argv[4])
        body = request(sig, first)
        open(out, "wb").write(body)
        with open(out + ".json", "w") as f:
            json.dump(list(items_of_request(body)), f)
        return 0
    if cmd == "items":
        got = []
        for p in sys.argv[4:]:
            got += list(file_items(p))
        json.dump(got, open(sys.argv[3], "w"))
        return 0
    sent = json.load(open(sys.argv[2]))
    got = json.load(open(sys.argv[3]))
    if cmd == "same":
        label = sys.argv[4]
        a, b = sorted(map(tuple, sent)), sorted(map(tuple, got))
        if a != b:
            missing = set(a) - set(b)
            print("%s: %d items, want %d; %d missing or changed; duplicates: %d" %
                  (label, len(b), len(a), len(missing), len(b) - len(set(b))))
            return 1
        print("%s: %d items, each once and byte-identical" % (label, len(b)))
        return 0
    if cmd == "edited":
        key, label = sys.argv[4], sys.argv[5]
        want = sorted((s, sc, item_name(h)) for s, sc, h in sent)
        have = sorted((s, sc, item_name(h)) for s, sc, h in got)
        bad = [h for _, _, h in got if not has_attr(h, key)]
        if want != have or bad:
            print("%s: %d items, want %d; %d without %s" % (label, len(have), len(want), len(bad), key))
            return 1
        print("%s: %d items, each once, each with %s" % (label, len(have), key))
        return 0
    print("unknown command " + cmd)
    return 2


if __name__ == "__main__":
    sys.exit(main())
