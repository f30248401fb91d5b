/* How much memory this process may use: its cgroup's memory limit when it
 * has one (a container), else the machine's physical memory. */
#ifndef OTLPD_MEMORY_TOTAL_H
#define OTLPD_MEMORY_TOTAL_H

#include <stdint.h>

/* Every file is read under `root` ("" on a real system; tests pass a
 * fixture tree): root/proc/self/cgroup, root/sys/fs/cgroup/...,
 * root/proc/meminfo. With root "" and no readable /proc/meminfo,
 * sysconf() is asked. *source names where the number came from, for logs.
 * 0, or a negative errno when nothing could be read. */
int otlpd_mem_total(const char *root, uint64_t *out, const char **source);

#endif
