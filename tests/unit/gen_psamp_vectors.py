#!/usr/bin/env python3
"""Vectors for test_probabilistic_sampler.c's OTEP 235 modes, computed
from the published algorithm (otelcol-contrib sampler_mode.go,
tracesprocessor.go, pkg/sampling), independently of otlpd.

Prints C table rows: {mode, pct, trace id, tracestate in, kept, tracestate out}.
"""
import random

MAX = 1 << 56


def prob_to_threshold(prob, prec=4):
    # ProbabilityToThresholdWithPrecision; None = out of range
    if not (1 / MAX <= prob <= 1):
        return None
    if prob == 1:
        return 0
    reject = 1 - prob
    while reject * 16 < 1:
        reject *= 16
        prec += 1
    if prec > 14:
        return 0  # underflow: AlwaysSampleThreshold
    r = MAX - int(round(prob * MAX))
    shift = 4 * (14 - prec)
    if shift:
        r = ((r + (1 << (shift - 1))) >> shift) << shift
    return r


def tvalue(th):
    return '0' if th == 0 else ('%014x' % th).rstrip('0')


def parse(ts):
    ot, others = {}, []
    for m in ts.split(','):
        m = m.strip(' \t')
        if not m:
            continue
        k, v = m.split('=', 1)
        if k == 'ot':
            ot = [kv.split(':', 1) for kv in v.split(';')]
        else:
            others.append((k, v))
    return ot, others


def serialize(rv, th, extras, others):
    ot = []
    if rv is not None:
        ot.append('rv:%014x' % rv)
    if th is not None:
        ot.append('th:' + tvalue(th))
    ot += ['%s:%s' % kv for kv in extras]
    out = (['ot=' + ';'.join(ot)] if ot else []) + ['%s=%s' % kv for kv in others]
    return ','.join(out)


def decide(mode, pct, tid, ts):
    ratio = pct / 100
    ot, others = parse(ts)
    rv = th = None
    extras = []
    for k, v in ot:
        if k == 'rv':
            rv = int(v, 16)
        elif k == 'th':
            th = int(v, 16) << (4 * (14 - len(v)))
        else:
            extras.append((k, v))
    rnd = rv if rv is not None else int(tid[18:], 16)
    if th is not None and th > rnd:
        return False, ts  # inconsistent arriving threshold: dropped
    if mode == 'proportional':
        incoming = 1.0 if th is None else (MAX - th) / MAX
        t = prob_to_threshold(incoming * ratio)
        t = MAX if t is None else t
    else:
        t = prob_to_threshold(ratio)
    if t > rnd:
        return False, ts
    if th is None or not th > t:
        th = t
    return True, serialize(rv, th, extras, others)


def main():
    rnd = random.Random(235)
    states = ['', 'vendor=x', 'ot=th:8', 'ot=th:c', 'ot=th:f', 'ot=th:e;p:3,vendor=x',
              'a=1, ot=th:4 ,b=2', 'ot=rv:%014x' % rnd.getrandbits(56),
              'ot=rv:%014x;th:8' % (rnd.getrandbits(55) | (1 << 55))]
    for mode in ('proportional', 'equalizing'):
        for pct in (25, 10, 50, 90):
            for ts in states:
                for _ in range(3):
                    tid = '%032x' % rnd.getrandbits(128)
                    kept, out = decide(mode, pct, tid, ts)
                    print('    {%s, %d, "%s", "%s", %d, "%s"},' % (
                        'PROP' if mode == 'proportional' else 'EQ', pct, tid, ts, kept, out))


if __name__ == '__main__':
    main()
