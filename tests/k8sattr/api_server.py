#!/usr/bin/env python3
"""A stand-in for the Kubernetes API server's pod endpoints, for the
k8s_attributes end-to-end test.

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
Every request must carry "Authorization: Bearer <token>" with the token
currently in the token file (re-read per request, so the test can rotate it).

Control (test only, no auth): POST /_ctl/add|modify (a pod JSON body),
POST /_ctl/delete/<uid>, POST /_ctl/bookmark, POST /_ctl/expire (ERROR 410
to open watches and every older resourceVersion, continue tokens included),
POST /_ctl/expire_continue (the next continue request finds its snapshot
compacted and gets 410, as when compaction falls between two pages); GET /_stats (JSON counts and the query
strings seen).

usage: api_server.py <token file> <port file> <pods.json>"""
import base64
import json
import os
import queue
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from pods import pod_list

TOKEN_FILE, PORT_FILE, PODS = sys.argv[1], sys.argv[2], sys.argv[3]

lock = threading.Lock()
state = {
    "rv": 100,
    "pods": {},        # uid -> pod
    "history": [],     # (rv, type, pod)
    "expired_below": 0,
    "watchers": [],    # queues of open watches
    "snapshots": {},   # token id -> (rv, the filtered items of a paginated list)
    "next_snap": 0,
    "expire_next_continue": False,
    "stats": {"lists": 0, "pages": 0, "watches": 0, "unauthorized": 0, "gone": 0, "continue_gone": 0,
              "queries": []},
}
PAGE_MAX = int(os.environ.get("API_PAGE_MAX", "0") or 0)


def node_of(query):
    sel = parse_qs(query).get("fieldSelector", [""])[0]
    for part in sel.split(","):
        if part.startswith("spec.nodeName="):
            return part.split("=", 1)[1]
    return None


def visible(pod, node):
    return node is None or pod["spec"].get("nodeName") == node


def publish(kind, pod):
    """Record an event under a new resourceVersion and hand it to the watches."""
    with lock:
        state["rv"] += 1
        pod = json.loads(json.dumps(pod))
        pod["metadata"]["resourceVersion"] = str(state["rv"])
        if kind == "DELETED":
            state["pods"].pop(pod["metadata"]["uid"], None)
        else:
            state["pods"][pod["metadata"]["uid"]] = pod
        ev = (state["rv"], kind, pod)
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
                self.send_json(200, dict(state["stats"], npods=len(state["pods"]), rv=state["rv"]))
            return
        if u.path != "/api/v1/pods":
            self.send_json(404, {"kind": "Status", "code": 404})
            return
        if not self.authorized():
            return
        q = parse_qs(u.query)
        node = node_of(u.query)
        with lock:
            state["stats"]["queries"].append(u.query)
        if q.get("watch", ["0"])[0] in ("1", "true"):
            self.watch(int(q.get("resourceVersion", ["0"])[0] or 0), node,
                       int(q.get("timeoutSeconds", ["30"])[0]))
            return
        self.list_page(q, node)

    def list_page(self, q, node):
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
                    state["stats"]["continue_gone"] += 1
                    self.send_json(410, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                         "message": "The provided continue parameter is too old to display a "
                                                    "consistent list result. You can start a new list without the "
                                                    "continue parameter.", "reason": "Expired", "code": 410})
                    return
                rv, items = state["snapshots"][snap_id]
            else:
                state["stats"]["lists"] += 1
                rv = state["rv"]
                items = sorted((json.loads(json.dumps(p)) for p in state["pods"].values() if visible(p, node)),
                               key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"]))
                snap_id, start = state["next_snap"], 0
                state["next_snap"] += 1
                state["snapshots"][snap_id] = (rv, items)
            state["stats"]["pages"] += 1
            size = limit
            if PAGE_MAX and (size <= 0 or size > PAGE_MAX):
                size = PAGE_MAX
            page = items[start:start + size] if size > 0 else items[start:]
            end = start + len(page)
            body = pod_list(page, str(rv))
            if end < len(items):
                body["metadata"]["continue"] = base64.urlsafe_b64encode(json.dumps([snap_id, end]).encode()).decode()
                body["metadata"]["remainingItemCount"] = len(items) - end
        self.send_json(200, body)

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def watch(self, since, node, timeout):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        q = queue.Queue()
        with lock:
            state["stats"]["watches"] += 1
            expired = since < state["expired_below"]
            if not expired:
                for ev in state["history"]:
                    if ev[0] > since:
                        q.put(ev)
                state["watchers"].append(q)
        try:
            if expired:
                with lock:
                    state["stats"]["gone"] += 1
                self.chunk(gone_event())
            else:
                self.stream(q, node, min(timeout, 20))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with lock:
                if q in state["watchers"]:
                    state["watchers"].remove(q)

    def stream(self, q, node, timeout):
        while True:
            try:
                ev = q.get(timeout=timeout)
            except queue.Empty:
                return  # the server's timeoutSeconds: a clean end
            rv, kind, pod = ev
            if kind == "EXPIRE":
                self.chunk(gone_event())
                return
            if kind == "BOOKMARK":
                obj = {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": str(rv)}}
            elif visible(pod, node):
                obj = pod
            else:
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
                pod = state["pods"].get(uid)
            if pod:
                publish("DELETED", pod)
        elif path == "/_ctl/bookmark":
            with lock:
                state["rv"] += 1
                for q in state["watchers"]:
                    q.put((state["rv"], "BOOKMARK", None))
        elif path == "/_ctl/expire_continue":
            with lock:
                state["expire_next_continue"] = True
        elif path == "/_ctl/expire":
            with lock:
                state["rv"] += 1  # lists from now on are new enough
                state["expired_below"] = state["rv"]
                state["snapshots"].clear()
                for q in state["watchers"]:
                    q.put((0, "EXPIRE", None))
        self.send_json(200, {})


def gone_event():
    return (json.dumps({"type": "ERROR", "object": {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": "too old resource version", "reason": "Expired", "code": 410}}) + "\n").encode()


def main():
    with open(PODS) as f:
        for p in json.load(f):
            state["pods"][p["metadata"]["uid"]] = p
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(PORT_FILE + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(PORT_FILE + ".tmp", PORT_FILE)
    srv.serve_forever()


if __name__ == "__main__":
    main()
