"""The fixture scrape in the file exporter's JSON: otelcol's names, units,
types, attributes and the fixture's exact values (tests/hostmetrics/fixture)."""
import sys

from hm_json import kind, load, points, value

BOOT_NS = "1700000000000000000"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def expect(metric_list, name, unit, k, mono):
    m = metric_list.get(name)
    if m is None:
        failures.append("missing " + name)
        return None
    check(m["unit"] == unit, f"{name}: unit {m['unit']!r}, want {unit!r}")
    got = kind(m)
    check(got == (k, mono), f"{name}: {got}, want {(k, mono)}")
    if k == "sum":
        for _, (_, p) in points(m).items():
            check(p.get("startTimeUnixNano") == BOOT_NS, f"{name}: start time {p.get('startTimeUnixNano')}")
    return m


def main(path):
    scrapes = load(path, "fixture-node")  # fixture/proc/sys/kernel/hostname
    s = scrapes[-1]
    check(sorted(s) == ["cpuscraper", "diskscraper", "filesystemscraper", "loadscraper", "memoryscraper",
                        "networkscraper", "pagingscraper", "processesscraper"], f"scopes {sorted(s)}")
    m = expect(s["cpuscraper"], "system.cpu.time", "s", "sum", True)
    if m:
        check(len(points(m)) == 16, "cpu.time points")
        check(abs(value(m, cpu="cpu0", state="user") - 6.0) < 1e-9, "cpu0 user")
        check(abs(value(m, cpu="cpu1", state="idle") - 20.0) < 1e-9, "cpu1 idle")
    check("system.cpu.utilization" not in s["cpuscraper"], "utilization is off by default")
    m = expect(s["memoryscraper"], "system.memory.usage", "By", "sum", False)
    if m:
        check(value(m, state="used") == 8300000 * 1024, "memory used")
        check(value(m, state="cached") == 3200000 * 1024, "memory cached")
    m = expect(s["memoryscraper"], "system.memory.limit", "By", "sum", False)
    if m:
        check(value(m) == 16000000 * 1024, "memory limit")
    m = expect(s["loadscraper"], "system.cpu.load_average.5m", "{thread}", "gauge", None)
    if m:
        check(value(m) == 1.25, "load 5m")
    m = expect(s["diskscraper"], "system.disk.io", "By", "sum", True)
    if m:
        check(value(m, device="sda", direction="write") == 4000 * 512, "disk io write")
        check(value(m, device="loop0", direction="read") == 0, "loop0 kept without a filter")
    for name, unit, mono in [("system.disk.operations", "{operations}", True),
                             ("system.disk.io_time", "s", True),
                             ("system.disk.operation_time", "s", True),
                             ("system.disk.merged", "{operations}", True),
                             ("system.disk.weighted_io_time", "s", True),
                             ("system.disk.pending_operations", "{operations}", False)]:
        expect(s["diskscraper"], name, unit, "sum", mono)
    m = expect(s["filesystemscraper"], "system.filesystem.usage", "By", "sum", False)
    if m:
        mounts = {dict(a)["mountpoint"]: dict(a) for a in points(m)}
        check(sorted(mounts) == ["/", "/data", "/mnt/with space"], f"mount points {sorted(mounts)}")
        d = mounts.get("/data", {})
        check(d.get("device") == "/dev/sdb1" and d.get("type") == "xfs" and d.get("mode") == "ro",
              f"/data attributes {d}")
        total = sum(v for a, (v, _) in points(m).items() if dict(a)["mountpoint"] == "/data")
        check(total > 0, "statvfs of <root_path>/data gave nothing")
    expect(s["filesystemscraper"], "system.filesystem.inodes.usage", "{inodes}", "sum", False)
    m = expect(s["networkscraper"], "system.network.io", "By", "sum", True)
    if m:
        check(value(m, device="eth0", direction="transmit") == 654321, "eth0 tx bytes")
    m = expect(s["networkscraper"], "system.network.connections", "{connections}", "sum", False)
    if m:
        check(value(m, protocol="tcp", state="LISTEN") == 2, "LISTEN connections")
    for name, unit in [("system.network.packets", "{packets}"), ("system.network.errors", "{errors}"),
                       ("system.network.dropped", "{packets}")]:
        expect(s["networkscraper"], name, unit, "sum", True)
    m = expect(s["pagingscraper"], "system.paging.usage", "By", "sum", False)
    if m:
        check(value(m, device="/dev/sda2", state="free") == 750000 * 1024, "swap free")
    m = expect(s["pagingscraper"], "system.paging.faults", "{faults}", "sum", True)
    if m:
        check(value(m, type="major") == 7 * 4096, "major faults")
    expect(s["pagingscraper"], "system.paging.operations", "{operations}", "sum", True)
    m = expect(s["processesscraper"], "system.processes.count", "{processes}", "sum", False)
    if m:
        check(value(m, status="zombies") == 1, "zombies")
        check(value(m, status="running") == 3, "running")
    m = expect(s["processesscraper"], "system.processes.created", "{processes}", "sum", True)
    if m:
        check(value(m) == 4242, "created")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
