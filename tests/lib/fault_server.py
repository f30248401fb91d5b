#!/usr/bin/env python3
"""HTTP/1.1 test server with faults that can be switched on at runtime.

Exporter tests point their exporter at it, make it misbehave, and read back
what it received. Python 3 standard library only.

    fault_server.py [--tls CERT KEY] [--fault JSON]...

Prints its port (bound on 127.0.0.1, port 0) as the first line of stdout and
runs until SIGTERM/SIGINT.

Control endpoints (never faulted, never recorded):
  POST /_fault  JSON {"status": 503, "retry_after": "2", "times": 3,
                      "delay_ms": 500, "reset": false, "body": "..."}
                queues a fault for the next `times` requests (default 1,
                -1 = until cleared); faults queue in order.
  POST /_clear  drops queued faults.
  GET  /_stats  JSON {"connections": N, "requests": [{method, path, headers,
                content_encoding, raw_length, body_length}...]}
                body_length is the decoded length (-1 if the encoding could
                not be decoded: zstd without the zstd CLI).
  GET  /_last   the last request's body, decoded; ?raw=1 as received.
                X-Content-Encoding says how it was encoded.

Reuse: subclass FaultHandler and override handle_data(req) (req is a
Recorded) to answer other APIs (Elasticsearch bulk, Loki push); call
serve(handler_class) from your own main, or make_server() to embed it.
"""
import argparse
import gzip
import json
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Recorded:
    """One request as the server saw it."""

    def __init__(self, method, path, headers, raw):
        self.method = method
        self.path = path
        self.headers = headers
        self.raw = raw
        self.encoding = headers.get("Content-Encoding", "") or ""
        self.body = decode_body(self.encoding, raw)

    def summary(self):
        return {
            "method": self.method,
            "path": self.path,
            "headers": dict(self.headers.items()),
            "content_encoding": self.encoding,
            "raw_length": len(self.raw),
            "body_length": -1 if self.body is None else len(self.body),
        }


def decode_body(encoding, raw):
    enc = encoding.lower()
    try:
        if enc in ("", "identity"):
            return raw
        if enc == "gzip":
            return gzip.decompress(raw)
        if enc == "deflate":
            return zlib.decompress(raw)
        if enc == "zstd" and shutil.which("zstd"):
            return subprocess.run(["zstd", "-d", "-c", "-q"], input=raw, check=True,
                                  stdout=subprocess.PIPE).stdout
    except (OSError, ValueError, zlib.error, EOFError, subprocess.CalledProcessError):
        pass
    return None


class State:
    """Faults to apply and what was received; shared by handler threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.faults = []
        self.connections = 0
        self.requests = []

    def next_fault(self):
        with self.lock:
            if not self.faults:
                return None
            f = self.faults[0]
            times = f.get("times", 1)
            if times > 0:
                f["times"] = times - 1
                if f["times"] == 0:
                    self.faults.pop(0)
            return f


class FaultHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault_server/1"

    def log_message(self, fmt, *args):  # quiet: tests read stdout
        pass

    def do_POST(self):
        self.dispatch()

    do_PUT = do_GET = do_HEAD = do_DELETE = do_PATCH = do_POST

    @property
    def state(self):
        return self.server.state

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0") or 0)
        return self.rfile.read(n) if n else b""

    def reply(self, status, body=b"", headers=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def reset(self):
        """Close with RST, without an answer."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass

    def dispatch(self):
        raw = self.read_body()
        path = self.path.split("?")[0]
        if path.startswith("/_"):
            return self.control(path, raw)
        rec = Recorded(self.command, self.path, self.headers, raw)
        with self.state.lock:
            self.state.requests.append(rec)
        f = self.state.next_fault()
        if f:
            if f.get("delay_ms"):
                time.sleep(f["delay_ms"] / 1000.0)
            if f.get("reset"):
                return self.reset()
            if f.get("status"):
                hdrs = {}
                if f.get("retry_after") is not None:
                    hdrs["Retry-After"] = str(f["retry_after"])
                return self.reply(int(f["status"]), f.get("body", ""), hdrs)
        self.handle_data(rec)

    def handle_data(self, req):
        """The answer when no fault applies: a sink (200, empty body)."""
        self.reply(200)

    def control(self, path, raw):
        st = self.state
        if path == "/_fault":
            f = json.loads(raw or b"{}")
            with st.lock:
                st.faults.append(f)
            return self.reply(200, "{}", {"Content-Type": "application/json"})
        if path == "/_clear":
            with st.lock:
                st.faults.clear()
            return self.reply(200, "{}", {"Content-Type": "application/json"})
        if path == "/_stats":
            with st.lock:
                out = {"connections": st.connections,
                       "requests": [r.summary() for r in st.requests]}
            return self.reply(200, json.dumps(out), {"Content-Type": "application/json"})
        if path == "/_last":
            with st.lock:
                last = st.requests[-1] if st.requests else None
            if not last:
                return self.reply(404, "no request yet")
            raw_wanted = "raw=1" in self.path
            body = last.raw if raw_wanted or last.body is None else last.body
            return self.reply(200, body, {"X-Content-Encoding": last.encoding or "identity",
                                          "Content-Type": "application/octet-stream"})
        return self.reply(404, "unknown control path")


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler, tls_ctx=None):
        self.state = State()
        self.tls_ctx = tls_ctx
        super().__init__(addr, handler)

    def get_request(self):
        sock, addr = super().get_request()
        with self.state.lock:
            self.state.connections += 1
        if self.tls_ctx:
            # The handshake runs in the handler thread (finish_request), so a
            # client that gives up mid-handshake does not stall accept().
            sock = self.tls_ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def finish_request(self, request, client_address):
        if self.tls_ctx:
            try:
                request.do_handshake()
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        pass  # resets and failed handshakes are expected here


def make_server(handler=FaultHandler, tls=None, host="127.0.0.1", port=0):
    ctx = None
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])
    return FaultServer((host, port), handler, ctx)


def serve(handler=FaultHandler, argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--fault", action="append", default=[],
                    help="JSON fault queued at start (as POST /_fault)")
    args = ap.parse_args(argv)
    srv = make_server(handler, args.tls, port=args.port)
    for f in args.fault:
        srv.state.faults.append(json.loads(f))

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever(poll_interval=0.1)
    except SystemExit:
        pass
    srv.server_close()


if __name__ == "__main__":
    serve()
