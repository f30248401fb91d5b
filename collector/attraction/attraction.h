/* attraction: otelcol-contrib's attribute actions (coreinternal/attraction)
 * shared by the resource and attributes processors: insert, update,
 * upsert, delete, hash, extract and convert on one attribute list, with
 * values from the config, another attribute or the client's metadata.
 *
 * The config side (settings table, validation, building) is in
 * attraction_config.c; the runtime (attraction_apply.c) works on an
 * attribute list made private through the copy-on-write API of data.h.
 * Regular expressions are PCRE2, compiled once when the processor is made. */
#ifndef OTLPD_ATTRACTION_H
#define OTLPD_ATTRACTION_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <openssl/types.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>

#include "otlpd/component.h"

struct otlpd_errors;

/* One action as written in the config (the settings table fills it). */
typedef struct attraction_item_cfg {
  char *key;
  otlpd_value value;
  char *from_attribute;
  char *from_context;
  char *action;
  char *pattern;
  char *converted_type;
} attraction_item_cfg;

/* The keys of one action (for OTLPD_S_SECTIONS rows). */
extern const otlpd_setting attraction_item_settings[];

typedef enum {
  ATTRACTION_INSERT,
  ATTRACTION_UPDATE,
  ATTRACTION_UPSERT,
  ATTRACTION_DELETE,
  ATTRACTION_HASH,
  ATTRACTION_EXTRACT,
  ATTRACTION_CONVERT,
} attraction_kind;

typedef enum { ATTRACTION_TO_INT, ATTRACTION_TO_DOUBLE, ATTRACTION_TO_STRING } attraction_conv;

/* A compiled pattern with its match data (loop thread only). */
typedef struct attraction_regex {
  pcre2_code *code;
  pcre2_match_data *md;
} attraction_regex;

/* 0, or -EINVAL with a message in err (PCRE2's, with the offset). */
int attraction_regex_compile(attraction_regex *r, const char *pattern, char *err, size_t errlen);
/* Whether the pattern matches anywhere in s (Go's MatchString). */
bool attraction_regex_search(const attraction_regex *r, const char *s, size_t len);
void attraction_regex_free(attraction_regex *r);

/* SHA-256 of a hash action, fetched once with a context reused per value
 * (loop thread only): EVP_Digest(..., EVP_sha256()) would look the
 * algorithm up under the provider store's lock and allocate a context for
 * every value hashed. */
typedef struct attraction_digest {
  EVP_MD *md;
  EVP_MD_CTX *ctx;
} attraction_digest;

int attraction_digest_init(attraction_digest *d); /* 0 or -ENOMEM */
void attraction_digest_free(attraction_digest *d);

/* A validated action; strings point into the config (which outlives it). */
typedef struct attraction_action {
  attraction_kind kind;
  const char *key;            /* NULL: delete/hash by pattern only */
  const otlpd_value *value;   /* insert/update/upsert with `value` */
  const char *from_attribute; /* insert/update/upsert with `from_attribute` */
  const char *from_context;   /* insert/update/upsert with `from_context` */
  attraction_conv conv;       /* convert */
  attraction_regex re;        /* extract; delete/hash with `pattern` */
  attraction_digest digest;   /* hash */
  const char **groups;        /* extract: name of capture group g (1..ngroups) */
  uint32_t ngroups;
} attraction_action;

typedef struct attraction {
  attraction_action *a;
  size_t n;
} attraction;

/* -1 when not an action name (case-insensitive, as otelcol). */
int attraction_kind_parse(const char *name);
int attraction_conv_parse(const char *name);

/* Check an action list; path names the list ("processors::resource::attributes"),
 * errors name the item and key. `required`: an empty list is an error. */
int attraction_validate(const otlpd_sections *items, const char *path, bool required,
                        struct otlpd_errors *errs);
/* Build from a validated list; 0, -ENOMEM or -EINVAL (a pattern that no
 * longer compiles). */
int attraction_build(attraction *out, const otlpd_sections *items);
void attraction_free(attraction *a);

/* Would applying the actions change this attribute list? Read-only and
 * exact enough to be safe: false only when nothing would change. */
bool attraction_changes(const attraction *at, const otlpd_client_info *ci, size_t nkv,
                        otlp_key_value *const *kv);
/* Apply to an attribute list of entry i of an editable batch (b->mine[i]
 * set: otlpd_batch_mut_resource or deeper). The list may be shared: it is
 * never written through. When an action applies, *kv becomes a private
 * pointer array and each entry whose value changes a private KeyValue and
 * AnyValue, from entry i's memory; a list no action touches is left as it
 * is, and costs only the checks. Returns 1 when the list changed (*nkv /
 * *kv replaced: the caller stores them into its private object), 0 when
 * nothing applied, -ENOMEM. */
int attraction_apply_list(const attraction *at, const otlpd_client_info *ci, otlpd_batch *b, size_t i,
                          size_t *nkv, otlp_key_value ***kv);
/* attraction_apply_list on the list of an object already private to entry
 * i (*nkv, *kv written in place). 0 or -ENOMEM. */
int attraction_apply(const attraction *at, const otlpd_client_info *ci, otlpd_batch *b, size_t i,
                     size_t *nkv, otlp_key_value ***kv);

/* from_context: the client value named by key (otelcol's keys:
 * `client.address`, `metadata.<header>`, `auth.<attr>`, else a header),
 * several values of one header joined with ';'. Writes at most len-1
 * bytes to buf; false when absent. */
bool attraction_context_value(const otlpd_client_info *ci, const char *key, char *buf, size_t len);

/* Value transforms (attraction_values.c), in place on a private AnyValue. */
int attraction_value_hash(const attraction_digest *d, otlpd_batch *b, size_t i, otlp_any_value *v);
/* Whether convert would change v (same rules as attraction_value_convert). */
bool attraction_value_converts(const otlp_any_value *v, attraction_conv to);
int attraction_value_convert(otlpd_batch *b, size_t i, otlp_any_value *v, attraction_conv to);
/* Shortest text that reads back as d, in pdata's AsString form. */
void attraction_format_double(double d, char *buf, size_t len);

#endif
