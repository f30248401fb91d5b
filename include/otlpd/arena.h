/* Bump allocator that owns everything decoded from one request.
 *
 * protobuf-c allocates every sub-message separately; pointing its allocator
 * hook at an arena turns thousands of mallocs per request into a handful of
 * block allocations and makes freeing a request one call. */
#ifndef OTLPD_ARENA_H
#define OTLPD_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

typedef struct otlpd_arena otlpd_arena;

/* first_block: size of the first block (0 picks a default). NULL on ENOMEM. */
otlpd_arena *otlpd_arena_new(size_t first_block);
void otlpd_arena_free(otlpd_arena *a);

/* 16-byte aligned; NULL on ENOMEM or when the arena's limit would be passed. */
void *otlpd_arena_alloc(otlpd_arena *a, size_t n);
void *otlpd_arena_calloc(otlpd_arena *a, size_t n);
char *otlpd_arena_strndup(otlpd_arena *a, const char *s, size_t n);

/* Bytes taken from the system by this arena (blocks, not just used bytes). */
size_t otlpd_arena_footprint(const otlpd_arena *a);

/* Refuse to grow past max bytes (0 = unlimited): bounds decode of hostile
 * input. The arena fills up to max (its last block takes what is left), so
 * a refusal means the data truly did not fit. */
void otlpd_arena_set_limit(otlpd_arena *a, size_t max);
/* Whether an allocation was refused because of the limit (not ENOMEM). */
bool otlpd_arena_hit_limit(const otlpd_arena *a);

/* Whether p points into memory this arena handed out (walks its blocks;
 * arenas have few). */
int otlpd_arena_owns(const otlpd_arena *a, const void *p);

/* Bytes handed out (what the blocks actually hold). */
size_t otlpd_arena_used(const otlpd_arena *a);

/* Learns how many arena bytes decoding takes per input byte, so a request's
 * arena can get one first block that fits: fewer blocks, and no half-empty
 * doubled block at the end (that slack counts against the memory limit).
 * One per decoding thread; plain fields, no locking. */
typedef struct otlpd_arena_sizer {
  size_t ratio16; /* arena bytes per 16 input bytes; 0 = nothing learned yet */
} otlpd_arena_sizer;

size_t otlpd_arena_sizer_guess(const otlpd_arena_sizer *s, size_t in_len);
void otlpd_arena_sizer_learn(otlpd_arena_sizer *s, size_t in_len, const otlpd_arena *a);

/* Drop all allocations but keep the first block for reuse. */
void otlpd_arena_reset(otlpd_arena *a);

/* A protobuf-c allocator whose free() is a no-op; valid while the arena lives. */
ProtobufCAllocator *otlpd_arena_pb(otlpd_arena *a);

#endif
