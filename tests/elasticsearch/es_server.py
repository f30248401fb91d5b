#!/usr/bin/env python3
"""A stand-in for Elasticsearch's _bulk API, for the elasticsearch exporter
tests (built on tests/lib/fault_server.py; Python 3 standard library only).

What it implements of the documented bulk contract
(https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-bulk.html):
  POST /_bulk, /<index>/_bulk   ndjson: an action line ({"index"|"create":
        {"_index": ...}}, "delete" without a source, "update" with one)
        then the source line; the body must end with a newline; gzip
        bodies (Content-Encoding); Content-Type application/json,
        application/x-ndjson or the versioned vendor types of the 8.x
        clients. Answer: {"took", "errors", "items": [...]}, one item per
        action in request order, each {"<action>": {"_index", "_id",
        "status", "result" | "error": {"type", "reason"}}}.
  Data streams (logs-*-*, traces-*-*, metrics-*-*) accept only `create`
  (an `index` action gets 400 illegal_argument_exception, as ES answers).
  Indices and aliases: a write to a name that is neither a data stream,
  an index nor an alias auto-creates a concrete index of that name; a
  write to an alias goes to its write index (the one with
  is_write_index true, else its only index; none: 400
  illegal_argument_exception) and the item's _index names that index.
  `require_alias` (the action's member, else the ?require_alias= query
  parameter) on a name that is not an alias: item 404
  index_not_found_exception "no such index [X] and [require_alias]
  request flag is [true] and [X] is not an alias", nothing created.
  PUT /<index> {"aliases": {...}} (create index API): 200
  {"acknowledged", "shards_acknowledged", "index"}; an existing index:
  400 resource_already_exists_exception; a name taken by an alias: 400
  invalid_index_name_exception; an alias named like an index: 400
  invalid_alias_name_exception; a second write index: 400
  illegal_state_exception. GET /_alias/<name>: 200 {"<index>":
  {"aliases": {"<name>": {...}}}} or 404 {"error": "alias [<name>]
  missing", "status": 404}.
  A source that is not one JSON object, or repeats a key, gets 400
  document_parsing_exception. A body over --max-bytes (decoded) gets 413.
  With --user/--password or --api-key, other credentials get 401.
  Every answer carries X-Elastic-Product: Elasticsearch (clients check it).
  GET / answers the cluster info the official clients ask for.

Faults (besides fault_server's /_fault: whole-request status, delay, reset):
  POST /_es_fault {"item_status": 429, "fraction": 0.5, "times": 3}
        the next `times` bulk requests answer that status for about that
        fraction of their items (deterministic: every round(1/fraction)th
        item, starting with the first);
  POST /_es_fault {"reject_marker": "poison"} documents whose source
        contains that text get 400 mapper_parsing_exception, always.
  POST /_es_fault {"refuse_setup": N} as --refuse-setup N, from now on
        (0 lets setup requests through again).
  POST /_es_fault {"race_alias": N} the next N GET /_alias/X answered 404
        are followed at once by X-000001 created with alias X, as by
        another collector between our GET and our PUT.
Assertions:
  GET /_docs    every stored document: [{"_index", "target", "op", "source"}]
                (_index: where it was stored; target: the action's _index)
  GET /_es_indices  {"<index>": {"aliases": {...}, "docs": n}} of the
                concrete indices (created or auto-created)
  GET/PUT /_ilm/policy/<name>, /_index_template/<name>  as Elasticsearch
                (404 when absent); GET /_es_setup shows what was PUT;
                --refuse-setup N answers the first N of them (and of the
                index-creation and alias requests) 503
  GET /_es_stats {"bulk_requests", "items", "stored", "item_429",
                  "item_400", "whole_faults", "auth_failures", "too_large"}
"""
import base64
import json
import urllib.parse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import fault_server  # noqa: E402

NDJSON_TYPES = ("application/json", "application/x-ndjson",
                "application/vnd.elasticsearch+json", "application/vnd.elasticsearch+x-ndjson")
DATA_STREAM_PREFIXES = ("logs-", "traces-", "metrics-", "synthetics-")


