/* gzip-compressed files (compression: gzip / auto): streaming inflate
 * with bounded buffers (filelog_gz.c). Worker thread only. */
#ifndef OTLPD_FILELOG_GZ_H
#define OTLPD_FILELOG_GZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fl_gz fl_gz;

fl_gz *fl_gz_new(void);
void fl_gz_free(fl_gz *g);
/* Forget everything read (the file was rewritten): start over at 0. */
void fl_gz_reset(fl_gz *g);
/* Nothing to read: offset is all that was decompressed and the file has
 * not grown past what was fed to inflate. Frees the carry then. */
bool fl_gz_idle(fl_gz *g, uint64_t offset, uint64_t file_size);
/* The file is complete as far as it goes: every member ended and all its
 * bytes were inflated (so a reader at `offset` >= the end is finished). */
bool fl_gz_finished(fl_gz *g, uint64_t offset, uint64_t file_size);
/* Decompressed bytes from `offset` (a position in the decompressed
 * stream) into buf, at most cap. *got: bytes placed; *drained: everything
 * decompressible so far is in buf (the rest of the file is not written
 * yet, or the stream ended). *end: the decompressed size known so far.
 * 0, -EBADMSG (not gzip / corrupt), -ENOMEM or negative errno. */
int fl_gz_read(fl_gz *g, int fd, uint64_t offset, char *buf, size_t cap, size_t *got, bool *drained,
               uint64_t *end);
/* The first `want` decompressed bytes of the file (one-shot, bounded
 * input). *len may be short: the file holds no more yet. */
int fl_gz_peek(int fd, uint8_t *out, size_t want, size_t *len, bool *complete);
/* The file's decompressed size (inflates it all, discarding). */
int fl_gz_size(int fd, uint64_t *size);

#endif
