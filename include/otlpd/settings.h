/* Declarative component settings.
 *
 * Every component describes its configuration as one table of otlpd_setting
 * rows. The same table drives YAML parsing into the component's config
 * struct, defaults, validation (with full key paths in errors) and the
 * `otlpd components` listing, so the three can never disagree. */
#ifndef OTLPD_SETTINGS_H
#define OTLPD_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
  OTLPD_SET_END = 0,   /* table terminator */
  OTLPD_SET_BOOL,      /* bool */
  OTLPD_SET_INT,       /* int64_t, bounded by min/max when min < max */
  OTLPD_SET_DOUBLE,    /* double, bounded by min/max when min < max */
  OTLPD_SET_STRING,    /* char * (owned by the config, freed with it) */
  OTLPD_SET_DURATION,  /* int64_t nanoseconds; "200ms", "5s", "1m30s", "1h" */
  OTLPD_SET_SIZE,      /* int64_t bytes; plain integer or "10MiB", "512KB" */
  OTLPD_SET_ENDPOINT,  /* char *, "host:port", ":port", "[v6]:port" or "unix:/path" */
  OTLPD_SET_ENUM,      /* int, index into choices */
  OTLPD_SET_STRINGS,   /* otlpd_strings: a YAML sequence of strings */
  OTLPD_SET_SECTION,   /* nested table `sub` at `offset` (a struct) */
  OTLPD_SET_MAP,       /* otlpd_strmap: string keys to string values (headers) */
  OTLPD_SET_IGNORED,   /* accepted for otelcol compatibility, no effect */
  OTLPD_SET_SQUASH,    /* the keys of table `sub` belong to this level; their struct is at
                        * `offset` (mapstructure's ",squash": shared settings such as the
                        * HTTP client's or the exporter helper's, spliced into a component) */
  OTLPD_SET_SECTIONS,  /* otlpd_sections: a YAML sequence of maps, each filled by `sub`; an
                        * element may be a plain scalar when `sub` has a STRING row keyed "."
                        * (it fills that row) */
  OTLPD_SET_VALUE,     /* otlpd_value: one scalar kept with its YAML type */
} otlpd_setting_type;

typedef struct otlpd_strings {
  char **v;
  size_t n;
} otlpd_strings;

typedef struct otlpd_strmap {
  char **keys;
  char **values;
  size_t n;
} otlpd_strmap;

/* A list of structs of elem_size bytes, each filled by the row's table. */
typedef struct otlpd_sections {
  void *v;
  size_t n;
} otlpd_sections;

/* A scalar as YAML typed it: quoted text is a string; plain true/false a
 * bool; plain integers (decimal, 0x, 0o) an int; other plain numbers a
 * double; anything else a string. */
typedef enum {
  OTLPD_VALUE_NONE = 0, /* not set */
  OTLPD_VALUE_STRING,
  OTLPD_VALUE_INT,
  OTLPD_VALUE_DOUBLE,
  OTLPD_VALUE_BOOL,
} otlpd_value_kind;

typedef struct otlpd_value {
  otlpd_value_kind kind;
  char *s; /* STRING (owned by the config) */
  int64_t i;
  double d;
  bool b;
} otlpd_value;

#define OTLPD_NO_OFFSET ((size_t)-1)

typedef struct otlpd_setting {
  const char *key;
  otlpd_setting_type type;
  size_t offset;        /* into the config struct (or the section's struct) */
  const char *def;      /* default written as in YAML; NULL = zero/none */
  const char *doc;      /* one line for `otlpd components` and README */
  const struct otlpd_setting *sub;  /* SECTION: the nested table */
  const char *const *choices;       /* ENUM: NULL-terminated */
  double min, max;                  /* INT/DOUBLE/DURATION/SIZE bounds when min < max */
  size_t present_offset;            /* SECTION: bool set when the key is present; OTLPD_NO_OFFSET if none */
  size_t elem_size;                 /* SECTIONS: bytes of one element */
} otlpd_setting;

