"""Reading the file exporter's OTLP-JSON lines into (metric, attributes) -> points."""
import json


def load(path, host_name):
    """List of scrapes; each a dict: scope -> {name: metric dict}. Every
    resource must be exactly {os.type: linux, host.name: host_name}."""
    want_res = {"os.type": "linux", "host.name": host_name}
    scrapes = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            req = json.loads(line)
            scrape = {}
            for rm in req["resourceMetrics"]:
                res = {a["key"]: a["value"].get("stringValue") for a in rm.get("resource", {}).get("attributes", [])}
                assert res == want_res, f"resource attributes {res}, want {want_res}"
                for sm in rm["scopeMetrics"]:
                    scope = sm["scope"]["name"].rsplit("/", 1)[-1]
                    scrape[scope] = {m["name"]: m for m in sm["metrics"]}
            scrapes.append(scrape)
    return scrapes


def points(metric):
    data = metric.get("sum") or metric.get("gauge")
    out = {}
    for p in data["dataPoints"]:
        attrs = tuple(sorted((a["key"], a["value"]["stringValue"]) for a in p.get("attributes", [])))
        v = p["asInt"] if "asInt" in p else p.get("asDouble", 0)
        out[attrs] = (int(v) if "asInt" in p else float(v), p)
    return out


def value(metric, **attrs):
    key = tuple(sorted(attrs.items()))
    return points(metric)[key][0]


def kind(metric):
    """('sum', monotonic) or ('gauge', None); sums must be cumulative."""
    if "sum" in metric:
        s = metric["sum"]
        assert s.get("aggregationTemporality") == 2, metric["name"] + " not cumulative"
        return "sum", bool(s.get("isMonotonic", False))
    return "gauge", None
