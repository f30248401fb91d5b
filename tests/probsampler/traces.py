#!/usr/bin/env python3
"""Fixtures and checks for probsampler.sh.

  traces.py make <dir> <ntraces> <requests>
      writes req-<k>.json: OTLP/HTTP JSON requests; every trace has one span
      in each request (so its spans arrive in different requests) and
      ids.txt with the trace ids.
  traces.py proportional <dir> <out.jsonl> <percentage>
      the proportional pipeline's output: otelcol's kept set and ot=th:.
  traces.py both <dir> <out.jsonl> <seed> <percentage>
      probabilistic_sampler then tail_sampling keeping errors: exactly the
      error traces the hash_seed mode keeps, whole.
  traces.py check <dir> <sampled.jsonl> <all.jsonl> <seed> <percentage>
      the unsampled output holds every span; the sampled one holds whole
      traces only, exactly those otelcol-contrib's hash_seed mode keeps
      (computed below from the published algorithm, not by otlpd).
"""
import json
import os
import random
import struct
import sys


def fnv1a(seed, data):
    h = 2166136261
    for b in struct.pack('<I', seed) + data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def f32(x):
    return struct.unpack('<f', struct.pack('<f', x))[0]


def otelcol_keeps(seed, pct, trace_hex):
    # processor/probabilisticsamplerprocessor: bucket = hash & 0x3fff, kept
    # when bucket < uint32(float32(pct) * float32(0x4000 / 100)).
    scaled = int(f32(f32(min(pct, 100.0)) * f32(163.84)))
    return (fnv1a(seed, bytes.fromhex(trace_hex)) & 0x3FFF) < scaled


MAX = 1 << 56


def prob_to_threshold(prob, prec=4):
    # pkg/sampling ProbabilityToThresholdWithPrecision (in range, < 1)
    reject = 1 - prob
    while reject * 16 < 1:
        reject *= 16
        prec += 1
    r = MAX - int(round(prob * MAX))
    shift = 4 * (14 - prec)
    return ((r + (1 << (shift - 1))) >> shift) << shift


def check_proportional(d, path, pct):
    """OTEP 235 proportional mode: kept when threshold <= the trace id's
    low 56 bits; each kept span carries ot=th:<threshold>."""
    ids = open(os.path.join(d, 'ids.txt')).read().split()
    nreq = len([n for n in os.listdir(d) if n.startswith('req-')])
    th = prob_to_threshold(f32(pct) / 100)
    tv = ('%014x' % th).rstrip('0')
    want = {t for t in ids if th <= int(t[18:], 16)}
    got, errors = {}, []
    with open(path) as f:
        for line in f:
            for rs in json.loads(line).get('resourceSpans', []) if line.strip() else []:
                for ss in rs.get('scopeSpans', []):
                    for sp in ss.get('spans', []):
                        got.setdefault(sp['traceId'].lower(), []).append(sp.get('traceState', ''))
    if set(got) != want:
        errors.append('proportional: traces differ: %d extra, %d missing' % (len(set(got) - want), len(want - set(got))))
    bad = [t for t, v in got.items() if len(v) != nreq or any(s != 'ot=th:' + tv for s in v)]
    if bad:
        errors.append('proportional: %d traces not whole or without ot=th:%s' % (len(bad), tv))
    for e in errors:
        print(e, file=sys.stderr)
    print('proportional: kept %d of %d traces, th:%s' % (len(got), len(ids), tv))
    return 1 if errors else 0


