#!/usr/bin/env python3
"""A stand-in for the Kubernetes API server's pod, ReplicaSet, Namespace
and Node endpoints, for the k8s_attributes end-to-end test.

  GET /api/v1/pods[?fieldSelector=spec.nodeName%3D<node>][&limit=N][&continue=T]
      PodList JSON, paginated as the API documents: at most `limit` items
      (fewer when API_PAGE_MAX, an environment variable, is smaller: the
      server may return fewer), metadata.continue and remainingItemCount
      while more remain; a continue token serves the rest of the snapshot
      the first page was taken from; an expired token gets 410 Gone (a
      Status with reason Expired)
  GET /api/v1/pods?watch=1&resourceVersion=R&...            a chunked stream of
      watch events, one JSON object per line: the events after R, then live
      ones (ADDED / MODIFIED / DELETED / BOOKMARK); a resourceVersion older
      than the expiry mark gets an ERROR event with code 410 (as the API
      server does), and the stream ends
The same list, pagination and watch are served for
  /apis/apps/v1/replicasets (ReplicaSetList), /api/v1/namespaces
  (NamespaceList) and /api/v1/nodes (NodeList), with fieldSelector
  metadata.name=<name>; all kinds share one resourceVersion sequence, as
  in etcd.
Every request must carry "Authorization: Bearer <token>" with the token
currently in the token file (re-read per request, so the test can rotate it).

Control (test only, no auth): POST /_ctl/add|modify (an object's JSON: its
"kind" picks the resource), POST /_ctl/delete/<uid> (any kind), POST /_ctl/bookmark, POST /_ctl/expire (ERROR 410
to open watches and every older resourceVersion, continue tokens included),
POST /_ctl/expire_continue (the next continue request finds its snapshot
compacted and gets 410, as when compaction falls between two pages); GET /_stats (JSON counts and the query
strings seen, "lists"/"pages"/"watches" for pods and "<resource>_lists"
etc. for the others).

usage: api_server.py <token file> <port file> <objects.json>"""
import base64
import json
import os
import queue
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from pods import obj_list

# URL path -> (resource, List kind); kind of an object -> resource
PATHS = {"/api/v1/pods": ("pods", "PodList"), "/apis/apps/v1/replicasets": ("replicasets", "ReplicaSetList"),
         "/api/v1/namespaces": ("namespaces", "NamespaceList"), "/api/v1/nodes": ("nodes", "NodeList")}
RESOURCE_OF = {"Pod": "pods", "ReplicaSet": "replicasets", "Namespace": "namespaces", "Node": "nodes"}

TOKEN_FILE, PORT_FILE, PODS = sys.argv[1], sys.argv[2], sys.argv[3]

lock = threading.Lock()
state = {
    "rv": 100,
    "objs": {r: {} for r, _ in PATHS.values()},  # resource -> uid -> object
    "history": [],     # (rv, type, resource, object)
    "expired_below": 0,
    "watchers": [],    # queues of open watches
    "snapshots": {},   # token id -> (rv, the filtered items of a paginated list)
    "next_snap": 0,
    "expire_next_continue": False,
    "stats": {"lists": 0, "pages": 0, "watches": 0, "unauthorized": 0, "gone": 0, "continue_gone": 0,
              "queries": []},
}
PAGE_MAX = int(os.environ.get("API_PAGE_MAX", "0") or 0)


def selector_of(query):
    """The fieldSelector's terms we know: spec.nodeName and metadata.name."""
    sel = parse_qs(query).get("fieldSelector", [""])[0]
    return dict(part.split("=", 1) for part in sel.split(",") if "=" in part)


def visible(obj, sel):
    node, name = sel.get("spec.nodeName"), sel.get("metadata.name")
    return ((node is None or obj.get("spec", {}).get("nodeName") == node) and
            (name is None or obj["metadata"].get("name") == name))


def stat_key(res, what):
    return what if res == "pods" else res + "_" + what


