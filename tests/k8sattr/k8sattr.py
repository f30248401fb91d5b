#!/usr/bin/env python3
"""Helpers of k8sattr.sh.
  pods <out.json>                 the API server's initial objects (pods, ReplicaSets, Namespaces, Nodes)
  namespace <name> <uid> <k=v>... one Namespace JSON with those labels (for /_ctl/modify)
  pod <name> <uid> <ip> [node]    one pod JSON (for /_ctl/add)
  attrs <file> <span name>        the resource attributes of that span (JSON), exit 1 if absent
  tagged <file> <span name> <pod name>   exit 0 if the span's resource has k8s.pod.name=<pod name>
  untagged <file> <span name>     exit 0 if the span is there with no k8s.pod.name
"""
import json
import sys

from pods import namespace, node, pod, replicaset


def initial():
    return [
        pod("cart-7d9f8b6c5d-x2x4q", "uid-a", "10.1.0.1", ns="shop", rs="cart-7d9f8b6c5d",
            hash_="7d9f8b6c5d", labels={"app": "cart"}, annotations={"big": "x" * 5000}),
        pod("elsewhere", "uid-b", "10.1.0.2", node="node-b", labels={"app": "far"}),
        # its ReplicaSet's name trimmed of the hash says "checkout-v2"; its
        # Deployment (the ReplicaSet's owner) is "checkout"
        pod("checkout-v2-5f6d7c8b9a-q8m2z", "uid-co", "10.1.0.8", ns="shop", rs="checkout-v2-5f6d7c8b9a",
            hash_="5f6d7c8b9a", labels={"app": "checkout"}, rs_uid="rs-co"),
        replicaset("cart-7d9f8b6c5d", "uid-a-rs", "shop", deployment="cart"),
        replicaset("checkout-v2-5f6d7c8b9a", "rs-co", "shop", deployment="checkout"),
        replicaset("unrelated-6c7d8e9f0a", "rs-x", "other", deployment="unrelated"),
        namespace("shop", "ns-shop", labels={"team": "payments"}),
        namespace("default", "ns-default"),
        node("node-a", "node-uid-a", labels={"topology.kubernetes.io/zone": "eu-1a"}),
        node("node-b", "node-uid-b", labels={"topology.kubernetes.io/zone": "eu-1b"}),
    ]


def attrs_of(path, name):
    try:
        lines = open(path).read().splitlines()
    except FileNotFoundError:
        return None
    for line in lines:
        if not line.strip():
            continue
        for rs in json.loads(line).get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                if any(s.get("name") == name for s in ss.get("spans", [])):
                    return {a["key"]: a["value"].get("stringValue")
                            for a in rs.get("resource", {}).get("attributes", [])}
    return None


def main():
    cmd = sys.argv[1]
    if cmd == "pods":
        json.dump(initial(), open(sys.argv[2], "w"))
    elif cmd == "pod":
        node = sys.argv[5] if len(sys.argv) > 5 else "node-a"
        print(json.dumps(pod(sys.argv[2], sys.argv[3], sys.argv[4], ns="shop", node=node, labels={"app": sys.argv[2]})))
    elif cmd == "namespace":
        labels = dict(kv.split("=", 1) for kv in sys.argv[4:])
        print(json.dumps(namespace(sys.argv[2], sys.argv[3], labels=labels)))
    elif cmd == "attrs":
        a = attrs_of(sys.argv[2], sys.argv[3])
        if a is None:
            sys.exit(1)
        print(json.dumps(a, sort_keys=True))
    elif cmd == "tagged":
        a = attrs_of(sys.argv[2], sys.argv[3])
        sys.exit(0 if a and a.get("k8s.pod.name") == sys.argv[4] else 1)
    elif cmd == "untagged":
        a = attrs_of(sys.argv[2], sys.argv[3])
        sys.exit(0 if a is not None and "k8s.pod.name" not in a else 1)


if __name__ == "__main__":
    main()
