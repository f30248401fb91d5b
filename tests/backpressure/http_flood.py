#!/usr/bin/env python3
"""OTLP/HTTP client for the back-pressure test: numbered requests of spans.

  http_flood.py PORT flood MAX EXTRA      send requests 0, 1, ... (at most MAX)
                                          until one is refused with 503, then
                                          EXTRA more
  http_flood.py PORT retry TRIES N...     resend requests N... until each is
                                          accepted, at most TRIES attempts
                                          each

One line per request on stdout: "accepted <n> [attempts]" or
"refused <n> retry-after=<Retry-After header, '-' if absent>".
Request n holds SPANS spans named "bp-<n>-<j>", each with a padding
attribute so that few requests fill the daemon's small queues. Anything
other than 200 or 503 (another status, a lost connection) ends the run with
exit status 2: a refusal under load must be a 503, nothing else. Between
refused attempts `retry` waits a moment, as a client honouring Retry-After
would, only shorter; the wait paces the loop, it asserts nothing.
"""
import http.client
import json
import sys
import time

SPANS = 10
PAD = "p" * 600
RETRY_PAUSE = 0.05


def names(n):
    return ["bp-%d-%d" % (n, j) for j in range(SPANS)]


def body(n):
    spans = []
    for j, name in enumerate(names(n)):
        spans.append({
            "traceId": "%032x" % (n + 1),
            "spanId": "%016x" % (j + 1),
            "name": name,
            "kind": 2,
            "startTimeUnixNano": "1700000000000000000",
            "endTimeUnixNano": "1700000000000001000",
            "attributes": [{"key": "pad", "value": {"stringValue": PAD}}],
        })
    req = {"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "backpressure"}}]},
        "scopeSpans": [{"scope": {"name": "http_flood"}, "spans": spans}],
    }]}
    return json.dumps(req).encode()


class Client:
    def __init__(self, port):
        self.port = port
        self.conn = None

    def post(self, n):
        """(status, Retry-After header or None); one reconnect if the
        server closed an idle keep-alive connection."""
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request("POST", "/v1/traces", body(n), {"Content-Type": "application/json"})
                resp = self.conn.getresponse()
                resp.read()
                return resp.status, resp.getheader("Retry-After")
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def unexpected(n, status):
    print("unexpected %s for request %d" % (status, n), flush=True)
    sys.exit(2)


def flood(port, max_requests, extra):
    c = Client(port)
    first_refusal = None
    n = 0
    while n < max_requests:
        status, retry_after = c.post(n)
        if status not in (200, 503):
            unexpected(n, status)
        if status == 200:
            print("accepted", n, flush=True)
        else:
            print("refused %d retry-after=%s" % (n, retry_after or "-"), flush=True)
            if first_refusal is None:
                first_refusal = n
        n += 1
        if first_refusal is not None and n > first_refusal + extra:
            break


def retry(port, tries, todo):
    c = Client(port)
    for n in todo:
        for attempt in range(1, tries + 1):
            status, _ = c.post(n)
            if status == 200:
                print("accepted", n, attempt, flush=True)
                break
            if status != 503:
                unexpected(n, status)
            time.sleep(RETRY_PAUSE)
        else:
            print("gave up on request %d after %d attempts" % (n, tries), flush=True)
            sys.exit(1)


def main(argv):
    if len(argv) == 5 and argv[2] == "flood":
        flood(int(argv[1]), int(argv[3]), int(argv[4]))
    elif len(argv) >= 4 and argv[2] == "retry":
        retry(int(argv[1]), int(argv[3]), [int(a) for a in argv[4:]])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
