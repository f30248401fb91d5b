#!/usr/bin/env python3
"""Strict check of a Prometheus text exposition (format 0.0.4) as a scraper
parses it, then lookups.

    prom_text.py FILE [SERIES]...

Fails (exit 1, reason on stderr) unless every line is a HELP, a TYPE or a
sample; each family has one HELP and one TYPE before its samples, samples of
a family are contiguous, names and label names are valid, label values are
correctly escaped, values are numbers, no series repeats. Then prints the
value of each SERIES given as name{label="v",...} (labels in any order),
one per line, or "absent".
"""
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def bad(lineno, why):
    sys.exit(f"line {lineno}: {why}")


def parse_labels(s, lineno):
    """s starts after '{'; returns (labels dict, rest after '}')."""
    labels, i = {}, 0
    while True:
        if s[i] == "}":
            return labels, s[i + 1:]
        m = LABEL.match(s, i)
        if not m:
            bad(lineno, f"bad label name at {s[i:]!r}")
        name, i = m.group(0), m.end()
        if s[i:i + 2] != '="':
            bad(lineno, "expected =\" after a label name")
        i += 2
        val = []
        while s[i] != '"':
            if s[i] == "\\":
                esc = s[i + 1]
                if esc not in '\\"n':
                    bad(lineno, f"bad escape \\{esc}")
                val.append("\n" if esc == "n" else esc)
                i += 2
            else:
                val.append(s[i])
                i += 1
        i += 1
        if name in labels:
            bad(lineno, f"label {name} repeated")
        labels[name] = "".join(val)
        if s[i] == ",":
            i += 1


def parse(text):
    help_, type_, series, done, current = {}, {}, {}, set(), None
    if text and not text.endswith("\n"):
        bad(0, "no final newline")
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            kind, rest = line[2:6], line[7:]
            name = rest.split(" ", 1)[0]
            if not NAME.fullmatch(name):
                bad(n, f"bad metric name {name!r}")
            table = help_ if kind == "HELP" else type_
            if name in table:
                bad(n, f"second {kind} for {name}")
            if name in done or (current and current != name and name in help_):
                bad(n, f"{kind} for {name} after its samples")
            if kind == "TYPE" and rest.split(" ", 1)[1] not in TYPES:
                bad(n, f"bad type {rest}")
            table[name] = rest.split(" ", 1)[1] if " " in rest else ""
            if current and current != name:
                done.add(current)
            current = name
            continue
        if line.startswith("#") or not line:
            bad(n, "unexpected comment or blank line")
        m = NAME.match(line)
        if not m:
            bad(n, "a sample must start with a metric name")
        name, rest = m.group(0), line[m.end():]
        labels = {}
        if rest.startswith("{"):
            labels, rest = parse_labels(rest[1:], n)
        if not rest.startswith(" "):
            bad(n, "expected a space before the value")
        value = rest[1:].split(" ")[0]
        try:
            float(value)
        except ValueError:
            bad(n, f"bad value {value!r}")
        family = name
        # a histogram's (summary's) samples carry suffixes of the family name
        if current and type_.get(current) in ("histogram", "summary") and name in (
                current + "_bucket", current + "_sum", current + "_count") + ((current,) if type_.get(current) == "summary" else ()):
            family = current
            if name == current + "_bucket" and "le" not in labels:
                bad(n, f"{name} without an le label")
        if family != current or family not in type_ or family not in help_:
            bad(n, f"sample of {name} outside its family (HELP and TYPE first, samples together)")
        key = (name, tuple(sorted(labels.items())))
        if key in series:
            bad(n, f"series repeated: {line}")
        series[key] = float(value)
    return series


def lookup(series, q):
    m = NAME.match(q)
    labels = {}
    if q[m.end():].startswith("{"):
        labels, _ = parse_labels(q[m.end() + 1:], 0)
    return series.get((m.group(0), tuple(sorted(labels.items()))))


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        series = parse(f.read())
    for q in sys.argv[2:]:
        v = lookup(series, q)
        print("absent" if v is None else (int(v) if v == int(v) else v))


if __name__ == "__main__":
    main()
