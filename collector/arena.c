/* Bump allocator; see include/otlpd/arena.h. */
#include "otlpd/arena.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_BLOCK (16 * 1024)
#define ARENA_GROW_MAX (1024 * 1024)

typedef struct block {
  struct block *next;
  size_t size; /* usable bytes after the header */
  size_t used;
  _Alignas(16) unsigned char data[];
} block;

struct otlpd_arena {
  block *head;       /* current block; older blocks follow */
  size_t footprint;
  size_t limit;
  size_t next_size;  /* growth after the first block: doubles, up to 1 MiB */
  bool hit_limit;    /* an allocation was refused because of limit */
  ProtobufCAllocator pb;
};

static void *pb_alloc(void *ud, size_t n) { return otlpd_arena_alloc(ud, n); }
static void pb_free(void *ud, void *p) { (void)ud; (void)p; }

/* A block of at least min bytes: the usual growth size, or min when
 * bigger (a big allocation gets a block of its own size). Near the limit
 * the block is cut to what is left, so the arena fills up to its limit and
 * refuses only what truly does not fit. */
static block *block_new(otlpd_arena *a, size_t min) {
  size_t size = a->next_size > min ? a->next_size : min;
  if (a->limit) {
    size_t left = a->limit > a->footprint + sizeof(block) ? a->limit - a->footprint - sizeof(block) : 0;
    if (left < min) {
      a->hit_limit = true;
      return NULL;
    }
    if (size > left) size = left;
  }
  block *b = malloc(sizeof(block) + size);
  if (!b) return NULL;
  b->next = NULL;
  b->size = size;
  b->used = 0;
  a->footprint += size + sizeof(block);
  return b;
}

otlpd_arena *otlpd_arena_new(size_t first_block) {
  otlpd_arena *a = calloc(1, sizeof(*a));
  if (!a) return NULL;
  a->next_size = first_block ? first_block : ARENA_DEFAULT_BLOCK;
  a->head = block_new(a, 0);
  if (!a->head) {
    free(a);
    return NULL;
  }
  /* Later blocks only hold what the first one's guess missed: they grow
   * from a small size rather than repeat a big first block. */
  a->next_size = a->next_size < ARENA_GROW_MAX ? a->next_size : ARENA_GROW_MAX;
  a->pb.alloc = pb_alloc;
  a->pb.free = pb_free;
  a->pb.allocator_data = a;
  return a;
}

void otlpd_arena_free(otlpd_arena *a) {
  if (!a) return;
  block *b = a->head;
  while (b) {
    block *next = b->next;
    free(b);
    b = next;
  }
  free(a);
}

void *otlpd_arena_alloc(otlpd_arena *a, size_t n) {
  size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
  if (need < n) return NULL; /* overflow */
  block *b = a->head;
  if (b->size - b->used < need) {
    /* Big allocations get a block of their own behind the current one so
     * the current block's free space is not wasted. */
    block *nb = block_new(a, need);
    if (!nb) return NULL;
    if (a->next_size < ARENA_GROW_MAX) a->next_size *= 2;
    if (need > b->size / 2 && b->size - b->used > 256) {
      nb->next = b->next;
      b->next = nb;
      nb->used = need;
      return nb->data;
    }
    nb->next = b;
    a->head = b = nb;
  }
  void *p = b->data + b->used;
  b->used += need;
  return p;
}

void *otlpd_arena_calloc(otlpd_arena *a, size_t n) {
  void *p = otlpd_arena_alloc(a, n);
  if (p) memset(p, 0, n);
  return p;
}

char *otlpd_arena_strndup(otlpd_arena *a, const char *s, size_t n) {
  char *p = otlpd_arena_alloc(a, n + 1);
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

size_t otlpd_arena_footprint(const otlpd_arena *a) { return a->footprint; }

void otlpd_arena_set_limit(otlpd_arena *a, size_t max) { a->limit = max; }

bool otlpd_arena_hit_limit(const otlpd_arena *a) { return a->hit_limit; }

void otlpd_arena_reset(otlpd_arena *a) {
  /* Keep the oldest block (the first one allocated): it is the end of the list. */
  block *b = a->head;
  while (b->next) {
    block *next = b->next;
    a->footprint -= b->size + sizeof(block);
    free(b);
    b = next;
  }
  b->used = 0;
  a->head = b;
  a->hit_limit = false;
}

ProtobufCAllocator *otlpd_arena_pb(otlpd_arena *a) { return &a->pb; }

int otlpd_arena_owns(const otlpd_arena *a, const void *p) {
  uintptr_t x = (uintptr_t)p;
  for (const block *b = a->head; b && p; b = b->next)
    if (x >= (uintptr_t)b->data && x < (uintptr_t)b->data + b->used) return 1;
  return 0;
}

size_t otlpd_arena_used(const otlpd_arena *a) {
  size_t n = 0;
  for (const block *b = a->head; b; b = b->next) n += b->used;
  return n;
}

#define SIZER_DEFAULT_RATIO16 (10 * 16) /* OTLP protobuf decodes to ~8-10x */
#define SIZER_MAX_FIRST (32u * 1024 * 1024)

size_t otlpd_arena_sizer_guess(const otlpd_arena_sizer *s, size_t in_len) {
  size_t r = s->ratio16 ? s->ratio16 : SIZER_DEFAULT_RATIO16;
  if (in_len > SIZER_MAX_FIRST / r * 16) return SIZER_MAX_FIRST;
  /* 1/8 headroom so the usual request fits in one block */
  size_t n = in_len * r / 16;
  return n + n / 8 + 1024;
}

void otlpd_arena_sizer_learn(otlpd_arena_sizer *s, size_t in_len, const otlpd_arena *a) {
  if (in_len < 1024) return; /* tiny requests say little about big ones */
  size_t r = otlpd_arena_used(a) * 16 / in_len;
  /* moving average weighted 1/4 to the newest, so one odd request does not
   * resize the next thousand */
  s->ratio16 = s->ratio16 ? (3 * s->ratio16 + r) / 4 : r;
}