class EsState:
    def __init__(self):
        self.lock = threading.Lock()
        self.docs = []
        self.seq = 0
        self.item_faults = []
        self.reject_marker = None
        self.policies = {}   # _ilm/policy/<name> -> body
        self.templates = {}  # _index_template/<name> -> body
        self.indices = {}    # concrete index -> {"aliases": {alias: props}, "docs": n}
        self.refuse_setup = 0  # answer this many setup requests with 503 first
        self.race_alias = 0    # this many GET _alias 404s are followed by a concurrent creator
        self.stats = {"setup_refused": 0, "policy_puts": 0, "template_puts": 0, "bulk_requests": 0, "items": 0, "stored": 0, "item_429": 0, "item_400": 0,
                      "item_other": 0, "whole_faults": 0, "auth_failures": 0, "too_large": 0,
                      "index_puts": 0, "auto_created": 0, "item_404": 0, "raced": 0}


ES = EsState()
OPTS = {"max_bytes": 100 * 1024 * 1024, "auth": None}


def is_data_stream(name):
    return name.startswith(DATA_STREAM_PREFIXES) and name.count("-") >= 2


def no_dup_pairs(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError("Duplicate field '%s'" % k)
        d[k] = v
    return d


def alias_indices(name):
    """The indices alias `name` points to, with its properties on each (ES.lock held)."""
    return {i: v["aliases"][name] for i, v in ES.indices.items() if name in v["aliases"]}


def write_index(name):
    """The write index of alias `name`, or None (ES.lock held)."""
    on = alias_indices(name)
    w = [i for i, p in on.items() if p.get("is_write_index") is True]
    if w:
        return w[0]
    if len(on) == 1 and next(iter(on.values())).get("is_write_index") is not False:
        return next(iter(on))
    return None


def truthy(v):
    return v is True or (isinstance(v, str) and v.lower() in ("", "true"))


def es_error(status, etype, reason):
    return {"error": {"root_cause": [{"type": etype, "reason": reason}], "type": etype,
                      "reason": reason}, "status": status}


class EsHandler(fault_server.FaultHandler):
    server_version = "es_server/1"

    def reply(self, status, body=b"", headers=None):
        h = {"X-Elastic-Product": "Elasticsearch", "Content-Type": "application/json"}
        h.update(headers or {})
        super().reply(status, body, h)

    def control(self, path, raw):
        if path == "/_bulk":
            return self.data(raw)
        if path == "/_es_fault":
            f = json.loads(raw or b"{}")
            with ES.lock:
                if "reject_marker" in f:
                    ES.reject_marker = f["reject_marker"]
                if "refuse_setup" in f:
                    ES.refuse_setup = int(f["refuse_setup"])
                if "race_alias" in f:
                    ES.race_alias = int(f["race_alias"])
                if "item_status" in f:
                    ES.item_faults.append(f)
            return self.reply(200, "{}")
        if path == "/_es_clear":
            with ES.lock:
                ES.item_faults.clear()
                ES.reject_marker = None
            return self.reply(200, "{}")
        if path == "/_docs":
            with ES.lock:
                return self.reply(200, json.dumps(ES.docs))
        if path == "/_es_indices":
            with ES.lock:
                return self.reply(200, json.dumps(ES.indices))
        if path == "/_es_setup":
            with ES.lock:
                return self.reply(200, json.dumps({"policies": ES.policies, "templates": ES.templates}))
        if path == "/_es_stats":
            with ES.lock:
                return self.reply(200, json.dumps(ES.stats))
        return super().control(path, raw)

    def setup_api(self, path):
        """GET/PUT _ilm/policy/<name> and _index_template/<name> as
        Elasticsearch documents them: GET of a missing one is 404, GET
        answers {"policies"/"index_templates"...}, PUT acknowledges (a PUT
        replaces: counted, so a test sees a needless re-creation)."""
        raw = self.decoded_body()
        kind, name = ("policy", path[len("/_ilm/policy/"):]) if path.startswith("/_ilm/policy/") else \
            ("template", path[len("/_index_template/"):])
        if not self.authorized():
            return self.reply(401, json.dumps(es_error(401, "security_exception", "unable to authenticate user")))
        with ES.lock:
            if self.refused_setup():
                return
            store = ES.policies if kind == "policy" else ES.templates
            if self.command == "GET":
                if name not in store:
                    missing = ("resource_not_found_exception", "Lifecycle policy not found: " + name) \
                        if kind == "policy" else ("resource_not_found_exception", "index template matching [%s] not found" % name)
                    return self.reply(404, json.dumps(es_error(404, *missing)))
                if kind == "policy":
                    return self.reply(200, json.dumps({name: {"version": 1, "policy": store[name]["policy"]}}))
                return self.reply(200, json.dumps({"index_templates": [{"name": name, "index_template": store[name]}]}))
            if self.command != "PUT":
                return self.reply(405, json.dumps(es_error(405, "method_not_allowed", "GET or PUT")))
            try:
                body = json.loads(raw, object_pairs_hook=no_dup_pairs)
                ok = ("policy" in body and "phases" in body["policy"]) if kind == "policy" else \
                    isinstance(body.get("index_patterns"), list) and body["index_patterns"]
            except (ValueError, TypeError):  # TypeError: an undecodable body (None)
                ok = False
            if not ok:
                return self.reply(400, json.dumps(es_error(400, "parse_exception", "invalid %s body" % kind)))
            store[name] = body
            ES.stats["policy_puts" if kind == "policy" else "template_puts"] += 1
            return self.reply(200, json.dumps({"acknowledged": True}))

    def decoded_body(self):
        """The request body, Content-Encoding (gzip...) undone; None if undecodable."""
        raw = self.read_body()
        return fault_server.decode_body((self.headers.get("Content-Encoding") or "").strip(), raw)

    def refused_setup(self):
        """--refuse-setup: the next setup request is answered 503 (ES.lock held)."""
        if ES.refuse_setup <= 0:
            return False
        ES.refuse_setup -= 1
        ES.stats["setup_refused"] += 1
        self.reply(503, json.dumps(es_error(503, "unavailable", "injected setup refusal")))
        return True

    def get_alias(self, name):
        self.read_body()
        if not self.authorized():
            return self.reply(401, json.dumps(es_error(401, "security_exception", "unable to authenticate user")))
        with ES.lock:
            if self.refused_setup():
                return
            on = alias_indices(name)
            if not on:
                self.reply(404, json.dumps({"error": "alias [%s] missing" % name, "status": 404}))
                if ES.race_alias and name + "-000001" not in ES.indices:
                    ES.race_alias -= 1  # another collector creates it just after our GET
                    ES.indices[name + "-000001"] = {"aliases": {name: {"is_write_index": True}}, "docs": 0}
                    ES.stats["raced"] += 1
                return
            return self.reply(200, json.dumps({i: {"aliases": {name: p}} for i, p in on.items()}))

    def create_index(self, name):
        """PUT /<index> as the create index API documents it (aliases only)."""
        raw = self.decoded_body()
        if not self.authorized():
            return self.reply(401, json.dumps(es_error(401, "security_exception", "unable to authenticate user")))
        try:
            if raw is None:
                raise ValueError("cannot decode body")
            body = json.loads(raw, object_pairs_hook=no_dup_pairs) if raw.strip() else {}
            aliases = body.get("aliases", {})
            if not isinstance(aliases, dict):
                raise ValueError("aliases must be an object")
        except (ValueError, AttributeError) as e:
            return self.reply(400, json.dumps(es_error(400, "parse_exception", str(e))))
        with ES.lock:
            if self.refused_setup():
                return
            if name in ES.indices:
                e = es_error(400, "resource_already_exists_exception", "index [%s/aBcD] already exists" % name)
                e["error"].update({"index_uuid": "aBcD", "index": name})
                return self.reply(400, json.dumps(e))
            if alias_indices(name):
                return self.reply(400, json.dumps(es_error(
                    400, "invalid_index_name_exception", "Invalid index name [%s], already exists as alias" % name)))
            for a, props in aliases.items():
                if a in ES.indices or a == name:
                    return self.reply(400, json.dumps(es_error(
                        400, "invalid_alias_name_exception",
                        "Invalid alias name [%s]: an index or data stream exists with the same name as the alias" % a)))
                taken = [i for i, p in alias_indices(a).items() if p.get("is_write_index") is True]
                if (props or {}).get("is_write_index") is True and taken:
                    return self.reply(400, json.dumps(es_error(
                        400, "illegal_state_exception",
                        "alias [%s] has more than one write index [%s,%s]" % (a, taken[0], name))))
            ES.indices[name] = {"aliases": {a: dict(p or {}) for a, p in aliases.items()}, "docs": 0}
            ES.stats["index_puts"] += 1
        return self.reply(200, json.dumps({"acknowledged": True, "shards_acknowledged": True, "index": name}))

    def dispatch(self):
        path = self.path.split("?")[0]
        if path.startswith(("/_ilm/policy/", "/_index_template/")):
            return self.setup_api(path)
        if path.startswith("/_alias/") and self.command in ("GET", "HEAD"):
            return self.get_alias(path[len("/_alias/"):])
        if self.command == "PUT" and not path.startswith("/_") and path.count("/") == 1 and len(path) > 1:
            return self.create_index(path[1:])
        if path.endswith("/_bulk") and path != "/_bulk":
            return self.data(self.read_body())
        if path == "/" and self.command in ("GET", "HEAD"):
            self.read_body()
            return self.reply(200, json.dumps({"name": "es_server", "cluster_name": "otlpd-test",
                                               "version": {"number": "8.15.0"},
                                               "tagline": "You Know, for Search"}))
        return super().dispatch()

    def data(self, raw):
        """fault_server's data path (record, then a queued fault) for bulk URLs."""
        rec = fault_server.Recorded(self.command, self.path, self.headers, raw)
        with self.state.lock:
            self.state.requests.append(rec)
        f = self.state.next_fault()
        if f:
            with ES.lock:
                ES.stats["whole_faults"] += 1
            if f.get("delay_ms"):
                time.sleep(f["delay_ms"] / 1000.0)
            if f.get("reset"):
                return self.reset()
            if f.get("status"):
                hdrs = {}
                if f.get("retry_after") is not None:
                    hdrs["Retry-After"] = str(f["retry_after"])
                body = f.get("body") or json.dumps(es_error(int(f["status"]), "fault", "injected"))
                return self.reply(int(f["status"]), body, hdrs)
        self.handle_data(rec)

    def authorized(self):
        auth = OPTS["auth"]
        if not auth:
            return True
        return self.headers.get("Authorization", "") == auth

    def handle_data(self, req):
        if self.command not in ("POST", "PUT"):
            return self.reply(405, json.dumps(es_error(405, "method_not_allowed", "POST only")))
        if not self.authorized():
            with ES.lock:
                ES.stats["auth_failures"] += 1
            return self.reply(401, json.dumps(es_error(401, "security_exception",
                                                       "unable to authenticate user")),
                              {"WWW-Authenticate": 'Basic realm="security" charset="UTF-8"'})
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype not in NDJSON_TYPES:
            return self.reply(406, json.dumps({"error": "Content-Type header [%s] is not supported" % ctype,
                                               "status": 406}))
        body = req.body
        if body is None:
            return self.reply(400, json.dumps(es_error(400, "parse_exception", "cannot decode body")))
        if len(body) > OPTS["max_bytes"]:
            with ES.lock:
                ES.stats["too_large"] += 1
            return self.reply(413, "")
        if body and not body.endswith(b"\n"):
            return self.reply(400, json.dumps(es_error(
                400, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]")))
        path = self.path.split("?")[0]
        path_index = path[1:-len("/_bulk")] if path != "/_bulk" else None
        query = urllib.parse.parse_qs(self.path.partition("?")[2], keep_blank_values=True)
        self.require_alias_param = "require_alias" in query and truthy(query["require_alias"][-1])
        try:
            ops = self.parse_ops(body, path_index)
        except ValueError as e:
            return self.reply(400, json.dumps(es_error(400, "x_content_parse_exception", str(e))))
        if not ops:
            return self.reply(400, json.dumps(es_error(400, "action_request_validation_exception",
                                                       "Validation Failed: 1: no requests added;")))
        start = time.time()
        with ES.lock:
            self.cur_fault = None
            if ES.item_faults:
                f = ES.item_faults[0]
                every = max(1, round(1 / max(float(f.get("fraction", 1.0)), 1e-9)))
                self.cur_fault = (int(f["item_status"]), every)
                if f.get("times", 1) > 0:
                    f["times"] = f.get("times", 1) - 1
                    if f["times"] == 0:
                        ES.item_faults.pop(0)
        self.item_n = 0
        items = [self.apply(op) for op in ops]
        with ES.lock:
            ES.stats["bulk_requests"] += 1
            ES.stats["items"] += len(items)
        errors = any("error" in list(it.values())[0] for it in items)
        out = {"took": int((time.time() - start) * 1000), "errors": errors, "items": items}
        return self.reply(200, json.dumps(out))

    def parse_ops(self, body, path_index):
        lines = body.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        ops, i = [], 0
        while i < len(lines):
            if not lines[i].strip():
                i += 1
                continue
            try:
                act = json.loads(lines[i])
            except ValueError as e:
                raise ValueError("Malformed action/metadata line [%d]: %s" % (i + 1, e))
            if not isinstance(act, dict) or len(act) != 1:
                raise ValueError("Malformed action/metadata line [%d], expected a single field" % (i + 1))
            name, meta = next(iter(act.items()))
            if name not in ("index", "create", "update", "delete") or not isinstance(meta, dict):
                raise ValueError("Malformed action/metadata line [%d], unknown action [%s]" % (i + 1, name))
            index = meta.get("_index") or path_index
            if not index:
                raise ValueError("Validation Failed: 1: index is missing;")
            src = None
            if name != "delete":
                if i + 1 >= len(lines):
                    raise ValueError("Validation Failed: source is missing for line [%d]" % (i + 1))
                src = lines[i + 1]
                i += 1
            req_alias = truthy(meta["require_alias"]) if "require_alias" in meta else self.require_alias_param
            ops.append((name, index, meta.get("_id"), src, req_alias))
            i += 1
        return ops

    def item_fault(self):
        if not self.cur_fault:
            return None
        status, every = self.cur_fault
        n = self.item_n
        self.item_n += 1
        return status if n % every == 0 else None

    def resolve(self, name, index, req_alias):
        """(concrete index to store in, None) or (None, error item args),
        as Elasticsearch resolves a write target (ES.lock held)."""
        if alias_indices(index):
            w = write_index(index)
            if w is None:
                return None, (400, "illegal_argument_exception",
                              "no write index is defined for alias [%s]. The write index may be explicitly "
                              "disabled using is_write_index=false or the alias points to multiple indices "
                              "without one being designated as a write index" % index)
            return w, None
        if req_alias:
            return None, (404, "index_not_found_exception",
                          "no such index [%s] and [require_alias] request flag is [true] and [%s] is not an alias"
                          % (index, index))
        if is_data_stream(index):
            return index, None
        if index not in ES.indices:
            ES.indices[index] = {"aliases": {}, "docs": 0}
            ES.stats["auto_created"] += 1
        return index, None

    def apply(self, op):
        name, index, doc_id, src, req_alias = op

        def err(status, etype, reason):
            with ES.lock:
                key = "item_429" if status == 429 else "item_400" if status == 400 else \
                    "item_404" if status == 404 else "item_other"
                ES.stats[key] += 1
            e = {"type": etype, "reason": reason}
            if etype == "index_not_found_exception":
                e.update({"resource.type": "index_or_alias", "resource.id": index, "index_uuid": "_na_",
                          "index": index})
            return {name: {"_index": index, "_id": doc_id, "status": status, "error": e}}

        if name == "index" and is_data_stream(index):
            return err(400, "illegal_argument_exception",
                       "only write ops with an op_type of create are allowed in data streams")
        st = self.item_fault()
        if st == 429:
            return err(429, "es_rejected_execution_exception",
                       "rejected execution of coordinating operation [injected]")
        if st:
            return err(st, "fault", "injected item status %d" % st)
        if name == "delete":
            return {name: {"_index": index, "_id": doc_id, "status": 404, "result": "not_found"}}
        try:
            doc = json.loads(src, object_pairs_hook=no_dup_pairs)
        except ValueError as e:
            return err(400, "document_parsing_exception", "[1:1] failed to parse: %s" % e)
        if not isinstance(doc, dict):
            return err(400, "document_parsing_exception", "[1:1] root must be an object")
        marker = ES.reject_marker
        if marker and marker.encode() in src:
            return err(400, "mapper_parsing_exception",
                       "failed to parse field [attributes.poison] of type [long]")
        with ES.lock:
            target, bad = self.resolve(name, index, req_alias)
        if bad:
            return err(*bad)
        with ES.lock:
            ES.seq += 1
            ES.docs.append({"_index": target, "target": index, "op": name, "source": doc})
            if target in ES.indices:
                ES.indices[target]["docs"] += 1
            ES.stats["stored"] += 1
            seq = ES.seq
        return {name: {"_index": target, "_id": doc_id or "doc%d" % seq, "_version": 1, "result": "created",
                       "_shards": {"total": 1, "successful": 1, "failed": 0}, "_seq_no": seq - 1,
                       "_primary_term": 1, "status": 201}}


def main():
    argv = sys.argv[1:]
    rest = []
    user = password = api_key = None
    while argv:
        a = argv.pop(0)
        if a == "--max-bytes":
            OPTS["max_bytes"] = int(argv.pop(0))
        elif a == "--user":
            user = argv.pop(0)
        elif a == "--password":
            password = argv.pop(0)
        elif a == "--refuse-setup":
            ES.refuse_setup = int(argv.pop(0))
        elif a == "--api-key":
            api_key = argv.pop(0)
        else:
            rest.append(a)
    if user is not None:
        OPTS["auth"] = "Basic " + base64.b64encode(("%s:%s" % (user, password or "")).encode()).decode()
    if api_key is not None:
        OPTS["auth"] = "ApiKey " + api_key
    fault_server.serve(EsHandler, rest)


if __name__ == "__main__":
    main()
