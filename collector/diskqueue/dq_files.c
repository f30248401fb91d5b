/* The queue directory's files: names, the atomically replaced read
 * position, and the listing of segments. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dq_internal.h"

#define READPOS_MAGIC "OTLPDRP1"
#define READPOS_LEN 28

void dq_seg_path(const otlpd_dq *q, uint64_t seq, char *out, size_t n) {
  snprintf(out, n, "%s/%016" PRIx64 ".seg", q->dir, seq);
}

static void put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

int dq_readpos_load(const otlpd_dq *q, uint64_t *seq, uint64_t *off) {
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/readpos", q->dir);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  uint8_t b[READPOS_LEN];
  ssize_t n = read(fd, b, sizeof(b));
  close(fd);
  if (n != READPOS_LEN || memcmp(b, READPOS_MAGIC, 8) != 0) return -EBADMSG;
  uint32_t crc = (uint32_t)b[24] | (uint32_t)b[25] << 8 | (uint32_t)b[26] << 16 | (uint32_t)b[27] << 24;
  if (otlpd_crc32c(b, 24) != crc) return -EBADMSG;
  *seq = get64(b + 8);
  *off = get64(b + 16);
  return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -errno;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int dq_fsync_dir(const otlpd_dq *q) {
  int fd = open(q->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  int rc = fsync(fd) < 0 ? -errno : 0;
  close(fd);
  return rc;
}

static bool out_of_space(int err) { return err == -ENOSPC || err == -EDQUOT; }

/* On a full disk the temporary file gets no block, but readpos has one:
 * overwrite it in place. A torn write fails its checksum, and a queue
 * without a valid position reads everything present again: duplicates,
 * never loss. Without this a queue that filled the disk itself could not
 * move its position, so it could never delete a segment. */
static int readpos_overwrite(const otlpd_dq *q, const char *path, const uint8_t *b) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  int rc = 0;
  for (size_t done = 0; rc == 0 && done < READPOS_LEN;) {
    ssize_t w = pwrite(fd, b + done, READPOS_LEN - done, (off_t)done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) rc = -errno;
    else done += (size_t)w;
  }
  if (rc == 0 && q->o.fsync && fdatasync(fd) < 0) rc = -errno;
  close(fd);
  return rc;
}

/* Write a temporary file and rename it over readpos: a crash leaves the
 * old position or the new one, never a mix. */
int dq_readpos_store(const otlpd_dq *q, uint64_t seq, uint64_t off) {
  char tmp[PATH_MAX], path[PATH_MAX];
  snprintf(tmp, sizeof(tmp), "%s/readpos.tmp", q->dir);
  snprintf(path, sizeof(path), "%s/readpos", q->dir);
  uint8_t b[READPOS_LEN];
  memcpy(b, READPOS_MAGIC, 8);
  put64(b + 8, seq);
  put64(b + 16, off);
  uint32_t crc = otlpd_crc32c(b, 24);
  for (int i = 0; i < 4; i++) b[24 + i] = (uint8_t)(crc >> (8 * i));
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  int rc = fd < 0 ? -errno : write_all(fd, b, sizeof(b));
  if (rc == 0 && q->o.fsync && fdatasync(fd) < 0) rc = -errno;
  if (fd >= 0) close(fd);
  if (rc == 0 && rename(tmp, path) < 0) rc = -errno;
  if (rc < 0) {
    unlink(tmp);
    return out_of_space(rc) && readpos_overwrite(q, path, b) == 0 ? 0 : rc;
  }
  return q->o.fsync ? dq_fsync_dir(q) : 0;
}

static int parse_seg_name(const char *name, uint64_t *seq) {
  size_t n = strlen(name);
  if (n != 20 || strcmp(name + 16, ".seg") != 0) return -1;
  uint64_t v = 0;
  for (int i = 0; i < 16; i++) {
    char c = name[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return -1;
    v = v << 4 | (uint64_t)d;
  }
  *seq = v;
  return 0;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int dq_list_segments(const otlpd_dq *q, uint64_t **seqs, size_t *n) {
  DIR *d = opendir(q->dir);
  if (!d) return -errno;
  uint64_t *v = NULL;
  size_t cnt = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    uint64_t seq;
    if (parse_seg_name(e->d_name, &seq) != 0) continue;
    if (cnt == cap) {
      size_t nc = cap ? cap * 2 : 16;
      uint64_t *nv = realloc(v, nc * sizeof(*nv));
      if (!nv) {
        free(v);
        closedir(d);
        return -ENOMEM;
      }
      v = nv;
      cap = nc;
    }
    v[cnt++] = seq;
  }
  closedir(d);
  if (cnt) qsort(v, cnt, sizeof(*v), cmp_u64);
  *seqs = v;
  *n = cnt;
  return 0;
}
