#!/usr/bin/env python3
"""Benchmark sink for the elasticsearch exporter (bench/run.sh es-*): an
Elasticsearch _bulk stand-in that answers every request at once with a
valid all-created bulk response and discards the documents. It only
counts: the action lines (items) and, among them, those whose index starts
with the prefix given (the spans or log records of the scenario), and
writes "<prefix items> <all items> <requests>" to <count file> on SIGTERM.
Decompression (gzip) and counting are C-speed library calls, so the sink
stays far below the daemon's CPU; it shares the load generator's core.

    es_sink.py <port> <count file> <index prefix, e.g. traces->
"""
import gzip
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, count_file, prefix = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
needle = b'{"create":{"_index":"' + prefix
totals = [0, 0, 0]
ITEM = b'{"create":{"_index":"x","status":201,"result":"created"}}'


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding", "") == "gzip":
            body = gzip.decompress(body)
        lines = body.count(b"\n")
        n = (lines + 1) // 2 if body and not body.endswith(b"\n") else lines // 2
        totals[0] += body.count(needle)
        totals[1] += n
        totals[2] += 1
        out = b'{"took":0,"errors":false,"items":[' + b",".join([ITEM] * n) + b"]}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_PUT = do_POST

    def do_GET(self):
        out = b'{"version":{"number":"8.15.0"}}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


def stop(*_):
    with open(count_file, "w") as f:
        f.write("%d %d %d\n" % tuple(totals))
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", port), Sink).serve_forever()
