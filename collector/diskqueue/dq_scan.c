/* Recovery of one segment: walk its records from the start, checking each
 * frame, until the file ends or a record is torn or corrupt. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dq_internal.h"

static int read_at(int fd, uint8_t *p, size_t n, uint64_t off) {
  while (n) {
    ssize_t r = pread(fd, p, n, (off_t)off);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -errno;
    if (r == 0) return -EBADMSG; /* torn */
    p += r;
    n -= (size_t)r;
    off += (uint64_t)r;
  }
  return 0;
}

int dq_scan_segment(const otlpd_dq *q, uint64_t seq, uint64_t from, dq_scan *out) {
  memset(out, 0, sizeof(*out));
  char path[PATH_MAX];
  dq_seg_path(q, seq, path, sizeof(path));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int rc = -errno;
    close(fd);
    return rc;
  }
  uint64_t size = (uint64_t)st.st_size, off = OTLPD_DQ_SEG_HDR;
  uint8_t magic[OTLPD_DQ_SEG_HDR];
  if (read_at(fd, magic, sizeof(magic), 0) != 0 || memcmp(magic, OTLPD_DQ_SEG_MAGIC, 8) != 0)
    off = 0; /* not a segment of ours, or torn before its header: nothing usable */
  uint8_t *buf = NULL;
  size_t cap = 0;
  int rc = 0;
  out->from = UINT64_MAX;
  while (off && off + OTLPD_DQ_REC_HDR <= size) {
    uint8_t hdr[OTLPD_DQ_REC_HDR];
    uint32_t len, items;
    if (read_at(fd, hdr, sizeof(hdr), off) != 0 || otlpd_dq_frame_parse(hdr, &len, &items) != 0) break;
    if (off + OTLPD_DQ_REC_HDR + len > size) break;
    if (len > cap) {
      uint8_t *nb = realloc(buf, len);
      if (!nb) {
        rc = -ENOMEM;
        break;
      }
      buf = nb;
      cap = len;
    }
    if (read_at(fd, buf, len, off + OTLPD_DQ_REC_HDR) != 0 || !otlpd_dq_frame_check(hdr, buf)) break;
    if (off >= from) {
      if (out->from == UINT64_MAX) out->from = off;
      out->units += otlpd_dq_measure(q->o.sizer, len, items);
      out->records++;
      out->items += items;
    }
    off += OTLPD_DQ_REC_HDR + len;
  }
  free(buf);
  close(fd);
  out->end = off;
  out->bad_bytes = size > off ? size - off : 0;
  if (out->from == UINT64_MAX) out->from = off;
  return rc;
}
