/* Reading and splitting (worker thread, see filelog.h).
 *
 * Each cycle reads what every file grew by, bounded by the cycle's byte
 * budget, into a buffer in the cycle's arena: entries point into it (the
 * newline is overwritten with the string's NUL), so record bodies are
 * never copied. Only complete entries are taken; an unterminated tail (or
 * an open multiline entry) is read again next cycle, unless the file has
 * not changed for force_flush_period. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filelog.h"
#include "filelog_gz.h"
#include "filelog_read.h"
#include "filelog_utf16.h"

static int lines_push(fl_scratch *s, size_t b, size_t e, bool nl) {
  if (s->nlines == s->lines_cap) {
    size_t nc = s->lines_cap ? s->lines_cap * 2 : 1024;
    fl_line *nv = realloc(s->lines, nc * sizeof(*nv));
    if (!nv) return -ENOMEM;
    s->lines = nv;
    s->lines_cap = nc;
  }
  s->lines[s->nlines++] = (fl_line){b, e, nl};
  return 0;
}

static fl_entry *entry_push(fl_scratch *s) {
  if (s->nents + 1 >= s->ents_cap) { /* one spare slot for an operator's end_file */
    size_t nc = s->ents_cap ? s->ents_cap * 2 : 1024;
    fl_entry *nv = realloc(s->ents, nc * sizeof(*nv));
    if (!nv) return NULL;
    s->ents = nv;
    s->ents_cap = nc;
  }
  fl_entry *e = &s->ents[s->nents++];
  memset(e, 0, sizeof(*e));
  return e;
}

static bool line_matches(const fl_read_ctx *x, pcre2_code *re, pcre2_match_data *md, const fl_line *l) {
  const char *s = x->buf + l->b;
  size_t n = l->e - l->b;
  if (x->u16) { /* patterns are UTF-8: match the converted line */
    char *u = otlpd_arena_alloc(x->arena, fl_utf16_utf8_cap(n));
    if (!u) return false;
    n = fl_utf16_to_utf8((const uint8_t *)s, n, x->u16 == FL_ENC_UTF16BE, u);
    s = u;
  }
  return pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, md, NULL) >= 0;
}

/* The body of buf[b, b+len) converted from UTF-16 (a copy in the arena). */
static char *utf16_body(fl_read_ctx *x, size_t b, size_t len) {
  char *u = otlpd_arena_alloc(x->arena, fl_utf16_utf8_cap(len) + 1);
  if (!u) return NULL;
  size_t n = fl_utf16_to_utf8((const uint8_t *)x->buf + b, len, x->u16 == FL_ENC_UTF16BE, u);
  if (n && u[n - 1] == '\r') n--;
  u[n] = 0;
  return u;
}

/* Where the next newline starts at or after p (x->n: none). */
static size_t find_nl(const fl_read_ctx *x, size_t p) {
  if (x->u16) {
    size_t i = fl_utf16_find_nl((const uint8_t *)x->buf, p, x->n, x->u16 == FL_ENC_UTF16BE);
    return i == FL_UTF16_NONE ? x->n : i;
  }
  char *nl = memchr(x->buf + p, '\n', x->n - p);
  return nl ? (size_t)(nl - x->buf) : x->n;
}

