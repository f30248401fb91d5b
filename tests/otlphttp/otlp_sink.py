#!/usr/bin/env python3
"""An OTLP/HTTP backend for exporter tests, on tests/lib/fault_server.py:
answers OTLP-JSON requests as a collector does (200 with an empty
Export*ServiceResponse) and remembers the name of every span and the body
of every log record it accepted, so a test can check each item arrived
exactly once. Faults (503 + Retry-After, resets, 400) come from the fault
server: a faulted request is not accepted.

    otlp_sink.py [fault_server options]     prints its port, runs until SIGTERM

GET /_items: JSON list of accepted item names, in arrival order.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import fault_server  # noqa: E402


def item_names(doc):
    names = []
    for rs in doc.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            names += [s.get("name", "") for s in ss.get("spans", [])]
    for rl in doc.get("resourceLogs", []):
        for sl in rl.get("scopeLogs", []):
            names += [r.get("body", {}).get("stringValue", "") for r in sl.get("logRecords", [])]
    return names


class SinkHandler(fault_server.FaultHandler):
    def handle_data(self, req):
        try:
            doc = json.loads(req.body or b"{}")
        except ValueError:
            return self.reply(400, "not OTLP-JSON")
        with self.state.lock:
            self.state.items = getattr(self.state, "items", []) + item_names(doc)
        self.reply(200, "{}", {"Content-Type": "application/json"})

    def control(self, path, raw):
        if path == "/_items":
            with self.state.lock:
                items = list(getattr(self.state, "items", []))
            return self.reply(200, json.dumps(items), {"Content-Type": "application/json"})
        return super().control(path, raw)


if __name__ == "__main__":
    fault_server.serve(SinkHandler)
