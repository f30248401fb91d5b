#!/usr/bin/env python3
"""Exactly-once check of the back-pressure tests.

  check_output.py OUT SPANS_PER_REQUEST ACCEPTED_FILE

OUT is what the file exporter wrote (format json: one OTLP-JSON request per
line). ACCEPTED_FILE lists request numbers, one per line, that the daemon
accepted (200 / OK), each exactly once. Every span of every accepted request
("bp-<n>-<j>", j < SPANS_PER_REQUEST) must be in OUT exactly once, and OUT
must hold nothing else; every line must be whole JSON. Exit 0 if so.
"""
import collections
import json
import sys


def main(out_path, spans_per_request, accepted_path):
    accepted = [int(x) for x in open(accepted_path).read().split()]
    dup_accepts = [n for n, k in collections.Counter(accepted).items() if k > 1]
    if dup_accepts:
        print("test bug: requests accepted twice: %s" % dup_accepts[:10])
        return 1
    want = {"bp-%d-%d" % (n, j) for n in accepted for j in range(spans_per_request)}
    got = collections.Counter()
    lines = 0
    with open(out_path, "rb") as f:
        for i, raw in enumerate(f, 1):
            if not raw.endswith(b"\n"):
                print("line %d is cut off (no newline): %r..." % (i, raw[:80]))
                return 1
            try:
                rec = json.loads(raw)
            except ValueError as e:
                print("line %d is not JSON (%s): %r..." % (i, e, raw[:80]))
                return 1
            lines += 1
            for rs in rec.get("resourceSpans", []):
                for ss in rs.get("scopeSpans", []):
                    for s in ss.get("spans", []):
                        got[s.get("name")] += 1
    missing = sorted(want - set(got))
    extra = sorted(set(got) - want)
    twice = sorted(n for n, k in got.items() if k > 1)
    print("%d records, %d spans written; %d requests accepted = %d spans; missing %d, duplicated %d, unexpected %d"
          % (lines, sum(got.values()), len(accepted), len(want), len(missing), len(twice), len(extra)))
    for label, items in (("missing", missing), ("duplicated", twice), ("unexpected", extra)):
        if items:
            print("  %s: %s%s" % (label, items[:10], " ..." if len(items) > 10 else ""))
    if not want:
        print("nothing was accepted: the test proved nothing")
        return 1
    return 1 if missing or twice or extra else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