/* Helpers to write tables tersely. T is the config struct type. */
#define OTLPD_S_BOOL(T, k, f, d, doc_) {k, OTLPD_SET_BOOL, offsetof(T, f), d, doc_, NULL, NULL, 0, 0, OTLPD_NO_OFFSET, 0}
#define OTLPD_S_INT(T, k, f, d, lo, hi, doc_) {k, OTLPD_SET_INT, offsetof(T, f), d, doc_, NULL, NULL, lo, hi, OTLPD_NO_OFFSET, 0}
#define OTLPD_S_DOUBLE(T, k, f, d, lo, hi, doc_) {k, OTLPD_SET_DOUBLE, offsetof(T, f), d, doc_, NULL, NULL, lo, hi, OTLPD_NO_OFFSET, 0}
#define OTLPD_S_STRING(T, k, f, d, doc_) {k, OTLPD_SET_STRING, offsetof(T, f), d, doc_, NULL, NULL, 0, 0, OTLPD_NO_OFFSET, 0}
#define OTLPD_S_DURATION(T, k, f, d, doc_) {k, OTLPD_SET_DURATION, offsetof(T, f), d, doc_, NULL, NULL, 0, 0, OTLPD_NO_OFFSET, 0}
#define OTLPD_S_SIZE(T, k, f, d, doc_) {k, OTLPD_SET_SIZE, offsetof(T, f), d, doc_, NULL, NULL, 0, 0, OTLPD_NO_OFFSET, 0}
#define OTLPD_S_ENDPOINT(T, k, f, d, doc_) {k, OTLPD_SET_ENDPOINT, offsetof(T, f), d, doc_, NULL, NULL, 0, 0, OTLPD_NO_OFFSET, 0}
#define OTLPD_S_ENUM(T, k, f, d, ch, doc_) {k, OTLPD_SET_ENUM, offsetof(T, f), d, doc_, NULL, ch, 0, 0, OTLPD_NO_OFFSET, 0}
#define OTLPD_S_STRINGS(T, k, f, doc_) {k, OTLPD_SET_STRINGS, offsetof(T, f), NULL, doc_, NULL, NULL, 0, 0, OTLPD_NO_OFFSET, 0}
#define OTLPD_S_MAP(T, k, f, doc_) {k, OTLPD_SET_MAP, offsetof(T, f), NULL, doc_, NULL, NULL, 0, 0, OTLPD_NO_OFFSET, 0}
#define OTLPD_S_SECTION(T, k, f, tbl, doc_) {k, OTLPD_SET_SECTION, offsetof(T, f), NULL, doc_, tbl, NULL, 0, 0, OTLPD_NO_OFFSET, 0}
/* A section whose mere presence means something (protocols.http:). */
#define OTLPD_S_SECTION_P(T, k, f, flag, tbl, doc_) {k, OTLPD_SET_SECTION, offsetof(T, f), NULL, doc_, tbl, NULL, 0, 0, offsetof(T, flag), 0}
/* A row before the SQUASH row with the same key wins: a component may
 * override a shared key (its default, its doc). */
#define OTLPD_S_SQUASH(T, f, tbl) {"", OTLPD_SET_SQUASH, offsetof(T, f), NULL, NULL, tbl, NULL, 0, 0, OTLPD_NO_OFFSET, 0}
#define OTLPD_S_IGNORED(k, doc_) {k, OTLPD_SET_IGNORED, OTLPD_NO_OFFSET, NULL, doc_, NULL, NULL, 0, 0, OTLPD_NO_OFFSET, 0}
/* A list of maps; E is the element struct, tbl its table. */
#define OTLPD_S_SECTIONS(T, k, f, E, tbl, doc_) {k, OTLPD_SET_SECTIONS, offsetof(T, f), NULL, doc_, tbl, NULL, 0, 0, OTLPD_NO_OFFSET, sizeof(E)}
#define OTLPD_S_VALUE(T, k, f, doc_) {k, OTLPD_SET_VALUE, offsetof(T, f), NULL, doc_, NULL, NULL, 0, 0, OTLPD_NO_OFFSET, 0}
#define OTLPD_S_END {NULL, OTLPD_SET_END, 0, NULL, NULL, NULL, NULL, 0, 0, OTLPD_NO_OFFSET, 0}

#define OTLPD_NS_PER_MS 1000000LL
#define OTLPD_NS_PER_SEC 1000000000LL

#endif
