#!/usr/bin/env python3
"""Checks that deploy/ hangs together, without Docker or a cluster.

Every YAML file under deploy/ must parse; beyond that, each check below
is a mistake that would only show up at `docker build`, `docker compose
up` or `kubectl apply` time: a file a manifest names but that does not
exist, a port or name that does not match across files, a collector
endpoint on loopback inside a container, a file exporter writing to the
read-only root file system.

    check_manifests.py REPO_ROOT
Prints one line per failed check and exits 1 if any failed.
"""
import json
import os
import re
import shlex
import sys

try:
    import yaml
except ImportError:
    sys.exit("python3-yaml is missing: run scripts/install-deps")

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."
DEPLOY = os.path.join(ROOT, "deploy")
K8S = os.path.join(DEPLOY, "kubernetes")
OTLP_PORTS = {4317, 4318}
failures = []


def fail(where, msg):
    failures.append(f"{where}: {msg}")


def load_all(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def dig(node, *keys):
    for k in keys:
        if not isinstance(node, dict) or k not in node:
            return None
        node = node[k]
    return node


def is_loopback(host):
    return host in ("localhost", "::1", "[::1]") or host.startswith("127.")


def endpoint_port(ep):
    m = re.fullmatch(r"(.*):(\d+)", str(ep))
    return (m.group(1), int(m.group(2))) if m else (str(ep), None)


def mem_bytes(q):
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 10**3, "M": 10**6, "G": 10**9}
    m = re.fullmatch(r"(\d+)([KMG]i?)?", str(q))
    if not m:
        return None
    return int(m.group(1)) * units.get(m.group(2) or "", 1)


# ---- Dockerfile -------------------------------------------------------------

def parse_dockerfile(path):
    """Instructions as (KEYWORD, argument) with continuations joined."""
    out, cur = [], ""
    with open(path) as f:
        for line in f:
            s = line.rstrip("\n")
            if s.lstrip().startswith("#"):
                continue
            if s.endswith("\\"):
                cur += s[:-1] + " "
                continue
            cur += s
            if cur.strip():
                kw, _, arg = cur.strip().partition(" ")
                out.append((kw.upper(), arg.strip()))
            cur = ""
    return out


def check_dockerfile():
    where = "deploy/Dockerfile"
    ins = parse_dockerfile(os.path.join(DEPLOY, "Dockerfile"))
    stages = [i for i, (kw, _) in enumerate(ins) if kw == "FROM"]
    if len(stages) < 2:
        fail(where, "expected a build stage and a runtime stage")
        return {}
    runtime = ins[stages[-1]:]
    # Sources of COPY (without --from) are paths in the build context, the repo.
    for kw, arg in ins:
        if kw == "COPY" and "--from" not in arg:
            for src in shlex.split(arg)[:-1]:
                if not os.path.exists(os.path.join(ROOT, src)):
                    fail(where, f"COPY source {src} does not exist in the repository")
    info = {"env": {}, "expose": set(), "user": None, "cmd": None, "entrypoint": None,
            "workdir": None}
    for kw, arg in runtime:
        if kw == "ENV":
            for tok in shlex.split(arg):
                k, _, v = tok.partition("=")
                info["env"][k] = v
        elif kw == "EXPOSE":
            info["expose"] |= {int(p.split("/")[0]) for p in arg.split()}
        elif kw == "USER":
            info["user"] = arg
        elif kw == "WORKDIR":
            info["workdir"] = arg
        elif kw in ("CMD", "ENTRYPOINT"):
            try:
                info[kw.lower()] = json.loads(arg)
            except ValueError:
                fail(where, f"{kw} should be exec form (a JSON list) so otlpd is PID 1 and gets SIGTERM")
    if info["expose"] != OTLP_PORTS:
        fail(where, f"EXPOSE {sorted(info['expose'])}, expected 4317 4318")
    if not info["user"] or info["user"].split(":")[0] in ("0", "root"):
        fail(where, "the runtime stage must run as a non-root USER")
    if info["entrypoint"] != ["/usr/bin/otlpd"]:
        fail(where, f"ENTRYPOINT {info['entrypoint']}, expected [\"/usr/bin/otlpd\"]")
    cmd = info["cmd"] or []
    if "--config" not in cmd or cmd.index("--config") + 1 >= len(cmd):
        fail(where, "CMD must pass --config FILE")
    else:
        info["config"] = cmd[cmd.index("--config") + 1]
    for var in ("OTLPD_GRPC_ENDPOINT", "OTLPD_HTTP_ENDPOINT"):
        host, port = endpoint_port(info["env"].get(var, "localhost:0"))
        if is_loopback(host):
            fail(where, f"ENV {var} must not be loopback: nothing outside the container could connect")
        elif port not in OTLP_PORTS:
            fail(where, f"ENV {var} port {port} is not one of the EXPOSEd ports")
    m = re.search(r"--uid (\d+)", " ".join(a for _, a in runtime))
    info["uid"] = int(m.group(1)) if m else None
    return info


