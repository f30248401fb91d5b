/* Finding files and knowing them again (worker thread, see filelog.h).
 *
 * A file is the same file when its first bytes (the fingerprint) begin
 * with a known file's fingerprint, whatever its name: a renamed file keeps
 * its reader, a copy made by copytruncate continues where the original
 * was, and a truncated file starts over. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filelog.h"
#include "filelog_glob.h"
#include "filelog_gz.h"

void fl_reader_free(fl_reader *rd) {
  if (!rd) return;
  if (rd->fd >= 0) close(rd->fd);
  fl_gz_free(rd->gz);
  free(rd->path);
  free(rd->fp);
  free(rd);
}

/* Up to fingerprint_size bytes at the file's start. */
static int read_fp(int fd, size_t want, uint8_t **fp, size_t *len) {
  *fp = NULL;
  *len = 0;
  uint8_t *b = malloc(want ? want : 1);
  if (!b) return -ENOMEM;
  ssize_t n = pread(fd, b, want, 0);
  if (n < 0) {
    free(b);
    return -errno;
  }
  *fp = b;
  *len = (size_t)n;
  return 0;
}

static bool fp_prefix(const uint8_t *known, size_t klen, const uint8_t *fp, size_t len) {
  return klen > 0 && klen <= len && !memcmp(known, fp, klen);
}

/* Remember a fingerprint and offset of a file no reader holds any more. */
int fl_known_add(filelog_recv *r, const uint8_t *fp, size_t len, uint64_t offset) {
  if (!len) return 0;
  fl_known *k = calloc(1, sizeof(*k));
  if (!k || !(k->fp = malloc(len))) {
    free(k);
    return -ENOMEM;
  }
  memcpy(k->fp, fp, len);
  k->fp_len = len;
  k->offset = offset;
  k->next = r->known;
  r->known = k;
  /* bounded: the oldest go first */
  size_t n = 0;
  for (fl_known **p = &r->known; *p; n++) {
    if (n >= (size_t)r->cfg->max_concurrent_files) {
      fl_known *dead = *p;
      *p = dead->next;
      free(dead->fp);
      free(dead);
      continue;
    }
    p = &(*p)->next;
  }
  return 0;
}

/* An open file whose fingerprint begins the new file's. */
static const fl_reader *open_match(const filelog_recv *r, const uint8_t *fp, size_t len) {
  for (const fl_reader *rd = r->readers; rd; rd = rd->next)
    if (fp_prefix(rd->fp, rd->fp_len, fp, len)) return rd;
  return NULL;
}

/* Where a new file with this fingerprint starts: a closed or truncated
 * file's offset (taking that record), or -1 when it is new. */
static int64_t known_offset(filelog_recv *r, const uint8_t *fp, size_t len) {
  for (fl_known **p = &r->known; *p; p = &(*p)->next)
    if (fp_prefix((*p)->fp, (*p)->fp_len, fp, len)) {
      fl_known *k = *p;
      int64_t off = (int64_t)k->offset;
      *p = k->next;
      free(k->fp);
      free(k);
      return off;
    }
  return -1;
}

static bool was_deferred(const filelog_recv *r, const struct stat *st) {
  for (size_t i = 0; i < r->ndeferred; i++)
    if (r->deferred[i].dev == st->st_dev && r->deferred[i].ino == st->st_ino) return true;
  return false;
}

static int defer(filelog_recv *r, const struct stat *st, fl_inode *next, size_t *n) {
  if (*n >= FL_MAX_DEFERRED) return 0;
  next[(*n)++] = (fl_inode){st->st_dev, st->st_ino};
  return 0;
}

static fl_reader *by_inode(filelog_recv *r, const struct stat *st) {
  for (fl_reader *rd = r->readers; rd; rd = rd->next)
    if (rd->dev == st->st_dev && rd->ino == st->st_ino) return rd;
  return NULL;
}

static size_t open_count(const filelog_recv *r) {
  size_t n = 0;
  for (const fl_reader *rd = r->readers; rd; rd = rd->next) n++;
  return n;
}

