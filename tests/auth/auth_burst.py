#!/usr/bin/env python3
"""Concurrent basicauth checks against otlpd (bcrypt users burst0..burstN-1,
password "pw-<i>", none of them cached yet).

usage: auth_burst.py HTTP_PORT GRPC_PORT N GRPC_CLIENT

Sends N HTTP/1.1 JSON exports and N gRPC calls at once: i % 3 == 0 with
the right password, 1 with a wrong one, 2 without credentials; expects
200 / 401 / 401 and status 0 / 16 / 16. Accepted span names are
"burst-http-<i>" and "burst-grpc-<i>". Then clients that go away before
their check finished: HTTP/1.1 (request sent, socket closed at once) and
HTTP/2 (curl with a tiny --max-time). Prints one line per failure and a
summary; exit 0 when all passed."""
import base64
import http.client
import subprocess
import sys
import threading
import socket

BODY = ('{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10",'
        '"spanId":"0102030405060708","name":"%s"}]}]}]}')


def creds(i):
    kind = i % 3
    if kind == 0:
        return "burst%d:pw-%d" % (i, i)
    if kind == 1:
        return "burst%d:wrong-%d" % (i, i)
    return None


def http_one(port, i, out, name=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if creds(i):
        headers["Authorization"] = "Basic " + base64.b64encode(creds(i).encode()).decode()
    try:
        c.request("POST", "/v1/traces", BODY % (name or "burst-http-%d" % i), headers)
        out[i] = c.getresponse().status
    except OSError as e:
        out[i] = "error %s" % e
    finally:
        c.close()


def main():
    hport, gport, n, client = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    failed = 0
    got = [None] * n
    threads = [threading.Thread(target=http_one, args=(hport, i, got)) for i in range(n)]
    procs = []
    for i in range(n):
        args = [client, "127.0.0.1:%d" % gport, "burst-grpc-%d" % i]
        if creds(i):
            args.append("authorization=Basic " + base64.b64encode(creds(i).encode()).decode())
        procs.append(subprocess.Popen(args, stdout=subprocess.PIPE, text=True))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, p in enumerate(procs):
        code = p.communicate(timeout=120)[0].strip()
        want = "0" if i % 3 == 0 else "16"
        if code != want:
            print("FAIL: grpc call %d got status %r, want %s" % (i, code, want))
            failed += 1
    for i in range(n):
        want = 200 if i % 3 == 0 else 401
        if got[i] != want:
            print("FAIL: http request %d got %r, want %d" % (i, got[i], want))
            failed += 1

    # clients gone before their (uncached, wrong) credentials were checked
    wrong = "Basic " + base64.b64encode(b"burst0:not-it").decode()
    body = (BODY % "gone-early").encode()
    for _ in range(5):
        s = socket.create_connection(("127.0.0.1", hport), timeout=5)
        s.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: " +
                  wrong.encode() + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        s.close()
        subprocess.run(["curl", "-s", "-o", "/dev/null", "--http2-prior-knowledge", "-m", "0.05", "-H",
                        "Content-Type: application/json", "-H", "Authorization: " + wrong, "--data-binary",
                        BODY % "gone-early", "http://127.0.0.1:%d/v1/traces" % hport])
    after = [None]
    http_one(hport, 0, after, "burst-after")  # burst0's right password: cached by now
    if after[0] != 200:
        print("FAIL: a request after the early-closed clients got %r" % after[0])
        failed += 1
    print("%d failed of %d checks" % (failed, 2 * n + 1))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