def make(d, ntraces, nreq):
    rnd = random.Random(20261129)
    ids = ['%032x' % rnd.getrandbits(128) for _ in range(ntraces)]
    with open(os.path.join(d, 'ids.txt'), 'w') as f:
        f.write('\n'.join(ids) + '\n')
    for k in range(nreq):
        # every third trace has an error in its first span (tail_sampling's
        # status_code policy keeps those in the combined pipeline)
        spans = [dict({'traceId': t, 'spanId': '%016x' % (i * nreq + k + 1), 'name': 'op%d' % k},
                      **({'status': {'code': 2}} if k == 0 and i % 3 == 0 else {}))
                 for i, t in enumerate(ids)]
        half = len(spans) // 2
        req = {'resourceSpans': [
            {'resource': {'attributes': [{'key': 'service.name', 'value': {'stringValue': 'a'}}]},
             'scopeSpans': [{'scope': {'name': 's'}, 'spans': spans[:half]}]},
            {'resource': {'attributes': [{'key': 'service.name', 'value': {'stringValue': 'b'}}]},
             'scopeSpans': [{'scope': {'name': 's'}, 'spans': spans[half:]}]},
        ]}
        with open(os.path.join(d, 'req-%d.json' % k), 'w') as f:
            json.dump(req, f)


def spans_of(path):
    out = {}
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            for rs in json.loads(line).get('resourceSpans', []):
                for ss in rs.get('scopeSpans', []):
                    for sp in ss.get('spans', []):
                        out.setdefault(sp['traceId'].lower(), []).append(sp['spanId'])
    return out


def check(d, sampled_path, all_path, seed, pct):
    ids = open(os.path.join(d, 'ids.txt')).read().split()
    nreq = len([n for n in os.listdir(d) if n.startswith('req-')])
    errors = []
    everything = spans_of(all_path)
    sampled = spans_of(sampled_path)
    if sorted(everything) != sorted(ids) or any(len(v) != nreq for v in everything.values()):
        errors.append('unsampled pipeline: expected %d traces of %d spans, got %d traces'
                      % (len(ids), nreq, len(everything)))
    want = {t for t in ids if otelcol_keeps(seed, pct, t)}
    if set(sampled) != want:
        errors.append('sampled traces differ from otelcol\'s: %d extra, %d missing'
                      % (len(set(sampled) - want), len(want - set(sampled))))
    partial = [t for t, v in sampled.items() if len(set(v)) != nreq or len(v) != nreq]
    if partial:
        errors.append('%d sampled traces are not whole (or duplicated)' % len(partial))
    frac = len(sampled) / len(ids)
    if not (pct / 100 - 0.1 <= frac <= pct / 100 + 0.1):
        errors.append('kept fraction %.3f is implausible for %g %%' % (frac, pct))
    for e in errors:
        print(e, file=sys.stderr)
    print('kept %d of %d traces (%.1f %%)' % (len(sampled), len(ids), 100 * frac))
    return 1 if errors else 0


def check_both(d, path, seed, pct):
    """probabilistic_sampler then tail_sampling (errors only): exactly the
    error traces (every third) that otelcol's hash_seed mode keeps, whole."""
    ids = open(os.path.join(d, 'ids.txt')).read().split()
    nreq = len([n for n in os.listdir(d) if n.startswith('req-')])
    want = {t for i, t in enumerate(ids) if i % 3 == 0 and otelcol_keeps(seed, pct, t)}
    got = spans_of(path)
    errors = []
    if set(got) != want:
        errors.append('both samplers: %d extra, %d missing traces' % (len(set(got) - want), len(want - set(got))))
    if any(len(set(v)) != nreq or len(v) != nreq for v in got.values()):
        errors.append('both samplers: traces not whole (or duplicated)')
    if not want:
        errors.append('both samplers: the fixture keeps no trace (the check could not fail)')
    for e in errors:
        print(e, file=sys.stderr)
    print('both samplers: kept %d of %d traces' % (len(got), len(ids)))
    return 1 if errors else 0


if __name__ == '__main__':
    if sys.argv[1] == 'both':
        sys.exit(check_both(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])))
    if sys.argv[1] == 'make':
        make(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == 'proportional':
        sys.exit(check_proportional(sys.argv[2], sys.argv[3], float(sys.argv[4])))
    else:
        sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), float(sys.argv[6])))