/* An open file seen again: follow renames, notice truncation. */
static int refresh(filelog_recv *r, fl_reader *rd, const char *path, const struct stat *st) {
  rd->seen = true;
  rd->gone_polls = 0;
  if (strcmp(rd->path, path)) {
    char *p = strdup(path);
    if (!p) return -ENOMEM;
    free(rd->path);
    rd->path = p;
  }
  /* a gzip file's offset is in its decompressed stream: only a changed
   * fingerprint tells it was rewritten */
  bool truncated = !rd->gz && (uint64_t)st->st_size < rd->offset;
  if (!truncated && rd->fp_len < (size_t)r->cfg->fingerprint_size && (uint64_t)st->st_size > rd->fp_len) {
    /* the fingerprint grows with the file until it is full */
    uint8_t *fp = NULL;
    size_t len = 0;
    if (read_fp(rd->fd, (size_t)r->cfg->fingerprint_size, &fp, &len) < 0) return 0;
    truncated = !fp_prefix(rd->fp, rd->fp_len, fp, len) && rd->fp_len > 0;
    free(rd->fp);
    rd->fp = fp;
    rd->fp_len = len;
  } else if (!truncated && rd->fp_len > 0) {
    uint8_t *fp = NULL;
    size_t len = 0;
    if (read_fp(rd->fd, rd->fp_len, &fp, &len) < 0) return 0;
    truncated = len < rd->fp_len || memcmp(fp, rd->fp, rd->fp_len);
    free(fp);
  }
  if (truncated) { /* copytruncate or rewritten: the old content may live on as a copy */
    fl_known_add(r, rd->fp, rd->fp_len, rd->offset);
    rd->offset = 0;
    rd->tail_since = 0;
    if (rd->gz) fl_gz_reset(rd->gz);
    free(rd->fp);
    rd->fp = NULL;
    rd->fp_len = 0;
    read_fp(rd->fd, (size_t)r->cfg->fingerprint_size, &rd->fp, &rd->fp_len);
  }
  return 0;
}

static bool is_gz(const filelog_recv *r, const char *path) {
  size_t n = strlen(path);
  return r->gz == FL_GZ_ALL || (r->gz == FL_GZ_AUTO && n > 3 && !strcmp(path + n - 3, ".gz"));
}

/* An open plain file whose fingerprint and the decompressed first bytes
 * of a gzip file begin alike. */
static bool open_plain_twin(const filelog_recv *r, const uint8_t *c, size_t clen) {
  for (const fl_reader *rd = r->readers; rd; rd = rd->next)
    if (!rd->gz && (fp_prefix(rd->fp, rd->fp_len, c, clen) || fp_prefix(c, clen, rd->fp, rd->fp_len))) return true;
  return false;
}

#define FL_GZ_WAIT (-2)

/* Where a new gzip file starts (a decompressed offset), or FL_GZ_WAIT.
 * Its identity is its own (compressed) first bytes, as in otelcol; but a
 * compressed copy of a file already read (logrotate's `compress`:
 * x.log.1 becomes x.log.1.gz) is recognised by its decompressed first
 * bytes and continues where that file was read to, so nothing is read
 * twice: while the original is still open the copy waits; once the
 * original was closed, its remembered offset is taken. */
static int64_t gz_start(filelog_recv *r, int fd, const uint8_t *fp, size_t len) {
  int64_t off = known_offset(r, fp, len); /* this very gzip file, read before (or stored) */
  if (off >= 0) return off;
  size_t want = (size_t)r->cfg->fingerprint_size, clen = 0;
  uint8_t *c = malloc(want);
  bool complete = false;
  if (!c) return -ENOMEM;
  int rc = fl_gz_peek(fd, c, want, &clen, &complete);
  if (rc == -ENOMEM) off = -ENOMEM;
  else if (rc < 0) off = 0; /* not gzip: read as a new file (the reads find nothing) */
  else if (clen < want && !complete) off = FL_GZ_WAIT; /* too little written yet to know it */
  else if (clen && open_plain_twin(r, c, clen)) off = FL_GZ_WAIT;
  else if (clen && (off = known_offset(r, c, clen)) >= 0) {
  } else if (!r->first_done && r->cfg->start_at == FL_START_END) {
    uint64_t size = 0;
    off = fl_gz_size(fd, &size) == -ENOMEM ? -ENOMEM : (int64_t)size;
  } else {
    off = 0;
  }
  free(c);
  return off;
}

/* A new file. One that begins like a file still open is a copy being
 * made (copytruncate) or a duplicate: it waits one cycle, so the
 * original's truncation is seen first and the copy continues where the
 * original was read to; still matching an untruncated original then, it
 * is a duplicate and only what is appended to it later is read. */
