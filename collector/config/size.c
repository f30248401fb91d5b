/* Byte sizes: a plain integer, or with a 1000-based (KB, MB, GB, TB) or
 * 1024-based (KiB, MiB, GiB, TiB) suffix. */
#include <errno.h>
#include <stdint.h>
#include <strings.h>

#include "otlpd/config.h"

typedef struct size_unit {
  const char *name;
  uint64_t mult;
} size_unit;

static const size_unit size_units[] = {
    {"", 1},
    {"B", 1},
    {"KB", 1000ull},
    {"MB", 1000000ull},
    {"GB", 1000000000ull},
    {"TB", 1000000000000ull},
    {"KiB", 1ull << 10},
    {"MiB", 1ull << 20},
    {"GiB", 1ull << 30},
    {"TiB", 1ull << 40},
};

int otlpd_parse_size(const char *s, int64_t *bytes) {
  if (!s || *s < '0' || *s > '9')
    return -EINVAL;
  uint64_t v = 0;
  for (; *s >= '0' && *s <= '9'; s++) {
    if (v > (uint64_t)(INT64_MAX - 9) / 10)
      return -EINVAL;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  while (*s == ' ')
    s++;
  for (size_t i = 0; i < sizeof(size_units) / sizeof(size_units[0]); i++) {
    if (strcasecmp(s, size_units[i].name) != 0)
      continue;
    if (v > (uint64_t)INT64_MAX / size_units[i].mult)
      return -EINVAL;
    *bytes = (int64_t)(v * size_units[i].mult);
    return 0;
  }
  return -EINVAL;
}
