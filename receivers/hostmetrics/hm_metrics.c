/* Every metric the scrapers emit: otelcol-contrib's name, unit, type and
 * default (hostmetricsreceiver's metadata.yaml). Indexed by the scrapers'
 * enums in hostmetrics.h. */
#include "hostmetrics.h"

#define G(n, u, d, dbl, on, a) {n, u, d, HM_GAUGE, dbl, on, a}
#define S(n, u, d, dbl, on, a) {n, u, d, HM_SUM, dbl, on, a}
#define M(n, u, d, dbl, on, a) {n, u, d, HM_SUM_MONOTONIC, dbl, on, a}

const hm_metric_def hm_cpu_defs[HM_CPU_N] = {
    [HM_CPU_TIME] = M("system.cpu.time", "s", "Total seconds each logical CPU spent on each mode.", true, true, "cpu, state"),
    [HM_CPU_UTILIZATION] = G("system.cpu.utilization", "1",
                             "Difference in system.cpu.time since the last measurement per logical CPU, divided by the elapsed time (0-1).",
                             true, false, "cpu, state"),
    [HM_CPU_LOGICAL_COUNT] = S("system.cpu.logical.count", "{cpu}", "Number of available logical CPUs.", false, false, ""),
};

const hm_metric_def hm_mem_defs[HM_MEM_N] = {
    [HM_MEM_USAGE] = S("system.memory.usage", "By", "Bytes of memory in use.", false, true, "state"),
    [HM_MEM_UTILIZATION] = G("system.memory.utilization", "1", "Percentage of memory bytes in use.", true, false, "state"),
    [HM_MEM_LIMIT] = S("system.memory.limit", "By", "Total bytes of memory available.", false, false, ""),
    [HM_MEM_AVAILABLE] = S("system.linux.memory.available", "By",
                           "An estimate of how much memory is available for starting new applications, without swapping (MemAvailable).",
                           false, false, ""),
};

const hm_metric_def hm_load_defs[HM_LOAD_N] = {
    [HM_LOAD_1M] = G("system.cpu.load_average.1m", "{thread}", "Average CPU Load over 1 minute.", true, true, ""),
    [HM_LOAD_5M] = G("system.cpu.load_average.5m", "{thread}", "Average CPU Load over 5 minutes.", true, true, ""),
    [HM_LOAD_15M] = G("system.cpu.load_average.15m", "{thread}", "Average CPU Load over 15 minutes.", true, true, ""),
};

const hm_metric_def hm_disk_defs[HM_DISK_N] = {
    [HM_DISK_IO] = M("system.disk.io", "By", "Disk bytes transferred.", false, true, "device, direction"),
    [HM_DISK_IO_TIME] = M("system.disk.io_time", "s", "Time disk spent activated.", true, true, "device"),
    [HM_DISK_MERGED] = M("system.disk.merged", "{operations}",
                         "The number of disk reads/writes merged into single physical disk access operations.", false,
                         true, "device, direction"),
    [HM_DISK_OPERATION_TIME] = M("system.disk.operation_time", "s", "Time spent in disk operations.", true, true,
                                 "device, direction"),
    [HM_DISK_OPERATIONS] = M("system.disk.operations", "{operations}", "Disk operations count.", false, true,
                             "device, direction"),
    [HM_DISK_PENDING] = S("system.disk.pending_operations", "{operations}", "The queue size of pending I/O operations.",
                          false, true, "device"),
    [HM_DISK_WEIGHTED_IO_TIME] = M("system.disk.weighted_io_time", "s",
                                   "Time disk spent activated multiplied by the queue length.", true, true, "device"),
};

const hm_metric_def hm_fs_defs[HM_FS_N] = {
    [HM_FS_USAGE] = S("system.filesystem.usage", "By", "Filesystem bytes used.", false, true,
                      "device, mode, mountpoint, type, state"),
    [HM_FS_INODES] = S("system.filesystem.inodes.usage", "{inodes}", "FileSystem inodes used.", false, true,
                       "device, mode, mountpoint, type, state"),
    [HM_FS_UTILIZATION] = G("system.filesystem.utilization", "1", "Fraction of filesystem bytes used.", true, false,
                            "device, mode, mountpoint, type"),
};

const hm_metric_def hm_net_defs[HM_NET_N] = {
    [HM_NET_CONNECTIONS] = S("system.network.connections", "{connections}", "The number of connections.", false, true,
                             "protocol, state"),
    [HM_NET_DROPPED] = M("system.network.dropped", "{packets}", "The number of packets dropped.", false, true,
                         "device, direction"),
    [HM_NET_ERRORS] = M("system.network.errors", "{errors}", "The number of errors encountered.", false, true,
                        "device, direction"),
    [HM_NET_IO] = M("system.network.io", "By", "The number of bytes transmitted and received.", false, true,
                    "device, direction"),
    [HM_NET_PACKETS] = M("system.network.packets", "{packets}", "The number of packets transferred.", false, true,
                         "device, direction"),
};

const hm_metric_def hm_paging_defs[HM_PAGING_N] = {
    [HM_PAGING_FAULTS] = M("system.paging.faults", "{faults}", "The number of page faults.", false, true, "type"),
    [HM_PAGING_OPERATIONS] = M("system.paging.operations", "{operations}", "The number of paging operations.", false,
                               true, "direction, type"),
    [HM_PAGING_USAGE] = S("system.paging.usage", "By", "Swap (unix) or pagefile (windows) usage.", false, true,
                          "device, state"),
    [HM_PAGING_UTILIZATION] = G("system.paging.utilization", "1", "Swap (unix) or pagefile (windows) utilization.",
                                true, false, "device, state"),
};

const hm_metric_def hm_procs_defs[HM_PROCS_N] = {
    [HM_PROCS_COUNT] = S("system.processes.count", "{processes}", "Total number of processes in each state.", false,
                         true, "status"),
    [HM_PROCS_CREATED] = M("system.processes.created", "{processes}", "Total number of created processes.", false, true,
                           ""),
};