# ---- docker compose -----------------------------------------------------------

def check_compose(image):
    where = "deploy/docker-compose.yaml"
    doc = load_all(os.path.join(DEPLOY, "docker-compose.yaml"))[0]
    svc = dig(doc, "services", "otlpd")
    if not isinstance(svc, dict):
        fail(where, "no services.otlpd")
        return
    build = svc.get("build") or {}
    ctx = os.path.normpath(os.path.join(DEPLOY, build.get("context", ".")))
    if not os.path.isfile(os.path.join(ctx, build.get("dockerfile", "Dockerfile"))):
        fail(where, "build.context/dockerfile does not name deploy/Dockerfile")
    published = set()
    for p in svc.get("ports", []):
        published.add(int(str(p).split(":")[-1].split("/")[0]))
    if published != OTLP_PORTS:
        fail(where, f"publishes container ports {sorted(published)}, expected 4317 and 4318")
    mounted_config = False
    for v in svc.get("volumes", []):
        src, dst = str(v).split(":")[:2]
        if src.startswith((".", "/")) and src not in ("./data",):
            if not os.path.exists(os.path.normpath(os.path.join(DEPLOY, src))):
                fail(where, f"volume source {src} does not exist")
                continue
        if dst == image.get("config"):
            mounted_config = True
            cfg = os.path.normpath(os.path.join(DEPLOY, src))
            check_container_config(f"{where} ({src})", cfg, image["env"])
    if not mounted_config:
        fail(where, f"no volume mounts a config at the image's {image.get('config')}")


def check_container_config(where, path, env):
    """The collector config as a container runs it: reachable endpoints."""
    cfg = load_all(path)[0]
    for proto in ("grpc", "http"):
        ep = dig(cfg, "receivers", "otlp", "protocols", proto, "endpoint")
        if ep is None:
            continue
        m = re.fullmatch(r"\$\{(?:env:)?(\w+)(?::-(.*))?\}", str(ep))
        if m:
            ep = env.get(m.group(1), m.group(2) or "")
        host, port = endpoint_port(ep)
        if is_loopback(host):
            fail(where, f"receivers::otlp::protocols::{proto}::endpoint {ep} is loopback in a container")
        elif port not in OTLP_PORTS:
            fail(where, f"receivers::otlp::protocols::{proto}::endpoint port {port} is not 4317/4318")


# ---- Kubernetes ---------------------------------------------------------------

