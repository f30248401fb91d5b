"""Pod, ReplicaSet, Namespace and Node objects as the Kubernetes API serves
them (trimmed to what clients commonly see), shared by the test API server
and the unit test fixture generator."""
import json


def pod(name, uid, ip, ns="default", node="node-a", rs=None, hash_=None, labels=None,
        annotations=None, host_network=False, phase="Running", rv="1", containers=None, rs_uid=None):
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
                                    "uid": rs_uid or uid + "-rs", "controller": True, "blockOwnerDeletion": True}]
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
    return obj_list("PodList", pods, rv)


def obj_list(kind, items, rv):
    return {"kind": kind, "apiVersion": "v1", "metadata": {"resourceVersion": rv}, "items": items}


def replicaset(name, uid, ns, deployment=None, deployment_uid=None, rv="1"):
    """apps/v1 ReplicaSet; owned by a Deployment when one is named."""
    meta = {"name": name, "namespace": ns, "uid": uid, "resourceVersion": rv,
            "creationTimestamp": "2026-11-29T08:59:00Z", "labels": {"pod-template-hash": name.rsplit("-", 1)[-1]},
            "annotations": {"deployment.kubernetes.io/revision": "3"}}
    if deployment:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment,
                                    "uid": deployment_uid or "dep-" + deployment, "controller": True,
                                    "blockOwnerDeletion": True}]
    return {"kind": "ReplicaSet", "apiVersion": "apps/v1", "metadata": meta,
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}}},
            "status": {"replicas": 2, "readyReplicas": 2, "observedGeneration": 3}}


def namespace(name, uid, labels=None, annotations=None, rv="1"):
    return {"kind": "Namespace", "apiVersion": "v1",
            "metadata": {"name": name, "uid": uid, "resourceVersion": rv,
                         "creationTimestamp": "2026-11-01T00:00:00Z",
                         "labels": dict({"kubernetes.io/metadata.name": name}, **(labels or {})),
                         "annotations": dict(annotations or {})},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}


def node(name, uid, labels=None, annotations=None, rv="1"):
    return {"kind": "Node", "apiVersion": "v1",
            "metadata": {"name": name, "uid": uid, "resourceVersion": rv,
                         "labels": dict({"kubernetes.io/hostname": name}, **(labels or {})),
                         "annotations": dict(annotations or {})},
            "spec": {"podCIDR": "10.1.0.0/24"},
            "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.1"}]}}


def event(kind, obj):
    return json.dumps({"type": kind, "object": obj}, separators=(",", ":")) + "\n"
