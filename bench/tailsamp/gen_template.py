#!/usr/bin/env python3
"""A protobuf ExportTraceServiceRequest template for the tail-sampling
bench: TRACES traces of 10 spans (one resource, one scope), every 5th
trace with an ERROR span, every 7th lasting 2 s. Writes the request cut at
each span's 16 trace id bytes (seg-<i>.bin, i = 0..n) and the trace index
of each cut (cuts.txt), so that post.lua can put fresh trace ids in."""
import os
import struct
import sys


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def field(num, wire, payload):
    tag = varint(num << 3 | wire)
    if wire == 2:
        return tag + varint(len(payload)) + payload
    return tag + payload


def kv(key, val):
    return field(1, 2, key.encode()) + field(2, 2, field(1, 2, val.encode()))


MARK = b'\xAA' * 16  # placeholder for a trace id


def span(t, k):
    base = 1700000000 * 10**9 + t * 1000
    dur = 2 * 10**9 if (t % 7 == 3 and k == 0) else 5 * 10**6
    s = (field(1, 2, MARK) + field(2, 2, struct.pack('>II', t, k)) + field(5, 2, b'GET /api/item') +
         field(6, 0, varint(2)) + field(7, 1, struct.pack('<Q', base)) + field(8, 1, struct.pack('<Q', base + dur)) +
         field(9, 2, kv('http.route', '/api/item')) + field(9, 2, kv('http.method', 'GET')))
    if t % 5 == 0 and k == 3:
        s += field(15, 2, field(3, 0, varint(2)))
    return field(2, 2, s)


def main(d, traces):
    spans = b''.join(span(t, k) for t in range(traces) for k in range(10))
    scope = field(2, 2, field(1, 2, field(1, 2, b'bench')) + spans)
    res = field(1, 2, field(1, 2, kv('service.name', 'shop')) + field(1, 2, kv('host.name', 'bench-host')))
    req = field(1, 2, res + scope)
    parts = req.split(MARK)
    assert len(parts) == traces * 10 + 1
    os.makedirs(d, exist_ok=True)
    for i, p in enumerate(parts):
        open(os.path.join(d, 'seg-%d.bin' % i), 'wb').write(p)
    open(os.path.join(d, 'cuts.txt'), 'w').write('\n'.join(str(i // 10) for i in range(traces * 10)) + '\n')


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]))