def check_kubernetes(image):
    where = "deploy/kubernetes"
    kust = load_all(os.path.join(K8S, "kustomization.yaml"))[0]
    objs = {}
    for res in kust.get("resources", []):
        path = os.path.join(K8S, res)
        if not os.path.isfile(path):
            fail(where, f"kustomization resource {res} does not exist")
            continue
        for d in load_all(path):
            kind, name = d.get("kind"), dig(d, "metadata", "name")
            if not d.get("apiVersion") or not kind or not name:
                fail(res, "every object needs apiVersion, kind and metadata.name")
                continue
            objs[(kind, name)] = d
    generated = {}
    for g in kust.get("configMapGenerator", []):
        for f in g.get("files", []):
            key, _, src = f.partition("=") if "=" in f else (os.path.basename(f), "", f)
            if not os.path.isfile(os.path.join(K8S, src)):
                fail(where, f"configMapGenerator file {src} does not exist")
            generated.setdefault(g["name"], {})[key] = os.path.join(K8S, src)

    ds = [o for (k, _), o in objs.items() if k == "DaemonSet"]
    if len(ds) != 1:
        fail(where, "expected one DaemonSet")
        return
    ds = ds[0]
    pod = dig(ds, "spec", "template", "spec") or {}
    labels = dig(ds, "spec", "template", "metadata", "labels") or {}
    selector = dig(ds, "spec", "selector", "matchLabels") or {}
    if not selector or any(labels.get(k) != v for k, v in selector.items()):
        fail("daemonset.yaml", "spec.selector does not match the pod template's labels")
    sa = pod.get("serviceAccountName")
    if sa and ("ServiceAccount", sa) not in objs:
        fail("daemonset.yaml", f"serviceAccountName {sa} is not among the resources")
    if (pod.get("terminationGracePeriodSeconds") or 30) < 30:
        fail("daemonset.yaml", "terminationGracePeriodSeconds below 30 s leaves little time to drain")
    uid = dig(pod, "securityContext", "runAsUser")
    if image.get("uid") is not None and uid is not None and uid != image["uid"]:
        fail("daemonset.yaml", f"runAsUser {uid} is not the image's otlpd uid {image['uid']}")

    containers = pod.get("containers") or []
    if len(containers) != 1:
        fail("daemonset.yaml", "expected one container")
        return
    c = containers[0]
    ports = {p.get("name"): p for p in c.get("ports", [])}
    numbers = {p.get("containerPort") for p in ports.values()}
    if not OTLP_PORTS <= numbers:
        fail("daemonset.yaml", f"containerPorts {sorted(numbers)}, expected 4317 and 4318 among them")
    for p in ports.values():
        if p.get("containerPort") in OTLP_PORTS and p.get("hostPort") != p.get("containerPort"):
            fail("daemonset.yaml", f"port {p.get('name')}: hostPort must equal containerPort "
                                   "(SDKs send to the node IP on the standard port)")
    probe_ports = set()
    for probe in ("readinessProbe", "livenessProbe"):
        port = dig(c, probe, "httpGet", "port")
        if port is None:
            fail("daemonset.yaml", f"{probe} is not an httpGet probe on the health_check extension")
            continue
        number = ports[port].get("containerPort") if port in ports else port
        if number not in numbers:
            fail("daemonset.yaml", f"{probe} port {port} is not a container port")
        probe_ports.add((number, dig(c, probe, "httpGet", "path") or "/"))
    req = mem_bytes(dig(c, "resources", "requests", "memory"))
    lim = mem_bytes(dig(c, "resources", "limits", "memory"))
    if req is None or lim is None or req > lim:
        fail("daemonset.yaml", "memory request and limit must be set, request <= limit")
    elif lim < 64 * 2**20:
        fail("daemonset.yaml", "memory limit under the measured 64 MB peak would OOM-kill under load")
    if c.get("image", "").split(":")[0] not in {i.get("name") for i in kust.get("images", [])} | {"otlpd"}:
        fail("daemonset.yaml", "container image is not the one kustomization.yaml sets")

    # The config file the container reads must come from the generated ConfigMap.
    args = c.get("args") or image.get("cmd") or []
    cfg_path = args[args.index("--config") + 1] if "--config" in args else None
    mounts = {m["name"]: m for m in c.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    cfg_file = None
    for name, m in mounts.items():
        v = volumes.get(name)
        if v is None:
            fail("daemonset.yaml", f"volumeMount {name} has no volume")
            continue
        cm = dig(v, "configMap", "name")
        if cm is not None:
            if cm not in generated and ("ConfigMap", cm) not in objs:
                fail("daemonset.yaml", f"volume {name} names ConfigMap {cm}, which nothing creates")
            elif cfg_path and os.path.dirname(cfg_path) == m["mountPath"].rstrip("/"):
                cfg_file = generated.get(cm, {}).get(os.path.basename(cfg_path))
    if cfg_file is None:
        fail("daemonset.yaml", f"--config {cfg_path} is not a key of a mounted, generated ConfigMap")
        return

    # The collector config itself: reachable, and writing only where it may.
    check_container_config("kubernetes/config.yaml", cfg_file, {})
    cfg = load_all(cfg_file)[0]
    # The probes must reach the health_check extension the config enables.
    hc = (cfg.get("extensions") or {}).get("health_check")
    if "health_check" not in (dig(cfg, "service", "extensions") or []) or hc is None:
        fail("kubernetes/config.yaml", "the probes need the health_check extension enabled")
    else:
        host, hport = endpoint_port((hc or {}).get("endpoint", "localhost:13133"))
        if is_loopback(host):
            fail("kubernetes/config.yaml", "health_check endpoint is loopback: the kubelet cannot reach it")
        for number, path in probe_ports:
            if number != hport or path != (hc or {}).get("path", "/"):
                fail("daemonset.yaml", f"probe {path} on port {number} is not the health_check "
                                       f"extension ({hport}, {(hc or {}).get('path', '/')})")
    writable = [m["mountPath"].rstrip("/") for m in mounts.values() if not m.get("readOnly")]
    read_only_root = dig(c, "securityContext", "readOnlyRootFilesystem")
    for name, exp in (cfg.get("exporters") or {}).items():
        path = (exp or {}).get("path") if name.split("/")[0] == "file" else None
        if path is None:
            continue
        if not path.startswith("/"):
            fail("kubernetes/config.yaml", f"exporters::{name}::path {path}: use an absolute path "
                                           "inside the data volume")
        elif read_only_root and not any(path.startswith(w + "/") for w in writable):
            fail("kubernetes/config.yaml", f"exporters::{name}::path {path} is not on a writable "
                                           f"volume (read-only root; writable: {writable})")

    check_k8s_attributes_rbac(cfg, objs, pod, c)

    svcs = [o for (k, _), o in objs.items() if k == "Service"]
    for s in svcs:
        sel = dig(s, "spec", "selector") or {}
        if not sel or any(labels.get(k) != v for k, v in sel.items()):
            fail("service.yaml", "selector does not match the DaemonSet's pods")
        if dig(s, "spec", "internalTrafficPolicy") != "Local":
            fail("service.yaml", "internalTrafficPolicy should be Local (node-local collector)")
        for p in dig(s, "spec", "ports") or []:
            t = p.get("targetPort")
            if t not in ports and t not in numbers:
                fail("service.yaml", f"targetPort {t} is not a container port")


def uses_k8s_attributes(cfg):
    """The k8s_attributes processor ids the pipelines use."""
    used = set()
    for p in (dig(cfg, "service", "pipelines") or {}).values():
        for proc in (p or {}).get("processors") or []:
            if proc.split("/")[0] in ("k8s_attributes", "k8sattributes"):
                used.add(proc)
    return used


# extract::metadata when the config sets none (the processor's default)
K8S_DEFAULT_METADATA = ["k8s.namespace.name", "k8s.pod.name", "k8s.pod.uid", "k8s.pod.start_time",
                        "k8s.deployment.name", "k8s.node.name"]


def k8s_resources_read(cfg, used):
    """(apiGroup, resource) pairs the k8s_attributes instances list and
    watch: pods always; ReplicaSets for the Deployment's name or uid;
    Namespaces and Nodes for labels/annotations rules taken from them."""
    need = {("", "pods")}
    for pid in used:
        extract = dig(cfg, "processors", pid, "extract") or {}
        metadata = extract.get("metadata")
        if metadata is None:
            metadata = K8S_DEFAULT_METADATA
        if {"k8s.deployment.name", "k8s.deployment.uid"} & set(metadata) and \
                not extract.get("deployment_name_from_replicaset"):
            need.add(("apps", "replicasets"))
        for rule in (extract.get("labels") or []) + (extract.get("annotations") or []):
            src = (rule or {}).get("from", "pod")
            if src == "namespace":
                need.add(("", "namespaces"))
            elif src == "node":
                need.add(("", "nodes"))
    return need


def role_reads(role, group, resource):
    return any(group in (r.get("apiGroups") or []) and resource in (r.get("resources") or [])
               and {"get", "list", "watch"} <= set(r.get("verbs") or []) for r in role.get("rules") or [])


def check_k8s_attributes_rbac(cfg, objs, pod, container):
    """A config with k8s_attributes needs the pod's service account token
    mounted and bound to a role that may get/list/watch what it reads
    (pods, and ReplicaSets, Namespaces, Nodes when its extract rules ask);
    its node_from_env_var must be set from spec.nodeName."""
    used = uses_k8s_attributes(cfg)
    if not used:
        return
    need = k8s_resources_read(cfg, used)
    where = "deploy/kubernetes (k8s_attributes)"
    sa = pod.get("serviceAccountName") or "default"
    sa_obj = objs.get(("ServiceAccount", sa)) or {}
    mount = pod.get("automountServiceAccountToken")
    if mount is False or (mount is None and sa_obj.get("automountServiceAccountToken") is False):
        fail(where, f"the service account token is not mounted (automountServiceAccountToken), "
                    f"but {sorted(used)} reads the API with it")
    roles = {}
    for (kind, name), o in objs.items():
        if kind in ("ClusterRole", "Role"):
            roles[(kind, name)] = all(role_reads(o, g, res) for g, res in need)
    bound = False
    for (kind, _), o in objs.items():
        if kind != "ClusterRoleBinding":
            continue
        ref = o.get("roleRef") or {}
        if not roles.get((ref.get("kind"), ref.get("name"))):
            continue
        if any(s.get("kind") == "ServiceAccount" and s.get("name") == sa for s in o.get("subjects") or []):
            bound = True
    if not bound:
        fail(where, f"no ClusterRoleBinding gives ServiceAccount {sa} a ClusterRole with get/list/watch "
                    f"on {sorted(r if g == '' else g + '/' + r for g, r in need)}, which {sorted(used)} needs")
    env = {e.get("name"): e for e in container.get("env") or []}
    for pid in used:
        var = dig(cfg, "processors", pid, "filter", "node_from_env_var")
        if var and dig(env.get(var), "valueFrom", "fieldRef", "fieldPath") != "spec.nodeName":
            fail(where, f"processors::{pid}::filter::node_from_env_var {var} is not set from spec.nodeName")


def check_probes_reach_health(where, container, cfg):
    """httpGet probes on a named port that the config's health_check serves."""
    ports = {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}
    hc = (cfg.get("extensions") or {}).get("health_check")
    if hc is None or "health_check" not in (dig(cfg, "service", "extensions") or []):
        fail(where, "the probes need the health_check extension enabled")
        return
    host, hport = endpoint_port((hc or {}).get("endpoint", "localhost:13133"))
    if is_loopback(host):
        fail(where, "health_check endpoint is loopback: the kubelet cannot reach it")
    for probe in ("readinessProbe", "livenessProbe"):
        port = dig(container, probe, "httpGet", "port")
        number = ports.get(port, port)
        if number != hport:
            fail(where, f"{probe} port {port} is not the health_check endpoint's port {hport}")


def check_gateway(image):
    """deploy/kubernetes/gateway: Deployment + Service + HPA + PDB."""
    gw = os.path.join(K8S, "gateway")
    where = "kubernetes/gateway"
    kust = load_all(os.path.join(gw, "kustomization.yaml"))[0]
    objs = {}
    for res in kust.get("resources", []):
        path = os.path.join(gw, res)
        if not os.path.isfile(path):
            fail(where, f"kustomization resource {res} does not exist")
            continue
        for d in load_all(path):
            objs[(d.get("kind"), dig(d, "metadata", "name"))] = d
    gens = {g["name"]: g.get("files", []) for g in kust.get("configMapGenerator", [])}
    deps = [o for (k, _), o in objs.items() if k == "Deployment"]
    if len(deps) != 1:
        fail(where, "expected one Deployment")
        return
    dep = deps[0]
    name = dig(dep, "metadata", "name")
    pod = dig(dep, "spec", "template", "spec") or {}
    labels = dig(dep, "spec", "template", "metadata", "labels") or {}
    sel = dig(dep, "spec", "selector", "matchLabels") or {}
    if not sel or any(labels.get(k) != v for k, v in sel.items()):
        fail(where, "the Deployment's selector does not match its pod labels")
    uid = dig(pod, "securityContext", "runAsUser")
    if image.get("uid") is not None and uid is not None and uid != image["uid"]:
        fail(where, f"runAsUser {uid} is not the image's otlpd uid {image['uid']}")
    c = (pod.get("containers") or [{}])[0]
    for (kind, oname), o in objs.items():
        if kind == "Service":
            ssel = dig(o, "spec", "selector") or {}
            if not ssel or any(labels.get(k) != v for k, v in ssel.items()):
                fail(where, f"Service {oname} does not select the gateway pods")
            names = {p.get("name") for p in c.get("ports", [])}
            for p in dig(o, "spec", "ports") or []:
                if p.get("targetPort") not in names:
                    fail(where, f"Service {oname} targetPort {p.get('targetPort')} is not a container port")
        if kind == "HorizontalPodAutoscaler":
            ref = dig(o, "spec", "scaleTargetRef") or {}
            if ref.get("kind") != "Deployment" or ref.get("name") != name:
                fail(where, f"HPA {oname} does not scale the Deployment {name}")
            if not dig(c, "resources", "requests", "cpu"):
                fail(where, "an HPA on CPU needs the container's CPU request")
        if kind == "PodDisruptionBudget":
            psel = dig(o, "spec", "selector", "matchLabels") or {}
            if any(labels.get(k) != v for k, v in psel.items()):
                fail(where, f"PDB {oname} does not select the gateway pods")
    cm = None
    for v in pod.get("volumes", []):
        if dig(v, "configMap", "name") in gens:
            cm = dig(v, "configMap", "name")
    if cm is None or "config.yaml" not in gens[cm]:
        fail(where, "the Deployment does not mount the generated config")
        return
    cfg_path = os.path.join(gw, "config.yaml")
    check_container_config("kubernetes/gateway/config.yaml", cfg_path, {})
    check_probes_reach_health(where, c, load_all(cfg_path)[0])
    # The agents' config must send to this Service.
    agent = load_all(os.path.join(gw, "agent-config.yaml"))[0]
    svc = [n for (k, n) in objs if k == "Service"]
    targets = [str(e.get("endpoint", "")) for e in (agent.get("exporters") or {}).values() if isinstance(e, dict)]
    if not any(f"//{s}." in t or t.startswith(f"{s}.") for s in svc for t in targets):
        fail("kubernetes/gateway/agent-config.yaml", f"no exporter sends to the gateway Service ({svc})")
    # The trace-aware agents resolve a headless Service of the gateway pods.
    lb_path = os.path.join(gw, "agent-loadbalancing-config.yaml")
    lb = dig(load_all(lb_path)[0], "exporters", "loadbalancing") or {}
    host = str(dig(lb, "resolver", "dns", "hostname") or "")
    headless = [n for (k, n), o in objs.items() if k == "Service" and dig(o, "spec", "clusterIP") == "None"]
    if not any(host.startswith(f"{s}.") for s in headless):
        fail("kubernetes/gateway/agent-loadbalancing-config.yaml",
             f"resolver::dns::hostname {host!r} is not a headless Service of the gateways ({headless})")
    port = str(dig(lb, "resolver", "dns", "port") or "4317")
    svc_ports = {str(p.get("port")) for (k, n), o in objs.items() if k == "Service" and n in headless
                 for p in dig(o, "spec", "ports") or []}
    if port not in svc_ports:
        fail("kubernetes/gateway/agent-loadbalancing-config.yaml", f"port {port} is not a port of the headless Service")


def check_compose_stack():
    """deploy/docker-compose/: otlpd + Elasticsearch + Kibana + Loki + Prometheus + Grafana + demo."""
    d = os.path.join(DEPLOY, "docker-compose")
    where = "docker-compose/compose.yaml"
    comp = load_all(os.path.join(d, "compose.yaml"))[0]
    svcs = comp.get("services") or {}
    for want in ("otlpd", "elasticsearch", "kibana", "loki", "grafana", "demo"):
        if want not in svcs:
            fail(where, f"service {want} is missing")
    # container ports each service listens on (the right side of ports:)
    listens = {}
    for name, s in svcs.items():
        img = str(s.get("image", ""))
        tag = img.rsplit(":", 1)[1] if ":" in img.split("/")[-1] else ""
        if not tag or tag == "latest":
            fail(where, f"service {name}: image {img!r} is not pinned to a tag")
        listens[name] = {int(str(p).split(":")[-1].split("/")[0]) for p in s.get("ports", [])}
        for v in s.get("volumes", []):
            src = str(v).split(":")[0]
            if src.startswith((".", "/")) and not os.path.exists(os.path.join(d, src)):
                fail(where, f"service {name}: volume source {src} does not exist")
    # well-known container ports of the backends, in case they are not published
    listens.setdefault("elasticsearch", set()).add(9200)
    listens.setdefault("loki", set()).add(3100)

    def reaches(url, label):
        m = re.match(r"(?:\w+://)?([^:/]+):(\d+)", str(url))
        if not m:
            fail(label, f"{url}: no host:port")
        elif m.group(1) not in svcs:
            fail(label, f"{url}: {m.group(1)} is not a service of the stack")
        elif int(m.group(2)) not in listens.get(m.group(1), set()):
            fail(label, f"{url}: {m.group(1)} does not listen on {m.group(2)}")

    # otlpd's config: the mounted file, its exporters aim at services of the stack
    mounts = [str(v).split(":") for v in svcs.get("otlpd", {}).get("volumes", [])]
    cfgs = [os.path.join(d, m[0]) for m in mounts if len(m) > 1 and m[1] == "/etc/otlpd/config.yaml"]
    if not cfgs:
        fail(where, "otlpd does not mount its config at /etc/otlpd/config.yaml")
        return
    cfg = load_all(cfgs[0])[0]
    check_container_config("docker-compose/otlpd.yaml", cfgs[0], {})
    for eid, e in (cfg.get("exporters") or {}).items():
        for url in ([e.get("endpoint")] if isinstance(e, dict) and e.get("endpoint") else []) + \
                   (list(e.get("endpoints", [])) if isinstance(e, dict) else []):
            reaches(url, f"docker-compose/otlpd.yaml exporters::{eid}")
    tport = endpoint_port(dig(cfg, "service", "telemetry", "metrics", "address") or "localhost:8888")[1]
    listens["otlpd"] |= {4317, 4318, tport}
    # the demo app sends to otlpd's HTTP receiver
    env = svcs.get("demo", {}).get("environment", [])
    env = dict(str(e).split("=", 1) for e in env) if isinstance(env, list) else env
    reaches(env.get("OTEL_EXPORTER_OTLP_ENDPOINT", ""), "docker-compose demo")
    # Grafana's data sources and Prometheus' scrape targets are services of the stack
    ds = load_all(os.path.join(d, "grafana/provisioning/datasources/datasources.yaml"))[0]
    for src in ds.get("datasources", []):
        reaches(src.get("url", ""), f"grafana datasource {src.get('name')}")
    prom = load_all(os.path.join(d, "prometheus/prometheus.yml"))[0]
    for job in prom.get("scrape_configs", []):
        for sc in job.get("static_configs", []):
            for t in sc.get("targets", []):
                reaches(t, f"prometheus job {job.get('job_name')}")
    # the provisioned dashboard folder is where compose mounts the dashboard
    prov = load_all(os.path.join(d, "grafana/provisioning/dashboards/dashboards.yaml"))[0]
    paths = {dig(p, "options", "path") for p in prov.get("providers", [])}
    gmounts = [str(v).split(":") for v in svcs.get("grafana", {}).get("volumes", [])]
    if not any(len(m) > 1 and os.path.dirname(m[1]) in paths for m in gmounts):
        fail(where, f"no dashboard is mounted in the provisioned folder {paths}")


def main():
    for dirpath, _, files in os.walk(DEPLOY):
        for f in files:
            if f.endswith((".yaml", ".yml")):
                path = os.path.join(dirpath, f)
                try:
                    load_all(path)
                except yaml.YAMLError as e:
                    fail(os.path.relpath(path, ROOT), f"not valid YAML: {e}")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        return 1
    image = check_dockerfile()
    check_compose(image)
    check_kubernetes(image)
    check_gateway(image)
    check_compose_stack()
    if failures:
        print("\n".join(failures), file=sys.stderr)
        return 1
    print("deploy manifests: consistent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