/* One entry for buf[b, e) at file offsets [base+b, base+end). */
static int add_entry(fl_read_ctx *x, size_t b, size_t e, size_t end) {
  otlpd_arena *a = x->arena;
  int64_t max = x->u16 ? x->max_log_size & ~(int64_t)1 : x->max_log_size; /* whole UTF-16 units */
  while (b < e || b == e) {
    size_t len = e - b;
    if (len == 0) return 0; /* empty lines carry nothing */
    size_t take = (int64_t)len > max ? (size_t)max : len;
    char *s;
    if (x->u16) {
      if (!(s = utf16_body(x, b, take))) return -ENOMEM;
    } else if (take == len && e < x->n + 1) {
      if (len && x->buf[e - 1] == '\r') x->buf[--e] = 0, take--;
      x->buf[e] = 0; /* over the newline (or the spare byte after the buffer) */
      s = x->buf + b;
    } else if (!(s = otlpd_arena_strndup(a, x->buf + b, take))) {
      return -ENOMEM;
    }
    fl_entry *en = entry_push(x->scratch);
    if (!en) return -ENOMEM;
    if (!(en->body = fl_str_value_ref(a, s))) return -ENOMEM;
    en->start = x->base + b;
    en->end = x->base + (take == len ? end : b + take);
    en->res = x->res;
    if (x->nattrs) {
      if (!(en->attrs.v = otlpd_arena_alloc(a, (x->nattrs + 4) * sizeof(*en->attrs.v)))) return -ENOMEM;
      memcpy(en->attrs.v, x->attrs, x->nattrs * sizeof(*x->attrs));
      en->attrs.n = x->nattrs;
      en->attrs.cap = x->nattrs + 4; /* room for what a parser adds (log.iostream, logtag) */
    }
    b += take;
    if (b >= e) return 0;
  }
  return 0;
}

/* Lines of buf, then entries from them. Returns bytes consumed. */
static ssize_t split(fl_read_ctx *x, pcre2_code *start_re, pcre2_code *end_re, pcre2_match_data *md) {
  fl_scratch *s = x->scratch;
  s->nlines = 0;
  size_t nlw = x->u16 ? 2 : 1; /* the newline's width */
  size_t p = x->skip;
  while (p < x->n) {
    size_t e = find_nl(x, p);
    bool nl = e < x->n;
    if (lines_push(s, p, e, nl) < 0) return -ENOMEM;
    p = nl ? e + nlw : x->n;
  }
  size_t consumed = x->skip, gs = 0; /* first line of the open group */
  int64_t max = x->u16 ? x->max_log_size & ~(int64_t)1 : x->max_log_size;
  for (size_t i = 0; i < s->nlines; i++) {
    fl_line *l = &s->lines[i];
    if (!l->nl) break; /* the unterminated tail: below */
    bool close_before = false, close_after = true;
    if (start_re) {
      close_before = i > gs && line_matches(x, start_re, md, l);
      close_after = false;
    } else if (end_re) {
      close_after = line_matches(x, end_re, md, l);
    }
    if (close_before) {
      fl_line *last = &s->lines[i - 1];
      if (add_entry(x, s->lines[gs].b, last->e, last->e + nlw) < 0) return -ENOMEM;
      consumed = last->e + nlw;
      gs = i;
    }
    size_t glen = l->e - s->lines[gs].b;
    if (close_after || (int64_t)glen >= max) {
      if (add_entry(x, s->lines[gs].b, l->e, l->e + nlw) < 0) return -ENOMEM;
      consumed = l->e + nlw;
      gs = i + 1;
    }
  }
  /* what is left: an open group and/or an unterminated tail */
  if (consumed < x->n) {
    size_t left = x->n - consumed;
    if (x->flush) {
      size_t e = x->n;
      if (x->u16 && e >= consumed + 2 && find_nl(x, e - 2) == e - 2) e -= 2;
      else if (!x->u16 && e > consumed && x->buf[e - 1] == '\n') e--;
      if (add_entry(x, consumed, e, x->n) < 0) return -ENOMEM;
      consumed = x->n;
    } else if ((int64_t)left >= max && !(start_re || end_re)) {
      /* a line longer than max_log_size: its first max_log_size bytes now */
      if (add_entry(x, consumed, consumed + (size_t)max, consumed + (size_t)max) < 0) return -ENOMEM;
      consumed += (size_t)max;
    }
  }
  return (ssize_t)consumed;
}

static int pread_all(int fd, char *buf, size_t n, uint64_t off, size_t *got) {
  size_t g = 0;
  while (g < n) {
    ssize_t k = pread(fd, buf + g, n - g, (off_t)(off + g));
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return -errno;
    if (k == 0) break;
    g += (size_t)k;
  }
  *got = g;
  return 0;
}

/* Splits what was read (got bytes at rd->offset; whole: all there is now)
 * into entries and sets rd->pending past what they took. */
