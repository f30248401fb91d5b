#!/usr/bin/env python3
"""Fixtures and checks for tailsamp.sh.

  traces.py make <dir> <ntraces> <requests>
      req-<k>.json: every trace has one span in each request. Trace t is an
      error trace when t % 5 == 0 (its span in request 1 has status ERROR)
      and a slow one when t % 7 == 3 (its span in request 2 lasts 2 s);
      the others last 10 ms. late.json: one more span of every trace.
      expect.txt: the ids tail sampling must keep.
  traces.py count <out.jsonl>
      prints the number of spans in the file exporter's output.
  traces.py check <dir> <out.jsonl> <spans per kept trace>
      the output holds exactly the expected traces, each with all its spans
      (span ids unique), and nothing else.
  traces.py flood <dir> <ntraces>
      flood.json: ntraces error traces of one span each.
"""
import json
import os
import sys

BASE = 1700000000 * 10**9


def tid(t, salt=0):
    return '%016x%016x' % (0x5EED0000 + salt, t * 2654435761 % (1 << 64))


def span(t, k, dur_ms, error, salt=0):
    s = {'traceId': tid(t, salt), 'spanId': '%08x%08x' % (t + 1, k + 1), 'name': 's%d' % k,
         'kind': 1, 'startTimeUnixNano': str(BASE + t * 10**6),
         'endTimeUnixNano': str(BASE + t * 10**6 + dur_ms * 10**6)}
    if error:
        s['status'] = {'code': 2, 'message': 'boom'}
    return s


def request(spans):
    return {'resourceSpans': [{'resource': {'attributes': [
        {'key': 'service.name', 'value': {'stringValue': 'shop'}}]},
        'scopeSpans': [{'scope': {'name': 'tailsamp-test'}, 'spans': spans}]}]}


def make(d, n, nreq):
    keep = []
    for k in range(nreq):
        spans = [span(t, k, 2000 if (t % 7 == 3 and k == 2) else 10, t % 5 == 0 and k == 1)
                 for t in range(n)]
        json.dump(request(spans), open(os.path.join(d, 'req-%d.json' % k), 'w'))
    json.dump(request([span(t, nreq, 10, False) for t in range(n)]), open(os.path.join(d, 'late.json'), 'w'))
    keep = [tid(t) for t in range(n) if t % 5 == 0 or t % 7 == 3]
    open(os.path.join(d, 'expect.txt'), 'w').write('\n'.join(keep) + '\n')


def spans_of(path):
    out = []
    if not os.path.exists(path):
        return out
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        for rs in json.loads(line).get('resourceSpans', []):
            for ss in rs.get('scopeSpans', []):
                out.extend(ss.get('spans', []))
    return out


def check(d, path, per_trace):
    want = set(open(os.path.join(d, 'expect.txt')).read().split())
    got = {}
    ids = set()
    for s in spans_of(path):
        got.setdefault(s['traceId'].lower(), []).append(s)
        key = (s['traceId'], s['spanId'])
        if key in ids:
            print('duplicate span', key)
            return 1
        ids.add(key)
    bad = 0
    if set(got) != want:
        print('kept traces differ: missing %d, unexpected %d' % (len(want - set(got)), len(set(got) - want)))
        bad = 1
    for t, spans in got.items():
        if len(spans) != per_trace:
            print('trace %s has %d spans, want %d' % (t, len(spans), per_trace))
            bad = 1
    print('kept %d traces, %d spans' % (len(got), sum(len(v) for v in got.values())))
    return bad


def flood(d, n):
    json.dump(request([span(t, 0, 10, True, salt=1) for t in range(n)]), open(os.path.join(d, 'flood.json'), 'w'))


if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'make':
        make(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == 'count':
        print(len(spans_of(sys.argv[2])))
    elif cmd == 'check':
        sys.exit(check(sys.argv[2], sys.argv[3], int(sys.argv[4])))
    elif cmd == 'flood':
        flood(sys.argv[2], int(sys.argv[3]))
