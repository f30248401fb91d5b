/* Fuzz target: the persistent queue's recovery and reader over hostile
 * files. The input becomes segment files (split at "\n--\n" markers; the
 * first byte says whether each gets a valid header) and a readpos. Open
 * must recover without crashing, every record handed out must pass its
 * checksum and be within its segment, and after acknowledging everything
 * an append and a reopen must still work. */
#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diskqueue/diskqueue.h"

static void clear_dir(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
    unlink(p);
  }
  if (d) closedir(d);
}

static void write_file(const char *dir, const char *name, const uint8_t *a, size_t an, const uint8_t *b,
                       size_t bn) {
  char p[512];
  snprintf(p, sizeof(p), "%s/%s", dir, name);
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) abort();
  if ((an && write(fd, a, an) != (ssize_t)an) || (bn && write(fd, b, bn) != (ssize_t)bn)) abort();
  close(fd);
}

static const uint8_t *find_marker(const uint8_t *p, size_t n) {
  for (size_t i = 0; i + 4 <= n; i++)
    if (!memcmp(p + i, "\n--\n", 4)) return p + i;
  return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char dir[64];
  if (!dir[0]) {
    /* tmpfs when there is one: a disk's metadata writes made this target
     * run at ~150 inputs per second */
    snprintf(dir, sizeof(dir), "/dev/shm/otlpd-fuzz-dq-XXXXXX");
    if (!mkdtemp(dir)) {
      snprintf(dir, sizeof(dir), "/tmp/otlpd-fuzz-dq-XXXXXX");
      if (!mkdtemp(dir)) abort();
    }
  }
  if (size < 1) return 0;
  clear_dir(dir);
  uint8_t flags = data[0];
  const uint8_t *p = data + 1, *end = data + size;
  if (flags & 0x80 && end - p >= 28) { /* the first 28 bytes are a readpos */
    write_file(dir, "readpos", p, 28, NULL, 0);
    p += 28;
  }
  for (int seg = 1; p <= end && seg <= 6; seg++) {
    const uint8_t *m = find_marker(p, (size_t)(end - p));
    const uint8_t *stop = m ? m : end;
    char name[32];
    snprintf(name, sizeof(name), "%016x.seg", seg);
    bool magic = flags & (1u << (seg - 1));
    write_file(dir, name, magic ? (const uint8_t *)OTLPD_DQ_SEG_MAGIC : NULL, magic ? OTLPD_DQ_SEG_HDR : 0, p,
               (size_t)(stop - p));
    if (!m) break;
    p = m + 4;
  }
  otlpd_log_level quiet = OTLPD_LOG_ERROR + 1;
  otlpd_logger lg = {"fuzz", &quiet};
  otlpd_dq_opts o = {.dir = dir, .capacity = 1000, .sizer = OTLPD_DQ_BYTES, .segment_max = 256, .log = &lg,
                   .inline_writer = true};
  otlpd_dq *q;
  otlpd_dq_recovery rec;
  if (otlpd_dq_open(&o, &q, &rec) != 0) return 0;
  otlpd_buf b = {0};
  uint32_t items;
  uint64_t t;
  uint64_t n = 0;
  while (otlpd_dq_next(q, &b, &items, &t) == 1) {
    if (b.len == 0 || b.len > OTLPD_DQ_REC_MAX) abort();
    if (otlpd_dq_ack(q, t) != 0) abort();
    n++;
  }
  if (n > rec.records) abort(); /* never more than recovery counted */
  if (otlpd_dq_records(q) != 0 || otlpd_dq_used(q) != 0) abort(); /* all acknowledged */
  if (otlpd_dq_append(q, (const uint8_t *)"after", 5, 1) != 0) abort();
  otlpd_dq_close(q);
  if (otlpd_dq_open(&o, &q, &rec) != 0 || rec.records != 1) abort();
  if (otlpd_dq_next(q, &b, &items, &t) != 1 || b.len != 5 || memcmp(b.data, "after", 5)) abort();
  otlpd_dq_close(q);
  otlpd_buf_free(&b);
  return 0;
}
