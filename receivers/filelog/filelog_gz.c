/* gzip-compressed files: one z_stream per file kept across cycles, fed
 * from the file in 64 KiB chunks, so each cycle inflates only what is new.
 * Offsets are positions in the decompressed stream. What a cycle
 * decompressed is kept (the carry) until the next cycle's offset shows how
 * much of it was taken: a rolled-back cycle or an unterminated last line
 * is served again without inflating anew. Concatenated members (gzip's
 * way of appending, as otelcol expects) are read one after the other; a
 * member still being written is read as far as it is complete. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "filelog_gz.h"

#define FL_GZ_IN (64u * 1024u)
#define FL_GZ_PEEK_MAX_IN (1024u * 1024u) /* input a fingerprint peek may take */

struct fl_gz {
  z_stream zs;
  bool live;        /* inflateInit2 done */
  bool ended;       /* the last member ended (the file is complete so far) */
  bool out_full;    /* the last inflate stopped for room: output may be pending */
  bool bad;         /* not gzip or corrupt: nothing more is read */
  uint64_t in_off;  /* file bytes fed so far */
  uint64_t out_off; /* decompressed bytes produced so far */
  uint8_t *in;      /* input chunk while live */
  char *carry;      /* decompressed bytes [out_off - carry_n, out_off) */
  size_t carry_n, carry_cap;
};

fl_gz *fl_gz_new(void) { return calloc(1, sizeof(fl_gz)); }

static void release(fl_gz *g) {
  if (g->live) inflateEnd(&g->zs);
  g->live = false;
  free(g->in);
  g->in = NULL;
}

void fl_gz_free(fl_gz *g) {
  if (!g) return;
  release(g);
  free(g->carry);
  free(g);
}

void fl_gz_reset(fl_gz *g) {
  release(g);
  free(g->carry);
  *g = (fl_gz){0};
}

bool fl_gz_idle(fl_gz *g, uint64_t offset, uint64_t file_size) {
  bool input_left = g->in_off < file_size || (g->live && g->zs.avail_in > 0) || g->out_full;
  if (offset < g->out_off || (input_left && !g->bad)) return false;
  free(g->carry); /* all of it was taken: an idle file holds no buffer */
  g->carry = NULL;
  g->carry_n = g->carry_cap = 0;
  return true;
}

bool fl_gz_finished(fl_gz *g, uint64_t offset, uint64_t file_size) {
  return (g->bad || g->ended) && fl_gz_idle(g, offset, file_size);
}

static int start(fl_gz *g) {
  if (!g->in && !(g->in = malloc(FL_GZ_IN))) return -ENOMEM;
  memset(&g->zs, 0, sizeof(g->zs));
  if (inflateInit2(&g->zs, 16 + MAX_WBITS) != Z_OK) return -ENOMEM; /* gzip wrapper only */
  g->live = true;
  g->ended = false;
  return 0;
}

/* Inflate into out[0, cap). *made: bytes produced; *drained: the input
 * the file holds now is used up (nothing more can be produced). */
static int inflate_into(fl_gz *g, int fd, char *out, size_t cap, size_t *made, bool *drained) {
  *made = 0;
  *drained = false;
  g->out_full = false;
  if (!cap) return 0;
  while (*made < cap && !g->bad) {
    if (!g->live) {
      int rc = start(g);
      if (rc < 0) return rc;
    }
    if (g->zs.avail_in == 0) {
      ssize_t k = pread(fd, g->in, FL_GZ_IN, (off_t)g->in_off);
      if (k < 0 && errno == EINTR) continue;
      if (k < 0) return -errno;
      if (k == 0) {
        *drained = true;
        break;
      }
      g->in_off += (uint64_t)k;
      g->zs.next_in = g->in;
      g->zs.avail_in = (uInt)k;
    }
    if (g->ended) { /* more input after a member's end: the next member */
      inflateReset(&g->zs);
      g->ended = false;
    }
    g->zs.next_out = (Bytef *)out + *made;
    g->zs.avail_out = (uInt)(cap - *made);
    int rc = inflate(&g->zs, Z_NO_FLUSH);
    *made = cap - g->zs.avail_out;
    if (rc == Z_STREAM_END) g->ended = true;
    else if (rc != Z_OK && rc != Z_BUF_ERROR) g->bad = true; /* what came before it still counts */
  }
  g->out_off += *made;
  if (g->bad) {
    *drained = true;
    release(g);
    return *made ? 0 : -EBADMSG;
  }
  g->out_full = *made == cap && !*drained;
  if (*drained && g->ended) release(g); /* complete so far: hold no inflate state */
  return 0;
}

