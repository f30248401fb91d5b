/* What a storage extension offers the components that name it
 * (sending_queue::storage: file_storage/x). The state of such an
 * extension begins with an otlpd_storage, so the daemon can hand it out
 * by id (otlpd_host.storage). */
#ifndef OTLPD_STORAGE_H
#define OTLPD_STORAGE_H

#include <stdbool.h>
#include <string.h>

typedef struct otlpd_storage {
  const char *directory; /* exists once the extension started (extensions start first) */
  bool fsync;            /* make each write durable before it is acknowledged */
} otlpd_storage;

/* Extension types whose state begins with an otlpd_storage. */
static inline bool otlpd_storage_type(const char *type) {
  return type && strcmp(type, "file_storage") == 0;
}

#endif