static int take(filelog_recv *r, fl_cycle *cy, fl_reader *rd, fl_read_ctx *x, char *buf, size_t got,
                uint64_t size, bool whole) {
  /* quiet for force_flush_period with an unfinished tail: emit it */
  bool flush = whole && rd->tail_since && rd->tail_size == size &&
               cy->now_ms - rd->tail_since >= (uint64_t)(r->cfg->force_flush_period / OTLPD_NS_PER_MS);
  x->buf = buf;
  x->n = got;
  x->base = rd->offset;
  x->size = size;
  x->flush = flush;
  /* a byte order mark at the start of a UTF-16 file is not text */
  x->skip = x->u16 && rd->offset == 0 && fl_utf16_bom((const uint8_t *)buf, got, x->u16 == FL_ENC_UTF16BE) ? 2 : 0;
  buf[got] = 0;
  ssize_t used = split(x, r->ml_start, r->ml_end, r->md);
  if (used < 0) return (int)used;
  rd->pending = rd->offset + (uint64_t)used;
  return 0;
}

static size_t chunk_cap(const filelog_recv *r) {
  size_t entry = (size_t)r->cfg->max_log_size + 1;
  return entry > FL_FILE_CHUNK ? entry : FL_FILE_CHUNK;
}

/* A gzip file: what inflates from rd->offset (see filelog_gz.c). */
static int read_gz(filelog_recv *r, fl_cycle *cy, fl_reader *rd, fl_read_ctx *x, size_t *budget) {
  struct stat st;
  if (fstat(rd->fd, &st) < 0 || fl_gz_idle(rd->gz, rd->offset, (uint64_t)st.st_size)) {
    rd->tail_since = 0;
    return 0;
  }
  size_t n = chunk_cap(r);
  if (n > *budget) {
    if (*budget < (size_t)r->cfg->max_log_size + 1) {
      cy->more = true;
      return 0;
    }
    n = *budget;
  }
  char *buf = otlpd_arena_alloc(x->arena, n + 1);
  if (!buf) return -ENOMEM;
  size_t got = 0;
  bool drained = true;
  uint64_t end = 0;
  int rc = fl_gz_read(rd->gz, rd->fd, rd->offset, buf, n, &got, &drained, &end);
  if (rc == -EBADMSG) return 0; /* not gzip or corrupt: the file is left alone */
  if (rc < 0) return rc;
  if (!drained) cy->more = true;
  *budget -= got;
  cy->bytes_read += got;
  if (!got) return 0;
  return take(r, cy, rd, x, buf, got, end, drained);
}

/* Reads one file into entries. 0, or negative errno. */
int fl_read_file(filelog_recv *r, fl_cycle *cy, fl_reader *rd, fl_read_ctx *x, size_t *budget) {
  struct stat st;
  rd->pending = rd->offset;
  x->n = 0;
  if (rd->gz) return read_gz(r, cy, rd, x, budget);
  if (fstat(rd->fd, &st) < 0 || (uint64_t)st.st_size <= rd->offset) {
    rd->tail_since = 0;
    return 0;
  }
  uint64_t size = (uint64_t)st.st_size, avail = size - rd->offset;
  size_t cap = chunk_cap(r);
  size_t n = avail < cap ? (size_t)avail : cap;
  if (n > *budget) {
    if (*budget < (size_t)r->cfg->max_log_size + 1 && *budget < avail) {
      cy->more = true; /* not enough room for a whole entry: next cycle */
      return 0;
    }
    n = *budget;
  }
  if (n < avail) cy->more = true;
  char *buf = otlpd_arena_alloc(x->arena, n + 1);
  if (!buf) return -ENOMEM;
  size_t got = 0;
  int rc = pread_all(rd->fd, buf, n, rd->offset, &got);
  if (rc < 0) return rc;
  *budget -= got;
  cy->bytes_read += got;
  return take(r, cy, rd, x, buf, got, size, got == avail);
}

/* After operators: remember when an unfinished tail was first seen. */
void fl_read_tail(fl_reader *rd, uint64_t size, uint64_t now_ms) {
  if (rd->pending >= size) {
    rd->tail_since = 0;
  } else if (!rd->tail_since || rd->tail_size != size) {
    rd->tail_since = now_ms;
    rd->tail_size = size;
  }
}
