"""Pod objects as the Kubernetes API serves them (v1.Pod, trimmed to what
clients commonly see), shared by the test API server and the unit test
fixture generator."""
import json


def pod(name, uid, ip, ns="default", node="node-a", rs=None, hash_=None, labels=None,
        annotations=None, host_network=False, phase="Running", rv="1", containers=None):
    labels = dict(labels or {})
    if hash_:
        labels["pod-template-hash"] = hash_
    meta = {
        "name": name,
        "namespace": ns,
        "uid": uid,
        "resourceVersion": rv,
        "creationTimestamp": "2026-11-29T09:00:00Z",
        "labels": labels,
        "annotations": dict(annotations or {}),
    }
    if rs:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs,
                                    "uid": uid + "-rs", "controller": True, "blockOwnerDeletion": True}]
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": meta,
        "spec": {
            "nodeName": node,
            "hostNetwork": host_network,
            "containers": containers or [{"name": "app", "image": "registry.example.com/shop/app:1.2.3",
                                          "ports": [{"containerPort": 8080, "protocol": "TCP"}]}],
        },
        "status": {
            "phase": phase,
            "hostIP": "10.0.0.1",
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "startTime": "2026-11-29T09:00:01Z",
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


def pod_list(pods, rv):
    return {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": rv}, "items": pods}


def event(kind, obj):
    return json.dumps({"type": kind, "object": obj}, separators=(",", ":")) + "\n"
