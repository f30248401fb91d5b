/* Offsets in a file_storage directory: one line per file,
 * "<offset> <fingerprint hex>", replaced atomically (write a temporary,
 * fsync, rename, fsync the directory) so a crash leaves the old or the
 * new version, never a torn one. Loop thread (between cycles). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filelog.h"
#include "otlpd/buf.h"

char *fl_store_path(const char *dir, const char *id) {
  size_t n = strlen(dir) + strlen(id) + 32;
  char *p = malloc(n);
  if (!p) return NULL;
  int k = snprintf(p, n, "%s/receiver_", dir);
  for (const char *c = id; *c; c++)
    p[k++] = (*c == '/' || *c == '\\' || *c == '.') ? '_' : *c;
  snprintf(p + k, n - (size_t)k, ".offsets");
  return p;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

int fl_store_load(filelog_recv *r) {
  FILE *f = fopen(r->store_path, "re");
  if (!f) return errno == ENOENT ? 0 : -errno;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  int rc = 0;
  while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
    char *sp = strchr(line, ' ');
    if (!sp) continue;
    uint64_t off = strtoull(line, NULL, 10);
    char *hex = sp + 1;
    size_t hl = strcspn(hex, "\n");
    if (hl % 2 || hl == 0) continue;
    uint8_t *fp = malloc(hl / 2);
    if (!fp) { rc = -ENOMEM; break; }
    bool ok = true;
    for (size_t i = 0; i < hl / 2 && ok; i++) {
      int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
      ok = hi >= 0 && lo >= 0;
      fp[i] = (uint8_t)(hi << 4 | lo);
    }
    if (ok) rc = fl_known_add(r, fp, hl / 2, off);
    free(fp);
  }
  free(line);
  fclose(f);
  return rc;
}

static int put_line(otlpd_buf *b, const uint8_t *fp, size_t len, uint64_t off) {
  static const char hx[] = "0123456789abcdef";
  if (otlpd_buf_printf(b, "%llu ", (unsigned long long)off) < 0 || otlpd_buf_reserve(b, 2 * len + 1) < 0)
    return -ENOMEM;
  for (size_t i = 0; i < len; i++) {
    b->data[b->len++] = (uint8_t)hx[fp[i] >> 4];
    b->data[b->len++] = (uint8_t)hx[fp[i] & 15];
  }
  b->data[b->len++] = '\n';
  return 0;
}

int fl_store_save(filelog_recv *r) {
  otlpd_buf b = {0};
  int rc = 0, fd = -1;
  for (fl_reader *rd = r->readers; rd && rc == 0; rd = rd->next)
    if (rd->fp_len) rc = put_line(&b, rd->fp, rd->fp_len, rd->offset);
  for (fl_known *k = r->known; k && rc == 0; k = k->next) rc = put_line(&b, k->fp, k->fp_len, k->offset);
  size_t pl = strlen(r->store_path);
  char *tmp = malloc(pl + 5);
  if (!tmp || rc < 0) {
    rc = -ENOMEM;
    goto out;
  }
  memcpy(tmp, r->store_path, pl);
  memcpy(tmp + pl, ".tmp", 5);
  fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len || fsync(fd) < 0 || rename(tmp, r->store_path) < 0)
    rc = -errno;
  else {
    char *dir = strdup(r->store_path), *sl = dir ? strrchr(dir, '/') : NULL;
    if (sl) {
      *sl = 0;
      int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
      }
    }
    free(dir);
  }
out:
  if (fd >= 0) close(fd);
  free(tmp);
  otlpd_buf_free(&b);
  return rc;
}
