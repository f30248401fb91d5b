#!/usr/bin/env python3
"""max_connections on one listener of 127.0.0.1:PORT.

usage: conn_cap.py http|grpc PORT CAP [--grpc-client PATH]

Holds CAP idle connections, then checks that one more is closed by the
server (EOF or reset, no data needed), that the CAP held ones are still
open, and, after releasing one of them, that a valid OTLP request on a new
connection succeeds (HTTP: a JSON export answered 200; gRPC: the given
client's call ends with status 0). Prints one line per check; exit 0 when
all passed. Waits are bounded generously; nothing is timed."""
import select
import socket
import subprocess
import sys
import time

WAIT = 15.0  # seconds: bound for "the server closes it"


def closed_by_server(s, wait):
    """True once the server closed s (EOF or reset) within wait seconds."""
    end = time.monotonic() + wait
    while time.monotonic() < end:
        r, _, _ = select.select([s], [], [], 0.2)
        if not r:
            continue
        try:
            data = s.recv(4096)
        except OSError:
            return True
        if not data:
            return True
        # HTTP/2 servers may send a SETTINGS frame first: keep reading
    return False


def still_open(s):
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        return True
    try:
        return s.recv(4096, socket.MSG_PEEK) != b""
    except OSError:
        return False


def http_export(port, name):
    body = ('{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10",'
            '"spanId":"0102030405060708","name":"%s"}]}]}]}' % name).encode()
    req = (b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
           b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(req)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.split(b"\r\n", 1)[0].decode(errors="replace")
    except OSError as e:
        return "error: %s" % e
    finally:
        s.close()


def main():
    args = sys.argv[1:]
    client = None
    if "--grpc-client" in args:
        i = args.index("--grpc-client")
        client = args[i + 1]
        del args[i:i + 2]
    proto, port, cap = args[0], int(args[1]), int(args[2])
    failed = 0
    held = []
    for _ in range(cap):
        held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
    # the server accepts in connection order: the next one is over the cap
    extra = socket.create_connection(("127.0.0.1", port), timeout=5)
    if closed_by_server(extra, WAIT):
        print("ok: connection %d was closed by the server" % (cap + 1))
    else:
        print("FAIL: connection %d stayed open past the cap" % (cap + 1))
        failed += 1
    extra.close()
    open_now = sum(1 for s in held if still_open(s))
    if open_now == cap:
        print("ok: the %d connections within the cap are still open" % cap)
    else:
        print("FAIL: only %d of the %d connections within the cap are open" % (open_now, cap))
        failed += 1
    held.pop().close()
    # the server notices the release asynchronously: retry, bounded
    got = None
    end = time.monotonic() + WAIT * 2
    while time.monotonic() < end:
        if proto == "http":
            got = http_export(port, "after-release")
            if got.startswith("HTTP/1.1 200"):
                break
        else:
            got = subprocess.run([client, "127.0.0.1:%d" % port, "after-release-grpc"], capture_output=True,
                                 text=True, timeout=60).stdout.strip()
            if got == "0":
                break
        time.sleep(0.2)
    if (proto == "http" and got and got.startswith("HTTP/1.1 200")) or (proto == "grpc" and got == "0"):
        print("ok: a request after releasing one connection succeeded")
    else:
        print("FAIL: a request after releasing one connection got %r" % got)
        failed += 1
    for s in held:
        s.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
