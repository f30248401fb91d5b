#!/usr/bin/env python3
"""Every expected body arrived exactly once, intact; nothing else arrived.

  check_bodies.py <expected (JSON string per line)> <file exporter JSON output> [--count] [--k8s]

--count: only print how many records the output holds (for polling).
--k8s: records whose body starts with "cri-" carry the pod's resource
attributes and log.iostream.
"""
import collections
import json
import sys


def records(path):
    out = []
    try:
        f = open(path)
    except FileNotFoundError:
        return out
    with f:
        for line in f:
            if not line.strip():
                continue
            try:
                req = json.loads(line)
            except ValueError:
                break  # a line still being written
            for rl in req.get('resourceLogs', []):
                res = {a['key']: a['value'] for a in rl.get('resource', {}).get('attributes', [])}
                for sl in rl.get('scopeLogs', []):
                    for r in sl.get('logRecords', []):
                        attrs = {a['key']: a['value'] for a in r.get('attributes', [])}
                        out.append((r.get('body', {}).get('stringValue'), res, attrs, r))
    return out


def main():
    expected_path, out_path = sys.argv[1], sys.argv[2]
    recs = records(out_path)
    if '--count' in sys.argv:
        print(len(recs))
        return 0
    want = collections.Counter(json.loads(l) for l in open(expected_path) if l.strip())
    got = collections.Counter(r[0] for r in recs)
    bad = 0
    missing = want - got
    extra = got - want
    dups = [b for b, n in got.items() if n > 1]
    if missing:
        print(f'{sum(missing.values())} expected bodies missing, e.g. {list(missing)[:3]}')
        bad = 1
    if extra:
        print(f'{sum(extra.values())} unexpected or duplicated bodies, e.g. {list(extra)[:3]}')
        bad = 1
    if dups:
        print(f'{len(dups)} bodies delivered more than once, e.g. {dups[:3]}')
        bad = 1
    if '--k8s' in sys.argv:
        for body, res, attrs, _ in recs:
            if not body or not body.startswith('cri-'):
                continue
            want_res = {'k8s.namespace.name': 'prod', 'k8s.pod.name': 'web-1', 'k8s.pod.uid': '8f2c-01',
                        'k8s.container.name': 'app', 'k8s.container.restart_count': '0'}
            for k, v in want_res.items():
                if res.get(k, {}).get('stringValue') != v:
                    print(f'record {body[:20]}: resource {k} = {res.get(k)}, want {v}')
                    bad = 1
                    break
            if attrs.get('log.iostream', {}).get('stringValue') not in ('stdout', 'stderr'):
                print(f'record {body[:20]}: no log.iostream')
                bad = 1
            if bad:
                break
    print(f'{len(recs)} records, {sum(want.values())} expected')
    return bad


sys.exit(main())
