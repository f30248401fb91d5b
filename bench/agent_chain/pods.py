#!/usr/bin/env python3
"""The agent chain bench's pod table: N pods on node-a (default 1,000), as
the test API server (tests/k8sattr/api_server.py) serves them. One of them,
the bench payloads' checkout-api pod, has the address the load generator
connects from (127.0.0.1), so k8s_attributes' default association (by
connection) tags every resource, as in a DaemonSet.
usage: pods.py <out.json> [n]"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "k8sattr"))
from pods import pod  # noqa: E402


def main():
    out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    pods = [pod("checkout-api-7d9f8b6c5-x2x9q", "uid-checkout", "127.0.0.1", ns="shop",
                rs="checkout-api-7d9f8b6c5", hash_="7d9f8b6c5", labels={"app": "checkout-api"})]
    for i in range(1, n):
        name = "app%d-5f6d8c9b7-q%04d" % (i % 97, i)
        pods.append(pod(name, "uid-%06d" % i, "10.1.%d.%d" % (i // 250, i % 250 + 1), ns="ns%d" % (i % 20),
                        rs="app%d-5f6d8c9b7" % (i % 97), hash_="5f6d8c9b7", labels={"app": "app%d" % (i % 97)}))
    with open(out, "w") as f:
        json.dump(pods, f)


if __name__ == "__main__":
    main()
