/* Reading internals shared by filelog_read.c and filelog_cycle.c. */
#ifndef OTLPD_FILELOG_READ_H
#define OTLPD_FILELOG_READ_H

#include "filelog.h"

/* Bytes read from one file per cycle at most (more when max_log_size is). */
#define FL_FILE_CHUNK (256u * 1024u)
/* Bytes read per cycle at most: bounds the memory one cycle holds. */
#define FL_CYCLE_BUDGET (2u * 1024u * 1024u)

typedef struct fl_line {
  size_t b, e; /* [b, e) without the newline */
  bool nl;     /* ended by a newline */
} fl_line;

/* Worker-owned scratch reused from cycle to cycle. */
typedef struct fl_scratch {
  fl_line *lines;
  size_t nlines, lines_cap;
  fl_entry *ents;
  size_t nents, ents_cap;
} fl_scratch;

typedef struct fl_read_ctx {
  otlpd_arena *arena;
  fl_scratch *scratch;
  char *buf;
  size_t n;
  uint64_t base;
  uint64_t size;               /* the file's size when it was read */
  bool flush;
  int64_t max_log_size;
  size_t skip;                 /* bytes at buf's start that are no text (a BOM) */
  int u16;                     /* 0, or FL_ENC_UTF16LE / FL_ENC_UTF16BE: split and convert */
  fl_kvs *res;                 /* the cycle's shared resource attributes */
  otlp_key_value **attrs;      /* attributes every entry of this file starts with */
  size_t nattrs;
} fl_read_ctx;

int fl_read_file(filelog_recv *r, fl_cycle *cy, fl_reader *rd, fl_read_ctx *x, size_t *budget);
void fl_read_tail(fl_reader *rd, uint64_t size, uint64_t now_ms);

#endif