/* Bring the carry to start at offset: drop what was taken, or start over
 * (a roll-back past the carry) and skip what is before offset. */
static int seek(fl_gz *g, int fd, uint64_t offset, char *scratch, size_t cap, bool *short_file) {
  *short_file = false;
  uint64_t cpos = g->out_off - g->carry_n;
  if (offset < cpos) {
    char *carry = g->carry;
    size_t ccap = g->carry_cap;
    release(g);
    *g = (fl_gz){.carry = carry, .carry_cap = ccap};
    cpos = 0;
  }
  if (offset <= g->out_off) {
    size_t drop = (size_t)(offset - cpos);
    if (drop) memmove(g->carry, g->carry + drop, g->carry_n - drop);
    g->carry_n -= drop;
    return 0;
  }
  g->carry_n = 0;
  while (g->out_off < offset) {
    uint64_t left = offset - g->out_off;
    size_t made;
    bool drained;
    int rc = inflate_into(g, fd, scratch, left < cap ? (size_t)left : cap, &made, &drained);
    if (rc < 0) return rc;
    if (drained && g->out_off < offset) {
      *short_file = true; /* the offset is not written yet */
      return 0;
    }
  }
  return 0;
}

static int carry_append(fl_gz *g, const char *p, size_t n) {
  if (!n) return 0;
  if (g->carry_n + n > g->carry_cap) {
    size_t nc = g->carry_n + n;
    char *c = realloc(g->carry, nc);
    if (!c) return -ENOMEM;
    g->carry = c;
    g->carry_cap = nc;
  }
  memcpy(g->carry + g->carry_n, p, n);
  g->carry_n += n;
  return 0;
}

int fl_gz_read(fl_gz *g, int fd, uint64_t offset, char *buf, size_t cap, size_t *got, bool *drained,
               uint64_t *end) {
  *got = 0;
  *drained = true;
  *end = g->out_off;
  bool short_file;
  int rc = seek(g, fd, offset, buf, cap, &short_file);
  if (rc < 0 || short_file) return rc;
  size_t k = g->carry_n < cap ? g->carry_n : cap;
  if (k) memcpy(buf, g->carry, k);
  size_t made = 0;
  *drained = false;
  if (k < cap && g->bad) {
    *drained = true;
  } else if (k < cap) {
    rc = inflate_into(g, fd, buf + k, cap - k, &made, drained);
    if (rc == -EBADMSG && k) rc = 0; /* the carry still goes out */
    if (rc < 0) return rc;
    if ((rc = carry_append(g, buf + k, made)) < 0) return rc;
  }
  *got = k + made;
  *end = g->out_off;
  return 0;
}

int fl_gz_peek(int fd, uint8_t *out, size_t want, size_t *len, bool *complete) {
  *len = 0;
  *complete = false;
  uint8_t *in = malloc(FL_GZ_IN);
  if (!in) return -ENOMEM;
  z_stream zs = {0};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
    free(in);
    return -ENOMEM;
  }
  zs.next_out = out;
  zs.avail_out = (uInt)want;
  uint64_t off = 0;
  int rc = Z_OK, err = 0;
  while (zs.avail_out > 0 && rc != Z_STREAM_END && off < FL_GZ_PEEK_MAX_IN) {
    ssize_t k = pread(fd, in, FL_GZ_IN, (off_t)off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      err = k < 0 ? -errno : 0;
      break;
    }
    off += (uint64_t)k;
    zs.next_in = in;
    zs.avail_in = (uInt)k;
    while (zs.avail_in > 0 && zs.avail_out > 0 && rc != Z_STREAM_END) {
      rc = inflate(&zs, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        err = -EBADMSG;
        break;
      }
      if (rc == Z_BUF_ERROR) break;
    }
    if (err) break;
  }
  *len = want - zs.avail_out;
  *complete = rc == Z_STREAM_END;
  inflateEnd(&zs);
  free(in);
  return err;
}

int fl_gz_size(int fd, uint64_t *size) {
  fl_gz *g = fl_gz_new();
  char *scratch = malloc(FL_GZ_IN);
  int rc = g && scratch ? 0 : -ENOMEM;
  bool drained = false;
  while (rc == 0 && !drained) {
    size_t made;
    rc = inflate_into(g, fd, scratch, FL_GZ_IN, &made, &drained);
  }
  *size = g ? g->out_off : 0;
  free(scratch);
  fl_gz_free(g);
  return rc;
}