def publish(kind, obj):
    """Record an event under a new resourceVersion and hand it to the watches."""
    with lock:
        state["rv"] += 1
        obj = json.loads(json.dumps(obj))
        obj["metadata"]["resourceVersion"] = str(state["rv"])
        res = RESOURCE_OF[obj.get("kind", "Pod")]
        if kind == "DELETED":
            state["objs"][res].pop(obj["metadata"]["uid"], None)
        else:
            state["objs"][res][obj["metadata"]["uid"]] = obj
        ev = (state["rv"], kind, res, obj)
        state["history"].append(ev)
        for q in state["watchers"]:
            q.put(ev)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def authorized(self):
        with open(TOKEN_FILE) as f:
            want = f.read().strip()
        if self.headers.get("Authorization") == "Bearer " + want:
            return True
        with lock:
            state["stats"]["unauthorized"] += 1
        self.send_json(401, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                             "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
        return False

    def do_GET(self):
        u = urlparse(self.path)
        if u.path == "/_stats":
            with lock:
                self.send_json(200, dict(state["stats"], npods=len(state["objs"]["pods"]), rv=state["rv"]))
            return
        if u.path not in PATHS:
            self.send_json(404, {"kind": "Status", "code": 404})
            return
        if not self.authorized():
            return
        res, list_kind = PATHS[u.path]
        q = parse_qs(u.query)
        sel = selector_of(u.query)
        with lock:
            state["stats"]["queries" if res == "pods" else res + "_queries"] = \
                state["stats"].get("queries" if res == "pods" else res + "_queries", []) + [u.query]
        if q.get("watch", ["0"])[0] in ("1", "true"):
            self.watch(res, int(q.get("resourceVersion", ["0"])[0] or 0), sel,
                       int(q.get("timeoutSeconds", ["30"])[0]))
            return
        self.list_page(res, list_kind, q, sel)

    def list_page(self, res, list_kind, q, sel):
        limit = int(q.get("limit", ["0"])[0] or 0)
        token = q.get("continue", [""])[0]
        with lock:
            if token:
                try:
                    snap_id, start = json.loads(base64.urlsafe_b64decode(token.encode()))
                except ValueError:
                    self.send_json(400, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                         "reason": "BadRequest", "code": 400})
                    return
                if state["expire_next_continue"]:
                    state["expire_next_continue"] = False
                    state["snapshots"].clear()
                if snap_id not in state["snapshots"]:
                    state["stats"]["gone"] += 1
                    if res == "pods":
                        state["stats"]["continue_gone"] += 1
                    self.send_json(410, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                         "message": "The provided continue parameter is too old to display a "
                                                    "consistent list result. You can start a new list without the "
                                                    "continue parameter.", "reason": "Expired", "code": 410})
                    return
                rv, items = state["snapshots"][snap_id]
            else:
                k = stat_key(res, "lists")
                state["stats"][k] = state["stats"].get(k, 0) + 1
                rv = state["rv"]
                items = sorted((json.loads(json.dumps(p)) for p in state["objs"][res].values() if visible(p, sel)),
                               key=lambda p: (p["metadata"].get("namespace", ""), p["metadata"]["name"]))
                snap_id, start = state["next_snap"], 0
                state["next_snap"] += 1
                state["snapshots"][snap_id] = (rv, items)
            k = stat_key(res, "pages")
            state["stats"][k] = state["stats"].get(k, 0) + 1
            size = limit
            if PAGE_MAX and (size <= 0 or size > PAGE_MAX):
                size = PAGE_MAX
            page = items[start:start + size] if size > 0 else items[start:]
            end = start + len(page)
            body = obj_list(list_kind, page, str(rv))
            if end < len(items):
                body["metadata"]["continue"] = base64.urlsafe_b64encode(json.dumps([snap_id, end]).encode()).decode()
                body["metadata"]["remainingItemCount"] = len(items) - end
        self.send_json(200, body)

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def watch(self, res, since, sel, timeout):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        q = queue.Queue()
        with lock:
            k = stat_key(res, "watches")
            state["stats"][k] = state["stats"].get(k, 0) + 1
            expired = since < state["expired_below"]
            if not expired:
                for ev in state["history"]:
                    if ev[0] > since and ev[2] == res:
                        q.put(ev)
                state["watchers"].append(q)
        try:
            if expired:
                with lock:
                    state["stats"]["gone"] += 1
                self.chunk(gone_event())
            else:
                self.stream(q, res, sel, min(timeout, 20))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with lock:
                if q in state["watchers"]:
                    state["watchers"].remove(q)

    def stream(self, q, res, sel, timeout):
        while True:
            try:
                ev = q.get(timeout=timeout)
            except queue.Empty:
                return  # the server's timeoutSeconds: a clean end
            rv, kind, ev_res, obj = ev
            if kind == "EXPIRE":
                self.chunk(gone_event())
                return
            if kind == "BOOKMARK":
                kind_of = {r: k for k, r in RESOURCE_OF.items()}
                obj = {"kind": kind_of[res], "apiVersion": "v1", "metadata": {"resourceVersion": str(rv)}}
            elif ev_res != res or not visible(obj, sel):
                continue
            self.chunk((json.dumps({"type": kind, "object": obj}) + "\n").encode())

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n) if n else b""
        path = urlparse(self.path).path
        if path in ("/_ctl/add", "/_ctl/modify"):
            publish("ADDED" if path.endswith("add") else "MODIFIED", json.loads(body))
        elif path.startswith("/_ctl/delete/"):
            uid = path.rsplit("/", 1)[1]
            with lock:
                obj = next((o[uid] for o in state["objs"].values() if uid in o), None)
            if obj:
                publish("DELETED", obj)
        elif path == "/_ctl/bookmark":
            with lock:
                state["rv"] += 1
                for q in state["watchers"]:
                    q.put((state["rv"], "BOOKMARK", None, None))
        elif path == "/_ctl/expire_continue":
            with lock:
                state["expire_next_continue"] = True
        elif path == "/_ctl/expire":
            with lock:
                state["rv"] += 1  # lists from now on are new enough
                state["expired_below"] = state["rv"]
                state["snapshots"].clear()
                for q in state["watchers"]:
                    q.put((0, "EXPIRE", None, None))
        self.send_json(200, {})


def gone_event():
    return (json.dumps({"type": "ERROR", "object": {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": "too old resource version", "reason": "Expired", "code": 410}}) + "\n").encode()


def main():
    with open(PODS) as f:
        for o in json.load(f):
            state["objs"][RESOURCE_OF[o.get("kind", "Pod")]][o["metadata"]["uid"]] = o
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(PORT_FILE + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(PORT_FILE + ".tmp", PORT_FILE)
    srv.serve_forever()


if __name__ == "__main__":
    main()
