/* include/exclude globs: fnmatch(3) per path component, plus `**`
 * (any number of directories, as otelcol's doublestar). Patterns without
 * `**` are expanded with glob(3); those with it walk the tree below their
 * fixed prefix. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "filelog_glob.h"

static bool match_from(const char *p, const char *n) {
  for (;;) {
    if (!strncmp(p, "**", 2) && (p[2] == '/' || p[2] == 0)) {
      const char *rest = p[2] == '/' ? p + 3 : p + 2;
      if (!*rest) return true;
      /* try the rest at this directory level and every deeper one */
      for (const char *s = n;; ) {
        if (match_from(rest, s)) return true;
        const char *sl = strchr(s, '/');
        if (!sl) return false;
        s = sl + 1;
      }
    }
    const char *pe = strchr(p, '/'), *ne = strchr(n, '/');
    size_t pl = pe ? (size_t)(pe - p) : strlen(p), nl = ne ? (size_t)(ne - n) : strlen(n);
    char pc[512], nc[512];
    if (pl >= sizeof(pc) || nl >= sizeof(nc)) return false;
    memcpy(pc, p, pl);
    pc[pl] = 0;
    memcpy(nc, n, nl);
    nc[nl] = 0;
    if (fnmatch(pc, nc, FNM_PERIOD) != 0) return false;
    if (!pe || !ne) return !pe && !ne;
    p = pe + 1;
    n = ne + 1;
  }
}

bool fl_glob_match(const char *pattern, const char *name) { return match_from(pattern, name); }

static int add(fl_paths *out, const char *path) {
  for (size_t i = 0; i < out->n; i++)
    if (!strcmp(out->v[i], path)) return 0;
  if (out->n == out->cap) {
    size_t nc = out->cap ? out->cap * 2 : 16;
    char **nv = realloc(out->v, nc * sizeof(*nv));
    if (!nv) return -ENOMEM;
    out->v = nv;
    out->cap = nc;
  }
  if (!(out->v[out->n] = strdup(path))) return -ENOMEM;
  out->n++;
  return 0;
}

static int walk(const char *dir, const char *pattern, fl_paths *out, int depth) {
  if (depth > 32) return 0;
  DIR *d = opendir(dir);
  if (!d) return 0;
  struct dirent *de;
  int rc = 0;
  char path[4096];
  while (rc == 0 && (de = readdir(d))) {
    if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2]))) continue;
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path)) continue;
    struct stat st;
    if (stat(path, &st) < 0) continue;
    if (S_ISDIR(st.st_mode)) rc = walk(path, pattern, out, depth + 1);
    else if (S_ISREG(st.st_mode) && fl_glob_match(pattern, path)) rc = add(out, path);
  }
  closedir(d);
  return rc;
}

static int expand_one(const char *pattern, fl_paths *out) {
  const char *dstar = strstr(pattern, "**");
  if (!dstar) {
    glob_t g;
    int rc = glob(pattern, 0, NULL, &g);
    if (rc == GLOB_NOSPACE) return -ENOMEM;
    for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++) rc = add(out, g.gl_pathv[i]);
    if (rc == GLOB_NOMATCH) rc = 0;
    globfree(&g);
    return rc;
  }
  /* the directory part before the first wildcard */
  size_t fixed = strcspn(pattern, "*?[");
  while (fixed > 0 && pattern[fixed - 1] != '/') fixed--;
  char dir[4096];
  if (fixed == 0) snprintf(dir, sizeof(dir), ".");
  else if (fixed >= sizeof(dir)) return 0;
  else {
    memcpy(dir, pattern, fixed - 1);
    dir[fixed - 1] = 0;
    if (!dir[0]) snprintf(dir, sizeof(dir), "/");
  }
  return walk(dir, pattern, out, 0);
}

int fl_glob_expand(const otlpd_strings *include, const otlpd_strings *exclude, fl_paths *out) {
  fl_paths all = {0};
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < include->n; i++) rc = expand_one(include->v[i], &all);
  for (size_t i = 0; rc == 0 && i < all.n; i++) {
    bool ex = false;
    for (size_t j = 0; !ex && j < exclude->n; j++) ex = fl_glob_match(exclude->v[j], all.v[i]);
    if (!ex) rc = add(out, all.v[i]);
  }
  fl_paths_free(&all);
  return rc;
}

void fl_paths_free(fl_paths *p) {
  for (size_t i = 0; i < p->n; i++) free(p->v[i]);
  free(p->v);
  memset(p, 0, sizeof(*p));
}
