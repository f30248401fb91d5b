#!/usr/bin/env python3
"""Receive -> OK latency and client throughput of otlpd's pipeline
`otlp -> batch -> otlphttp` with the exporter's sending queue in memory,
on disk with fsync false, and on disk with fsync true (bench/README.md,
"Persistent queue"). The otlphttp exporter sends to a second otlpd that
writes nothing (debug exporter, basic verbosity off). It asserts nothing.

    pqueue_latency.py <otlpd binary> [requests per config] [spans per request] [clients]

Per configuration: `clients` (default 16: group commit needs requests that
overlap to show) connections each post `requests` OTLP/JSON
trace requests one after the other (keep-alive) and time each from the
first byte sent to the answer read; prints p50/p90/p99 and items/s over
the run; then the bytes on disk per span (queue directory / spans, backend unreachable).
"""
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, proc):
    for _ in range(400):
        if proc.poll() is not None:
            raise SystemExit("otlpd exited early")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("otlpd did not listen")


def body(n, spans):
    sp = [{"traceId": "%032x" % (n + 1), "spanId": "%016x" % (j + 1), "name": "span-%d-%d" % (n, j),
           "kind": 2, "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000000100000000",
           "attributes": [{"key": "http.route", "value": {"stringValue": "/api/v1/items/{id}"}},
                          {"key": "http.response.status_code", "value": {"intValue": "200"}}]}
          for j in range(spans)]
    return json.dumps({"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "bench"}}]}, "scopeSpans": [{"spans": sp}]}]}).encode()


def config(port, sink_port, store, mode):
    queue = "      queue_size: 100000\n"
    ext = ""
    if mode != "memory":
        queue += "      storage: file_storage\n"
        ext = "extensions:\n  file_storage:\n    directory: %s\n    create_directory: true\n    fsync: %s\n" % (
            store, "true" if mode == "fsync" else "false")
    return """receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:%d
processors:
  batch:
%sexporters:
  otlphttp:
    endpoint: http://127.0.0.1:%d
    compression: none
    sending_queue:
%sservice:
  telemetry: {metrics: {level: none}, logs: {level: warn}}
  %s
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [otlphttp]}
""" % (port, ext, sink_port, queue, "extensions: [file_storage]" if ext else "")


def client(port, bodies, lat, errors):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for b in bodies:
        t = time.perf_counter()
        c.request("POST", "/v1/traces", b, {"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        lat.append(time.perf_counter() - t)
        if r.status != 200:
            errors.append(r.status)


def du(path):
    n = 0
    for root, _, files in os.walk(path):
        for f in files:
            n += os.path.getsize(os.path.join(root, f))
    return n


def run(otlpd, work, mode, requests, spans, clients, sink_port):
    port = free_port()
    store = os.path.join(work, "store-" + mode)
    cfg = os.path.join(work, mode + ".yaml")
    with open(cfg, "w") as f:
        f.write(config(port, sink_port, store, mode))
    log = open(os.path.join(work, mode + ".log"), "w")
    p = subprocess.Popen([otlpd, "--config", cfg], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_port(port, p)
        per = [[body(k * requests + i, spans) for i in range(requests)] for k in range(clients)]
        lats, errors = [[] for _ in range(clients)], []
        th = [threading.Thread(target=client, args=(port, per[k], lats[k], errors)) for k in range(clients)]
        t0 = time.perf_counter()
        for t in th:
            t.start()
        for t in th:
            t.join()
        wall = time.perf_counter() - t0
        lat = sorted(x for l in lats for x in l)
        q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))] * 1e3
        items = requests * clients * spans
        print("%-7s p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  %8.0f spans/s  non-200: %d" % (
            mode, q(0.5), q(0.9), q(0.99), items / wall, len(errors)))
    finally:
        p.terminate()
        p.wait(timeout=60)


def bytes_per_span(otlpd, work, spans):
    """Queue directory bytes per span with the backend unreachable (nothing
    acknowledged): 50 requests, segment headers and readpos included."""
    port, dead = free_port(), free_port()
    store = os.path.join(work, "store-size")
    cfg = os.path.join(work, "size.yaml")
    with open(cfg, "w") as f:
        f.write(config(port, dead, store, "file"))
    p = subprocess.Popen([otlpd, "--config", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, p)
        client(port, [body(i, spans) for i in range(50)], [], [])
        return du(store) / (50 * spans)
    finally:
        p.terminate()
        p.wait(timeout=60)


def main():
    otlpd = sys.argv[1]
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    spans = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    clients = int(sys.argv[4]) if len(sys.argv) > 4 else 16
    work = tempfile.mkdtemp(prefix="otlpd-pqbench-")
    sink_port = free_port()
    sink_cfg = os.path.join(work, "sink.yaml")
    with open(sink_cfg, "w") as f:
        f.write("""receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:%d
exporters:
  debug:
    verbosity: basic
service:
  telemetry: {metrics: {level: none}, logs: {level: warn}}
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
""" % sink_port)
    sink = subprocess.Popen([otlpd, "--config", sink_cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(sink_port, sink)
        print("load average %.1f %.1f %.1f; %d clients x %d requests x %d spans" % (
            *os.getloadavg(), clients, requests, spans))
        for mode in ("memory", "file", "fsync"):
            run(otlpd, work, mode, requests, spans, clients, sink_port)
        print("on disk: %.1f bytes per span (protobuf of these spans + record framing)" % bytes_per_span(otlpd, work, spans))
    finally:
        sink.terminate()
        sink.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
