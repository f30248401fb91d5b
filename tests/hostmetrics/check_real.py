"""Smoke check of a scrape of the real /proc: every scraper's default
metrics present, values plausible, cumulative sums not going backwards."""
import os
import sys

from hm_json import load, points, value

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def meminfo_total():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return 0


def main(path):
    scrapes = load(path, os.uname().nodename)  # no root_path: uname()
    check(len(scrapes) >= 2, "fewer than two scrapes")
    first, last = scrapes[0], scrapes[-1]
    want = {
        "cpuscraper": ["system.cpu.time"],
        "memoryscraper": ["system.memory.usage", "system.memory.limit"],
        "loadscraper": ["system.cpu.load_average.1m", "system.cpu.load_average.5m", "system.cpu.load_average.15m"],
        "diskscraper": ["system.disk.io", "system.disk.operations", "system.disk.io_time"],
        "networkscraper": ["system.network.io", "system.network.packets", "system.network.connections"],
        "pagingscraper": ["system.paging.operations", "system.paging.faults"],
        "processesscraper": ["system.processes.count", "system.processes.created"],
    }
    for scope, names in want.items():
        for n in names:
            check(n in last.get(scope, {}), f"{scope}: {n} missing")
    if failures:
        return report()
    cpu0, cpu1 = points(first["cpuscraper"]["system.cpu.time"]), points(last["cpuscraper"]["system.cpu.time"])
    check(all(v >= 0 for v, _ in cpu1.values()), "negative cpu time")
    check(sum(v for v, _ in cpu1.values()) > 0, "no cpu time at all")
    for k, (v, _) in cpu1.items():
        if k in cpu0:
            check(v >= cpu0[k][0], f"cpu time went backwards for {k}")
    mem = last["memoryscraper"]
    total = value(mem["system.memory.limit"])
    check(total == meminfo_total(), f"memory limit {total} != MemTotal")
    parts = sum(value(mem["system.memory.usage"], state=s) for s in ("used", "free", "buffered", "cached"))
    check(parts == total, f"used+free+buffered+cached {parts} != total {total}")
    check(value(last["loadscraper"]["system.cpu.load_average.1m"]) >= 0, "negative load")
    net = points(last["networkscraper"]["system.network.io"])
    check(any(dict(a).get("device") == "lo" for a in net), "no lo interface")
    check(value(last["processesscraper"]["system.processes.created"]) > 0, "no processes created")
    running = value(last["processesscraper"]["system.processes.count"], status="running")
    check(running >= 1, "no running process (the scraper itself runs)")
    return report()


def report():
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
