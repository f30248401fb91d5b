/* Rotation as lumberjack (otelcol's rotating writer) does it: the current
 * file is renamed to "<stem>-<time><ext>" and backups are pruned by count
 * and by the time written in their names. Runs on a threadpool thread. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file_exporter.h"

#define STAMP_LEN 23 /* 2006-01-02T15-04-05.000 */
#define STAMP_BUF 80
#define NAME_MAX_LEN 4096

typedef struct path_parts {
  const char *dir; /* up to and including the last '/', may be empty */
  size_t dir_len;
  const char *stem;
  size_t stem_len;
  const char *ext; /* from the last '.' of the base name, may be empty */
} path_parts;

static void split_path(const char *path, path_parts *p) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  const char *dot = strrchr(base, '.');
  p->dir = path;
  p->dir_len = (size_t)(base - path);
  p->stem = base;
  p->ext = dot ? dot : base + strlen(base);
  p->stem_len = (size_t)(p->ext - base);
}

/* out: at least STAMP_BUF bytes (room for absurd years, which gcc checks). */
static void format_stamp(int64_t t_ms, bool localtime, char *out) {
  time_t sec = (time_t)(t_ms / 1000);
  struct tm tm;
  if (localtime)
    localtime_r(&sec, &tm);
  else
    gmtime_r(&sec, &tm);
  snprintf(out, STAMP_BUF, "%04d-%02d-%02dT%02d-%02d-%02d.%03d", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(t_ms % 1000));
}

/* Inverse of format_stamp; -1 if s is not a timestamp. */
static int parse_stamp(const char *s, bool localtime, int64_t *t_ms) {
  static const char shape[] = "dddd-dd-ddTdd-dd-dd.ddd";
  for (int i = 0; i < STAMP_LEN; i++) {
    if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i]) return -1;
  }
  struct tm tm = {0};
  int ms;
  if (sscanf(s, "%4d-%2d-%2dT%2d-%2d-%2d.%3d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
             &tm.tm_min, &tm.tm_sec, &ms) != 7)
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_isdst = -1;
  time_t sec = localtime ? mktime(&tm) : timegm(&tm);
  if (sec == (time_t)-1) return -1;
  *t_ms = (int64_t)sec * 1000 + ms;
  return 0;
}

int file_backup_name(const char *path, int64_t t_ms, bool localtime, char *out, size_t outlen) {
  path_parts p;
  split_path(path, &p);
  char stamp[STAMP_BUF];
  format_stamp(t_ms, localtime, stamp);
  int n = snprintf(out, outlen, "%.*s%.*s-%s%s", (int)p.dir_len, p.dir, (int)p.stem_len, p.stem,
                   stamp, p.ext);
  return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int file_rotate_rename(const char *path, bool localtime) {
  char name[NAME_MAX_LEN];
  int64_t t = now_ms();
  /* Two rotations in one millisecond would share a name; step the
   * millisecond instead of overwriting the older backup. */
  for (int tries = 0; tries < 1000; tries++, t++) {
    int rc = file_backup_name(path, t, localtime, name, sizeof(name));
    if (rc) return rc;
    struct stat st;
    if (lstat(name, &st) == 0) continue;
    if (errno != ENOENT) return -errno;
    return rename(path, name) == 0 ? 0 : -errno;
  }
  return -EEXIST;
}

typedef struct backup {
  char *name;
  int64_t t_ms;
} backup;

static int by_time_desc(const void *a, const void *b) {
  const backup *x = a, *y = b;
  return x->t_ms < y->t_ms ? 1 : x->t_ms > y->t_ms ? -1 : strcmp(y->name, x->name);
}

/* Collects "<stem>-<stamp><ext>" entries of the directory. */
static int list_backups(const path_parts *p, bool localtime, backup **out, size_t *n_out) {
  char dir[NAME_MAX_LEN];
  snprintf(dir, sizeof(dir), "%.*s", (int)p->dir_len, p->dir_len ? p->dir : "./");
  DIR *d = opendir(dir);
  if (!d) return -errno;
  backup *v = NULL;
  size_t n = 0, cap = 0;
  size_t ext_len = strlen(p->ext);
  int rc = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    const char *nm = e->d_name;
    size_t len = strlen(nm);
    if (len != p->stem_len + 1 + STAMP_LEN + ext_len) continue;
    if (memcmp(nm, p->stem, p->stem_len) != 0 || nm[p->stem_len] != '-') continue;
    if (memcmp(nm + len - ext_len, p->ext, ext_len) != 0) continue;
    int64_t t;
    if (parse_stamp(nm + p->stem_len + 1, localtime, &t) != 0) continue;
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 16;
      backup *nv = realloc(v, nc * sizeof(*nv));
      if (!nv) {
        rc = -ENOMEM;
        break;
      }
      v = nv;
      cap = nc;
    }
    v[n].name = strdup(nm);
    if (!v[n].name) {
      rc = -ENOMEM;
      break;
    }
    v[n++].t_ms = t;
  }
  closedir(d);
  *out = v;
  *n_out = n;
  return rc;
}

int file_rotate_prune(const char *path, int64_t max_backups, int64_t max_days, bool localtime,
                      int64_t now) {
  if (max_backups <= 0 && max_days <= 0) return 0;
  path_parts p;
  split_path(path, &p);
  backup *v = NULL;
  size_t n = 0;
  int rc = list_backups(&p, localtime, &v, &n);
  if (rc == 0) {
    if (n > 1) qsort(v, n, sizeof(*v), by_time_desc);
    int64_t cutoff = max_days > 0 ? now - max_days * 86400000LL : INT64_MIN;
    char full[NAME_MAX_LEN];
    for (size_t i = 0; i < n; i++) {
      bool too_many = max_backups > 0 && i >= (size_t)max_backups;
      if (!too_many && v[i].t_ms >= cutoff) continue;
      snprintf(full, sizeof(full), "%.*s%s", (int)p.dir_len, p.dir, v[i].name);
      if (unlink(full) == 0) rc++;
    }
  }
  for (size_t i = 0; i < n; i++) free(v[i].name);
  free(v);
  return rc;
}
