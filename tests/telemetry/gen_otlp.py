#!/usr/bin/env python3
"""OTLP/JSON request bodies: gen_otlp.py traces|logs N -> one request of N items."""
import json
import sys

kind, n = sys.argv[1], int(sys.argv[2])
if kind == "traces":
    items = [{"traceId": "0102030405060708090a0b0c0d0e0f10", "spanId": f"{i + 1:016x}", "name": f"s{i}",
              "startTimeUnixNano": "1", "endTimeUnixNano": "2"} for i in range(n)]
    body = {"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": items}]}]}
else:
    items = [{"timeUnixNano": "1", "body": {"stringValue": f"line {i}"}} for i in range(n)]
    body = {"resourceLogs": [{"resource": {}, "scopeLogs": [{"logRecords": items}]}]}
json.dump(body, sys.stdout)