static int open_new(filelog_recv *r, const char *path, const struct stat *st, fl_inode *deferred, size_t *ndef) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return 0; /* gone or unreadable: maybe next poll */
  uint8_t *fp = NULL;
  size_t len = 0;
  if (read_fp(fd, (size_t)r->cfg->fingerprint_size, &fp, &len) < 0) {
    close(fd);
    return 0;
  }
  bool gz = is_gz(r, path);
  const fl_reader *twin = open_match(r, fp, len);
  bool waited = was_deferred(r, st);
  int64_t gz_off = 0;
  if (gz && !twin) gz_off = gz_start(r, fd, fp, len);
  if (gz && (twin || gz_off < 0)) { /* a byte-identical copy of an open gzip file is never read */
    free(fp);
    close(fd);
    return gz_off == -ENOMEM ? -ENOMEM : 0;
  }
  if (twin && !waited) {
    free(fp);
    close(fd);
    return defer(r, st, deferred, ndef);
  }
  fl_reader *rd = calloc(1, sizeof(*rd));
  if (!rd || !(rd->path = strdup(path))) {
    free(rd);
    free(fp);
    close(fd);
    return -ENOMEM;
  }
  rd->fd = fd;
  rd->dev = st->st_dev;
  rd->ino = st->st_ino;
  rd->fp = fp;
  rd->fp_len = len;
  if (gz) {
    if (!(rd->gz = fl_gz_new())) {
      fl_reader_free(rd);
      return -ENOMEM;
    }
    rd->offset = (uint64_t)gz_off;
    rd->seen = true;
    rd->next = r->readers;
    r->readers = rd;
    return 0;
  }
  int64_t off = known_offset(r, fp, len);
  if (off >= 0) rd->offset = (uint64_t)off <= (uint64_t)st->st_size ? (uint64_t)off : 0;
  else if (twin) rd->offset = (uint64_t)st->st_size;
  else if (!r->first_done && r->cfg->start_at == FL_START_END) rd->offset = (uint64_t)st->st_size;
  rd->seen = true;
  rd->next = r->readers;
  r->readers = rd;
  return 0;
}

int fl_scan(filelog_recv *r, fl_cycle *cy) {
  (void)cy;
  fl_paths paths = {0};
  int rc = fl_glob_expand(&r->cfg->include, &r->cfg->exclude, &paths);
  for (fl_reader *rd = r->readers; rd; rd = rd->next) rd->seen = false;
  /* known inodes first, so a truncation is seen before its copy is */
  struct stat *sts = paths.n ? calloc(paths.n, sizeof(*sts)) : NULL;
  bool *isnew = paths.n ? calloc(paths.n, sizeof(*isnew)) : NULL;
  if (paths.n && (!sts || !isnew)) rc = -ENOMEM;
  for (size_t i = 0; rc == 0 && i < paths.n; i++) {
    if (stat(paths.v[i], &sts[i]) < 0 || !S_ISREG(sts[i].st_mode)) continue;
    fl_reader *rd = by_inode(r, &sts[i]);
    if (rd) rc = refresh(r, rd, paths.v[i], &sts[i]);
    else isnew[i] = true;
  }
  size_t open_n = open_count(r), ndef = 0;
  fl_inode deferred[FL_MAX_DEFERRED];
  for (size_t i = 0; rc == 0 && i < paths.n; i++) {
    if (!isnew[i] || by_inode(r, &sts[i])) continue;
    if (open_n >= (size_t)r->cfg->max_concurrent_files) break; /* the rest wait for a free slot */
    rc = open_new(r, paths.v[i], &sts[i], deferred, &ndef);
    open_n++;
  }
  memcpy(r->deferred, deferred, ndef * sizeof(*deferred));
  r->ndeferred = ndef;
  for (fl_reader *rd = r->readers; rd; rd = rd->next)
    if (!rd->seen) rd->gone_polls++;
  free(sts);
  free(isnew);
  fl_paths_free(&paths);
  return rc;
}

void fl_reap(filelog_recv *r) {
  for (fl_reader **p = &r->readers; *p;) {
    fl_reader *rd = *p;
    struct stat st;
    bool finished = fstat(rd->fd, &st) == 0 && (rd->gz ? fl_gz_finished(rd->gz, rd->offset, (uint64_t)st.st_size)
                                                       : rd->offset >= (uint64_t)st.st_size);
    /* a file whose name went away (renamed out of the globs, deleted) is
     * read to its end from the open descriptor, then closed */
    if (rd->gone_polls >= 2 && finished) {
      fl_known_add(r, rd->fp, rd->fp_len, rd->offset);
      *p = rd->next;
      fl_reader_free(rd);
      r->store_dirty = true;
      continue;
    }
    p = &rd->next;
  }
}
