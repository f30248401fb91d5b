#!/usr/bin/env python3
"""Vectors for test_tail_sampling.c's probabilistic policy, computed from
the algorithm otelcol-contrib publishes in
processor/tailsamplingprocessor/internal/sampling/probabilistic.go,
independently of otlpd:
  hash      = FNV-1a 64 over the salt's bytes, then the 16 trace id bytes
  threshold = uint64(MaxUint64 * (percentage / 100)) computed as a big.Float
              of 64-bit mantissa (round to nearest even), then truncated
  sampled   = hash <= threshold

Prints C table rows: {salt, percentage, trace id, hash, threshold, sampled}.
"""
from fractions import Fraction
import random


def fnv1a64(data):
    h = 14695981039346656037
    for b in data:
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def round_to_bits(x, bits):
    """x (a positive Fraction) rounded to `bits` significant bits, ties to even."""
    e = x.numerator.bit_length() - x.denominator.bit_length()
    while Fraction(2) ** e > x:
        e -= 1
    while Fraction(2) ** (e + 1) <= x:
        e += 1
    scale = Fraction(2) ** (bits - 1 - e)
    m = x * scale
    q, r = divmod(m.numerator, m.denominator)
    half = Fraction(r, m.denominator)
    if half > Fraction(1, 2) or (half == Fraction(1, 2) and q % 2 == 1):
        q += 1
    return Fraction(q) / scale


def threshold(pct):
    ratio = pct / 100  # float64, as Go computes it
    if ratio == 0:
        return 0
    v = round_to_bits(Fraction(2**64 - 1) * Fraction(ratio), 64)
    return min(int(v), 2**64 - 1)


def main():
    rnd = random.Random(10)
    rows = []
    for salt, pct in [("", 25.0), ("", 50.0), ("my-salt", 10.0), ("x", 33.3), ("", 100.0), ("", 0.5)]:
        for _ in range(6):
            tid = bytes(rnd.getrandbits(8) for _ in range(16))
            s = salt or "default-hash-seed"
            h = fnv1a64(s.encode() + tid)
            th = threshold(pct)
            rows.append((salt, pct, tid.hex(), h, th, h <= th))
    for salt, pct, tid, h, th, keep in rows:
        print('    {"%s", %r, "%s", 0x%016xULL, 0x%016xULL, %s},' % (salt, pct, tid, h, th, 'true' if keep else 'false'))


if __name__ == '__main__':
    main()
