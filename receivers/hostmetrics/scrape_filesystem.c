/* filesystem scraper: mounts as gopsutil lists them (proc/1/mountinfo,
 * then proc/1/mounts, then proc/self/...), physical filesystems only
 * unless include_virtual_filesystems (types /proc/filesystems does not
 * mark nodev, and zfs), then statvfs on <root_path><mountpoint>. The
 * reported mountpoint is the host's, without root_path. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostmetrics.h"

typedef struct mount_ent {
  char *dev, *mnt, *type;
  const char *mode;
} mount_ent;

/* Octal escapes (\040 for a space) decoded in place. */
static void unescape(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
      *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
      r += 3;
    } else {
      *w++ = *r;
    }
  }
  *w = '\0';
}

static const char *mode_of(const char *opts) {
  size_t n = strlen(opts);
  for (const char *p = opts; p < opts + n;) {
    size_t l = strcspn(p, ",");
    if (l == 2 && strncmp(p, "rw", 2) == 0) return "rw";
    if (l == 2 && strncmp(p, "ro", 2) == 0) return "ro";
    p += l + 1;
  }
  return "unknown";
}

/* Split line into whitespace fields (in place); count. */
static int fields(char *line, char **f, int max) {
  int n = 0;
  char *save = NULL;
  for (char *tok = strtok_r(line, " \t", &save); tok && n < max; tok = strtok_r(NULL, " \t", &save)) f[n++] = tok;
  return n;
}

/* One mount line of either format into *m (pointers into line). */
static bool parse_mount(char *line, bool mountinfo, mount_ent *m) {
  char *f[32];
  int n = fields(line, f, 32);
  if (!mountinfo) {
    if (n < 4) return false;
    *m = (mount_ent){f[0], f[1], f[2], mode_of(f[3])};
  } else {
    int dash = 6;
    while (dash < n && strcmp(f[dash], "-") != 0) dash++;
    if (n < 10 || dash + 2 >= n) return false;
    *m = (mount_ent){f[dash + 2], f[4], f[dash + 1], mode_of(f[5])};
  }
  unescape(m->dev);
  unescape(m->mnt);
  return true;
}

/* Physical filesystem types ("\ttype\n" joined), malloc'ed; NULL when unreadable. */
static char *physical_types(hm_scrape *s) {
  if (hm_read(s, s->proc, "filesystems") < 0) return NULL;
  size_t cap = strlen(s->buf) + 8, len = 0;
  char *out = malloc(cap);
  if (!out) return NULL;
  out[0] = '\0';
  for (char *line = s->buf; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    if (strncmp(line, "nodev", 5) != 0) {
      while (*line == ' ' || *line == '\t') line++;
      len += (size_t)snprintf(out + len, cap - len, "\t%s\n", line);
    }
    line = nl ? nl + 1 : NULL;
  }
  return out;
}

static bool physical(const char *types, const mount_ent *m) {
  if (strcmp(m->dev, "none") == 0) return false;
  if (strcmp(m->type, "zfs") == 0) return true;
  if (!types) return true;
  char key[128];
  snprintf(key, sizeof(key), "\t%s\n", m->type);
  return strstr(types, key) != NULL;
}

static bool wanted(const hm_filters *f, const mount_ent *m) {
  return hm_filter_keep(&f->fs_dev_inc, &f->fs_dev_exc, m->dev) &&
         hm_filter_keep(&f->fs_type_inc, &f->fs_type_exc, m->type) &&
         hm_filter_keep(&f->fs_mp_inc, &f->fs_mp_exc, m->mnt);
}

static int emit(hm_scrape *s, otlp_metric *const *ms, const mount_ent *m, const struct statvfs *v) {
  uint64_t bs = v->f_frsize ? v->f_frsize : v->f_bsize;
  uint64_t total = (uint64_t)v->f_blocks * bs, free_ = (uint64_t)v->f_bavail * bs;
  uint64_t used = ((uint64_t)v->f_blocks - (uint64_t)v->f_bfree) * bs;
  hm_attr a[5] = {{"device", m->dev}, {"mode", m->mode}, {"mountpoint", m->mnt}, {"type", m->type}, {"state", ""}};
  int rc = 0;
  if (ms[HM_FS_USAGE]) {
    const char *st[3] = {"used", "free", "reserved"};
    int64_t val[3] = {(int64_t)used, (int64_t)free_, (int64_t)(total - used - free_)};
    for (int i = 0; i < 3 && rc == 0; i++) {
      a[4].val = st[i];
      rc = hm_point_i(s, ms[HM_FS_USAGE], val[i], a, 5);
    }
  }
  if (!rc && ms[HM_FS_INODES]) {
    a[4].val = "used";
    rc = hm_point_i(s, ms[HM_FS_INODES], (int64_t)(v->f_files - v->f_ffree), a, 5);
    a[4].val = "free";
    if (!rc) rc = hm_point_i(s, ms[HM_FS_INODES], (int64_t)v->f_ffree, a, 5);
  }
  if (!rc && ms[HM_FS_UTILIZATION] && used + free_ > 0)
    rc = hm_point_d(s, ms[HM_FS_UTILIZATION], (double)used / (double)(used + free_), a, 4);
  return rc;
}

static ssize_t read_mounts(hm_scrape *s, bool *mountinfo) {
  static const char *const files[] = {"1/mountinfo", "1/mounts", "self/mountinfo", "self/mounts"};
  ssize_t len = -ENOENT;
  for (size_t i = 0; i < 4 && len < 0; i++) {
    len = hm_read(s, s->proc, files[i]);
    *mountinfo = (i % 2) == 0;
  }
  return len;
}

int hm_scrape_filesystem(hm_scrape *s) {
  const hm_fs_cfg *c = &s->cfg->scrapers.filesystem;
  char *types = c->include_virtual_filesystems ? NULL : physical_types(s);
  bool mountinfo = false;
  ssize_t len = read_mounts(s, &mountinfo);
  if (len < 0) {
    hm_errorf(s, "filesystem: reading mounts under %s: %s", s->proc, strerror((int)-len));
    free(types);
    return (int)len;
  }
  int rc = -ENOMEM;
  otlp_scope_metrics *sc = hm_scope(s, "filesystem");
  otlp_metric *ms[HM_FS_N] = {0};
  if (!sc) goto out;
  for (int k = 0; k < HM_FS_N; k++)
    if (c->metrics[k].enabled && !(ms[k] = hm_metric(s, sc, &hm_fs_defs[k]))) goto out;
  rc = 0;
  for (char *line = s->buf; line && *line && rc == 0;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    mount_ent m;
    bool ok = parse_mount(line, mountinfo, &m);
    line = nl ? nl + 1 : NULL;
    if (!ok || (!c->include_virtual_filesystems && !physical(types, &m)) || !wanted(s->filters, &m)) continue;
    char path[4096];
    snprintf(path, sizeof(path), "%s%s", s->root, m.mnt);
    struct statvfs v;
    if (s->statvfs(path, &v) != 0) {
      hm_errorf(s, "filesystem: statvfs %s: %s", path, strerror(errno));
      continue;
    }
    rc = emit(s, ms, &m, &v);
  }
  hm_scope_trim(sc);
out:
  free(types);
  return rc;
}
