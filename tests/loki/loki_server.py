#!/usr/bin/env python3
"""A Loki push API for exporter tests, on tests/lib/fault_server.py.

Implements POST /loki/api/v1/push as Loki documents it: a
logproto.PushRequest, snappy block-compressed, with Content-Type
application/x-protobuf, or the JSON form ({"streams": [{"stream": {...},
"values": [["<ns>", "<line>", {structured metadata}]]}]}), optionally
gzip'd (Content-Encoding). The tenant is the X-Scope-OrgID header. 204
on success. Entries out of order within a stream (and, with
--strict-order, older than the newest entry the stream already has) are
refused with 400 and Loki's message; the others of the push are kept, as
Loki does. Faults (429, 500, down = reset) come from the fault server.

    loki_server.py [--strict-order] [fault_server options]

GET /_pushes: JSON list of accepted pushes, in arrival order:
  {"tenant": str|null, "content_type": str,
   "streams": [{"labels": "{a=\"b\"}", "stream": {"a": "b"},
                "entries": [[ts_ns, line, {name: value}]]}]}

Standard library only: snappy and protobuf are decoded by hand.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import fault_server  # noqa: E402

STRICT = "--strict-order" in sys.argv
if STRICT:
    sys.argv.remove("--strict-order")


class DecodeError(Exception):
    pass


def varint(buf, i):
    shift = result = 0
    while True:
        if i >= len(buf):
            raise DecodeError("truncated varint")
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7
        if shift > 63:
            raise DecodeError("varint too long")


def snappy_decompress(buf):
    """Snappy block format: varint length, then literals and copies."""
    n, i = varint(buf, 0)
    out = bytearray()
    while i < len(buf):
        tag = buf[i]
        i += 1
        kind = tag & 3
        if kind == 0:  # literal
            ln = tag >> 2
            if ln >= 60:
                extra = ln - 59
                ln = int.from_bytes(buf[i:i + extra], "little")
                i += extra
            ln += 1
            out += buf[i:i + ln]
            i += ln
            continue
        if kind == 1:
            ln = 4 + ((tag >> 2) & 7)
            off = ((tag >> 5) << 8) | buf[i]
            i += 1
        elif kind == 2:
            ln = (tag >> 2) + 1
            off = int.from_bytes(buf[i:i + 2], "little")
            i += 2
        else:
            ln = (tag >> 2) + 1
            off = int.from_bytes(buf[i:i + 4], "little")
            i += 4
        if off == 0 or off > len(out):
            raise DecodeError("bad snappy copy offset")
        for _ in range(ln):  # copies may overlap themselves
            out.append(out[-off])
    if len(out) != n:
        raise DecodeError("snappy length %d, header said %d" % (len(out), n))
    return bytes(out)


def fields(buf):
    """(field number, wire type, value) of one message."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(buf, i)
        elif wt == 2:
            ln, i = varint(buf, i)
            if i + ln > len(buf):
                raise DecodeError("truncated field %d" % num)
            v, i = buf[i:i + ln], i + ln
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise DecodeError("wire type %d" % wt)
        yield num, wt, v


def parse_push_pb(body):
    streams = []
    for num, _, sv in fields(body):
        if num != 1:
            continue
        labels, entries = "", []
        for f, _, v in fields(sv):
            if f == 1:
                labels = v.decode()
            elif f == 2:
                ts, line, sm = 0, "", {}
                for ef, _, ev in fields(v):
                    if ef == 1:
                        sec = nanos = 0
                        for tf, _, tv in fields(ev):
                            if tf == 1:
                                sec = tv - (1 << 64) if tv >= 1 << 63 else tv
                            elif tf == 2:
                                nanos = tv
                        ts = sec * 10**9 + nanos
                    elif ef == 2:
                        line = ev.decode("utf-8", "replace")
                    elif ef == 3:
                        name = value = ""
                        for pf, _, pv in fields(ev):
                            if pf == 1:
                                name = pv.decode()
                            elif pf == 2:
                                value = pv.decode("utf-8", "replace")
                        sm[name] = value
                entries.append([ts, line, sm])
        streams.append({"labels": labels, "stream": parse_labels(labels), "entries": entries})
    return streams


