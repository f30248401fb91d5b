/* Total memory detection: cgroup v2 memory.max, cgroup v1
 * memory.limit_in_bytes, /proc/meminfo MemTotal, sysconf. A cgroup limit
 * only counts when it is below physical memory ("max", and v1's huge
 * "unlimited" value, are no limit). */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memory_total.h"

#define SRC_V2 "cgroup v2 memory.max"
#define SRC_V1 "cgroup v1 memory.limit_in_bytes"
#define SRC_MEMINFO "/proc/meminfo MemTotal"
#define SRC_SYSCONF "sysconf physical pages"

/* Reads root+rel (at most cap-1 bytes) as a NUL-terminated string. */
static int read_text(const char *root, const char *rel, char *buf, size_t cap) {
  char path[PATH_MAX];
  int n = snprintf(path, sizeof(path), "%s%s", root, rel);
  if (n < 0 || (size_t)n >= sizeof(path)) return -ENAMETOOLONG;
  FILE *f = fopen(path, "re");
  if (!f) return -errno;
  size_t len = fread(buf, 1, cap - 1, f);
  int err = ferror(f) ? -EIO : 0;
  fclose(f);
  buf[len] = '\0';
  return err;
}

/* A decimal byte count, trailing whitespace allowed. -ERANGE for "max". */
static int parse_bytes(const char *s, uint64_t *out) {
  while (*s == ' ' || *s == '\t') s++;
  if (strncmp(s, "max", 3) == 0) return -ERANGE;
  if (*s < '0' || *s > '9') return -EINVAL;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno) return -ERANGE;
  while (*end == ' ' || *end == '\n' || *end == '\t') end++;
  if (*end) return -EINVAL;
  *out = v;
  return 0;
}

/* Is `name` one of the comma-separated controllers in [s, s+len)? */
static bool has_controller(const char *s, size_t len, const char *name) {
  size_t nl = strlen(name);
  while (len) {
    const char *comma = memchr(s, ',', len);
    size_t tok = comma ? (size_t)(comma - s) : len;
    if (tok == nl && memcmp(s, name, nl) == 0) return true;
    if (!comma) break;
    len -= tok + 1;
    s = comma + 1;
  }
  return false;
}

typedef struct cgroup_where {
  int version; /* 0: none found, 1 or 2 */
  char path[PATH_MAX];
} cgroup_where;

/* /proc/self/cgroup lines are "id:controllers:path". A v1 line listing
 * "memory" wins over the v2 "0::" line (hybrid hosts keep memory on v1). */
static void find_cgroup(const char *text, cgroup_where *w) {
  w->version = 0;
  for (const char *line = text; *line;) {
    const char *nl = strchr(line, '\n');
    size_t len = nl ? (size_t)(nl - line) : strlen(line);
    const char *c1 = memchr(line, ':', len);
    const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
    if (c2) {
      size_t plen = len - (size_t)(c2 + 1 - line);
      int v = has_controller(c1 + 1, (size_t)(c2 - c1 - 1), "memory") ? 1
              : (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1) ? 2
                                                                   : 0;
      if (v && (w->version == 0 || v == 1) && plen < sizeof(w->path)) {
        w->version = v;
        memcpy(w->path, c2 + 1, plen);
        w->path[plen] = '\0';
        if (strcmp(w->path, "/") == 0) w->path[0] = '\0';
      }
    }
    line += len + (nl ? 1 : 0);
  }
}

/* The limit file of the process's own cgroup; when that directory is not
 * visible (a container without a cgroup namespace sees only its own
 * subtree mounted), the one at the mount's top. */
static int cgroup_limit(const char *root, uint64_t *out, const char **source) {
  char text[8192];
  int rc = read_text(root, "/proc/self/cgroup", text, sizeof(text));
  if (rc) return rc;
  cgroup_where w;
  find_cgroup(text, &w);
  if (!w.version) return -ENOENT;
  const char *dir = w.version == 2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory";
  const char *file = w.version == 2 ? "memory.max" : "memory.limit_in_bytes";
  char rel[PATH_MAX + 64], val[64];
  snprintf(rel, sizeof(rel), "%s%s/%s", dir, w.path, file);
  rc = read_text(root, rel, val, sizeof(val));
  if (rc == -ENOENT || rc == -ENOTDIR) {
    snprintf(rel, sizeof(rel), "%s/%s", dir, file);
    rc = read_text(root, rel, val, sizeof(val));
  }
  if (rc) return rc;
  *source = w.version == 2 ? SRC_V2 : SRC_V1;
  return parse_bytes(val, out);
}

static int meminfo_total(const char *root, uint64_t *out) {
  char text[8192];
  int rc = read_text(root, "/proc/meminfo", text, sizeof(text));
  if (rc) return rc;
  const char *p = strstr(text, "MemTotal:");
  if (!p) return -EINVAL;
  unsigned long long kb;
  if (sscanf(p + strlen("MemTotal:"), "%llu", &kb) != 1 || kb == 0) return -EINVAL;
  *out = (uint64_t)kb * 1024;
  return 0;
}

static int physical_total(const char *root, uint64_t *out, const char **source) {
  int rc = meminfo_total(root, out);
  if (rc == 0) {
    *source = SRC_MEMINFO;
    return 0;
  }
  if (*root) return rc; /* a fixture tree: never the real machine */
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || size <= 0) return rc;
  *out = (uint64_t)pages * (uint64_t)size;
  *source = SRC_SYSCONF;
  return 0;
}

int otlpd_mem_total(const char *root, uint64_t *out, const char **source) {
  uint64_t phys = 0, cg = 0;
  const char *psrc = NULL, *csrc = NULL;
  int prc = physical_total(root, &phys, &psrc);
  int crc = cgroup_limit(root, &cg, &csrc);
  if (crc == 0 && cg > 0 && (prc != 0 || cg < phys)) {
    *out = cg;
    *source = csrc;
    return 0;
  }
  if (prc) return prc;
  *out = phys;
  *source = psrc;
  return 0;
}
