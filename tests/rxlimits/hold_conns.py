#!/usr/bin/env python3
"""Opens N idle TCP connections spread over the given ports of 127.0.0.1 and
holds them until stdin closes (or --hold seconds pass), then closes them all.

usage: hold_conns.py N PORT [PORT...] [--hold SECONDS]
Prints "opened <ok> failed <failed>" once all connects were tried, then
"closed" after releasing them. Connects that the server never accepts still
complete against the kernel backlog or time out; both are fine: the point
is to push the server past its file-descriptor limit."""
import resource
import socket
import sys


def main():
    args = sys.argv[1:]
    hold = None
    if "--hold" in args:
        i = args.index("--hold")
        hold = float(args[i + 1])
        del args[i:i + 2]
    n = int(args[0])
    ports = [int(p) for p in args[1:]]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, n + 64) if hard != resource.RLIM_INFINITY else n + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    socks, failed = [], 0
    for i in range(n):
        s = socket.socket()
        s.settimeout(1.0)
        try:
            s.connect(("127.0.0.1", ports[i % len(ports)]))
            socks.append(s)
        except OSError:
            failed += 1
            s.close()
    print(f"opened {len(socks)} failed {failed}", flush=True)
    if hold is None:
        sys.stdin.read()
    else:
        import time
        time.sleep(hold)
    for s in socks:
        s.close()
    print("closed", flush=True)


if __name__ == "__main__":
    main()