def parse_labels(s):
    """Loki's stream selector form {a="b", c="d"} (Go-quoted values)."""
    s = s.strip()
    if not (s.startswith("{") and s.endswith("}")):
        raise DecodeError("labels %r are not {...}" % s)
    out, i, s = {}, 0, s[1:-1]
    while i < len(s):
        while i < len(s) and s[i] in " ,":
            i += 1
        if i >= len(s):
            break
        eq = s.index("=", i)
        name = s[i:eq].strip()
        if s[eq + 1] != '"':
            raise DecodeError("unquoted value of %s" % name)
        j, val = eq + 2, []
        while s[j] != '"':
            if s[j] == "\\":
                j += 1
                c = s[j]
                if c == "x":
                    val.append(chr(int(s[j + 1:j + 3], 16)))
                    j += 2
                else:
                    val.append({"n": "\n", "t": "\t", "r": "\r"}.get(c, c))
            else:
                val.append(s[j])
            j += 1
        out[name] = "".join(val)
        i = j + 1
    return out


def quote(v):
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def parse_push_json(body):
    doc = json.loads(body)
    streams = []
    for st in doc.get("streams", []):
        labels = "{" + ", ".join("%s=%s" % (k, quote(v)) for k, v in sorted(st["stream"].items())) + "}"
        entries = [[int(v[0]), v[1], v[2] if len(v) > 2 else {}] for v in st.get("values", [])]
        streams.append({"labels": labels, "stream": dict(st["stream"]), "entries": entries})
    return streams


def fmt_ts(ns):
    return "%d.%09d" % (ns // 10**9, ns % 10**9)


class LokiHandler(fault_server.FaultHandler):
    def handle_data(self, req):
        if req.path.split("?")[0] != "/loki/api/v1/push" or req.method != "POST":
            return self.reply(404, "404 page not found\n")
        ctype = (req.headers.get("Content-Type") or "").split(";")[0].strip()
        try:
            if req.body is None:
                raise DecodeError("cannot decode Content-Encoding %s" % req.encoding)
            if ctype == "application/x-protobuf":
                streams = parse_push_pb(snappy_decompress(req.body))
            elif ctype == "application/json":
                streams = parse_push_json(req.body)
            else:
                return self.reply(415, "unsupported Content-Type %r\n" % ctype)
        except (DecodeError, ValueError, KeyError, IndexError, UnicodeDecodeError) as e:
            return self.reply(400, "loghttp.ParsePushRequest: %s\n" % e)
        tenant = req.headers.get("X-Scope-OrgID")
        st = self.state
        ignored, total, reasons = 0, 0, []
        kept = []
        with st.lock:
            newest = getattr(st, "newest", {})
            st.newest = newest
            for s in streams:
                key = (tenant, s["labels"])
                good = []
                for e in s["entries"]:
                    total += 1
                    last = newest.get(key)
                    in_push = good and e[0] < good[-1][0]
                    if in_push or (STRICT and last is not None and e[0] < last):
                        ignored += 1
                        if len(reasons) < 10:
                            reasons.append("entry with timestamp %s ignored, reason: 'entry out of "
                                           "order' for stream: %s" % (fmt_ts(e[0]), s["labels"]))
                        continue
                    good.append(e)
                    newest[key] = e[0]
                if good:
                    kept.append(dict(s, entries=good))
            if kept:
                pushes = getattr(st, "pushes", [])
                pushes.append({"tenant": tenant, "content_type": ctype, "streams": kept})
                st.pushes = pushes
        if ignored:
            msg = ",\n".join(reasons) + ",\ntotal ignored: %d out of %d\n" % (ignored, total)
            return self.reply(400, msg, {"Content-Type": "text/plain; charset=utf-8"})
        self.reply(204)

    def control(self, path, raw):
        if path == "/_pushes":
            with self.state.lock:
                out = list(getattr(self.state, "pushes", []))
            return self.reply(200, json.dumps(out), {"Content-Type": "application/json"})
        return super().control(path, raw)


if __name__ == "__main__":
    fault_server.serve(LokiHandler)
