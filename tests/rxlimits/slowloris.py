#!/usr/bin/env python3
"""Slowloris: N connections to 127.0.0.1:PORT each send one byte of an
endless HTTP/1.1 request header per second. Runs until every connection
was closed by the server or --max seconds passed; prints
"opened <n> closed_by_server <m> elapsed <s>". While it runs, the test
sends valid requests from elsewhere.

usage: slowloris.py N PORT [--max SECONDS] [--ready FILE]"""
import resource
import select
import socket
import sys
import time


def main():
    args = sys.argv[1:]
    opts = {"--max": "60", "--ready": None}
    for k in list(opts):
        if k in args:
            i = args.index(k)
            opts[k] = args[i + 1]
            del args[i:i + 2]
    n, port = int(args[0]), int(args[1])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 64), hard))
    head = b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100000
    socks = {}
    for _ in range(n):
        s = socket.socket()
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", port))
        except OSError:
            s.close()
            continue
        s.setblocking(False)
        socks[s] = 0
    opened = len(socks)
    if opts["--ready"]:
        open(opts["--ready"], "w").write(f"{opened}\n")
    start = time.monotonic()
    closed = 0
    while socks and time.monotonic() - start < float(opts["--max"]):
        for s in list(socks):
            pos = socks[s]
            try:
                s.send(head[pos:pos + 1])
                socks[s] = pos + 1
            except OSError:
                closed += 1
                del socks[s]
                s.close()
        # the server closing shows up as readable (EOF, reset, or a 4xx)
        p = select.poll()
        by_fd = {s.fileno(): s for s in socks}
        for fd in by_fd:
            p.register(fd, select.POLLIN)
        for fd, _ in p.poll(0):
            s = by_fd[fd]
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data or b"HTTP/1.1" in data:
                closed += 1
                del socks[s]
                s.close()
        time.sleep(1)
    print(f"opened {opened} closed_by_server {closed} elapsed {time.monotonic() - start:.0f}", flush=True)
    for s in socks:
        s.close()


if __name__ == "__main__":
    main()
