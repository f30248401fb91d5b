/* filelog receiver: tails files into log records.
 *
 * filelog_config.c    settings tables (otelcol-contrib keys) and validation
 * filelog_factory.c   lifecycle and the poll cycle's loop side
 * filelog_state.c     what is built once from the config, and its freeing
 * filelog_cycle.c     one poll cycle (worker): scan, read, operators, emit
 * filelog_glob.c      include/exclude globs with `**`
 * filelog_scan.c      fingerprints, file identity, rotation (worker)
 * filelog_read.c      reading, line splitting, multiline (worker)
 * filelog_emit.c      entries -> ExportLogsServiceRequest (worker)
 * filelog_store.c     offsets file in a file_storage directory
 * filelog_entry.c     the entry model and field paths for operators
 * filelog_json.c      JSON text -> AnyValue (json_parser, Docker format)
 * filelog_time.c, filelog_severity.c  timestamp / severity parsing
 * filelog_ops.c       operator chain; filelog_op_*.c the operators
 *
 * Threads: one poll cycle at a time runs as a libuv threadpool work
 * request (scan, read, split, operators, build the request in a fresh
 * arena). While it runs the worker owns every fl_reader; the loop thread
 * touches readers only from after_work (consume, then commit or roll back
 * offsets). See README.md. */
#ifndef OTLPD_FILELOG_H
#define OTLPD_FILELOG_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "otlpd/component.h"
#include "otlpd/settings.h"

/* ---- configuration ---- */

typedef struct fl_sub_time_cfg {
  char *parse_from, *layout, *layout_type, *location;
} fl_sub_time_cfg;

typedef struct fl_sub_sev_cfg {
  char *parse_from;
  otlpd_strmap mapping;
} fl_sub_sev_cfg;

typedef struct fl_op_cfg {
  char *type, *id;
  char *parse_from, *parse_to, *on_error;
  char *regex, *format;
  bool add_metadata_from_filepath;
  char *field, *from, *to;
  otlpd_value value;
  char *layout, *layout_type, *location;
  otlpd_strmap mapping;
  bool has_timestamp, has_severity;
  fl_sub_time_cfg timestamp;
  fl_sub_sev_cfg severity;
  int64_t max_log_size;
} fl_op_cfg;

typedef struct fl_multiline_cfg {
  char *line_start_pattern, *line_end_pattern;
} fl_multiline_cfg;

typedef struct fl_retry_cfg {
  bool enabled;
  int64_t initial_interval, max_interval, max_elapsed_time;
} fl_retry_cfg;

typedef struct filelog_cfg {
  otlpd_strings include, exclude;
  int start_at; /* 0 end, 1 beginning */
  int64_t poll_interval, max_log_size, max_concurrent_files, fingerprint_size;
  bool include_file_name, include_file_path, include_file_name_resolved, include_file_path_resolved;
  char *encoding;
  bool has_multiline;
  fl_multiline_cfg multiline;
  int64_t force_flush_period;
  char *storage;
  char *compression;
  fl_retry_cfg retry_on_failure;
  otlpd_strmap attributes, resource;
  otlpd_sections operators; /* fl_op_cfg */
} filelog_cfg;

enum { FL_START_END = 0, FL_START_BEGINNING = 1 };
/* encoding: bytes as they are, or UTF-16 converted to UTF-8 */
enum { FL_ENC_RAW = 0, FL_ENC_UTF16LE = 1, FL_ENC_UTF16BE = 2 };
int fl_encoding_parse(const char *s);
/* compression: none, every file gzip, or gzip by the .gz suffix */
enum { FL_GZ_NONE = 0, FL_GZ_ALL = 1, FL_GZ_AUTO = 2 };
int fl_compression_parse(const char *s);

extern const otlpd_setting filelog_settings[];
int filelog_validate(const void *cfg, const char *path, struct otlpd_errors *errs);
int filelog_validate_refs(const void *cfg, const char *path, const struct otlpd_config *c,
                          struct otlpd_errors *errs);

/* ---- entries (filelog_entry.c) ---- */

typedef struct fl_kvs {
  otlp_key_value **v;
  size_t n, cap;
} fl_kvs;

typedef struct fl_entry {
  otlp_any_value *body;
  fl_kvs attrs;
  fl_kvs *res;      /* shared by the entries of one file until an operator writes it */
  bool res_own;
  uint64_t time_ns;
  int severity;     /* SeverityNumber */
  const char *severity_text;
  uint64_t start, end; /* file offsets the entry came from */
  bool drop;
} fl_entry;

typedef enum { FL_F_BODY, FL_F_ATTR, FL_F_RES } fl_field_root;

/* "body", "body.a.b", "attributes.x", "resource.x" (dots split keys; a
 * key may be written ["a.b"]). */
typedef struct fl_field {
  fl_field_root root;
  char **keys;
  size_t n;
} fl_field;

int fl_field_parse(const char *s, fl_field *out);
void fl_field_free(fl_field *f);
/* The value at f, or NULL. */
const otlp_any_value *fl_field_get(const fl_entry *e, const fl_field *f);
/* Set f to v (replacing); maps on the way are created. 0 or -ENOMEM / -EINVAL. */
int fl_field_set(otlpd_arena *a, fl_entry *e, const fl_field *f, otlp_any_value *v);
/* Remove f; its old value in *old (may be NULL). 0, or -ENOENT. */
int fl_field_del(otlpd_arena *a, fl_entry *e, const fl_field *f, otlp_any_value **old);

int fl_kvs_put(otlpd_arena *a, fl_kvs *k, otlp_key_value *kv);
otlp_key_value *fl_kv_new(otlpd_arena *a, const char *key, otlp_any_value *v);
otlp_any_value *fl_str_value(otlpd_arena *a, const char *s, size_t n); /* copies */
otlp_any_value *fl_str_value_ref(otlpd_arena *a, char *s);          /* s lives in a */
otlp_any_value *fl_int_value(otlpd_arena *a, int64_t i);
otlp_any_value *fl_map_value(otlpd_arena *a);
int fl_map_put(otlpd_arena *a, otlp_any_value *map, otlp_key_value *kv);
/* e->res private to e (cloned once). 0 or -ENOMEM. */
int fl_entry_own_res(otlpd_arena *a, fl_entry *e);
/* A string view of v (string values only); NULL otherwise. */
const char *fl_value_str(const otlp_any_value *v);

/* ---- JSON (filelog_json.c) ---- */
/* Parse one JSON value; *end is set past it. NULL on a syntax error. */
otlp_any_value *fl_json_parse(otlpd_arena *a, const char *s, size_t n, size_t *end);

/* ---- operators (filelog_ops.c, filelog_op_*.c) ---- */

typedef struct fl_op fl_op;
typedef struct fl_opctx {
  otlpd_arena *arena;
  const char *path;     /* the file the entries come from */
  uint64_t hold_from;   /* UINT64_MAX, or an offset to re-read (partial entry held back) */
  bool flush;           /* force_flush_period passed: emit what is held */
  int64_t max_log_size;
  pcre2_match_data *md;
  uint64_t cycle;       /* changes every cycle: per-cycle caches key on it */
} fl_opctx;

typedef enum { FL_ON_ERR_SEND, FL_ON_ERR_SEND_QUIET, FL_ON_ERR_DROP, FL_ON_ERR_DROP_QUIET } fl_on_error;

struct fl_op {
  const char *type;
  fl_on_error on_error;
  /* 0 ok; FL_OP_ABSORBED: the entry was taken into held state (e->drop set);
   * < 0 failed (on_error decides). */
  int (*apply)(fl_op *op, fl_opctx *c, fl_entry *e);
  /* End of one file's entries in a cycle: emit (into *out) or hold what
   * is pending. May be NULL. */
  int (*end_file)(fl_op *op, fl_opctx *c, fl_entry *out, bool *have);
  void (*free)(fl_op *op);
};
#define FL_OP_ABSORBED 1

typedef struct fl_ops {
  fl_op **v;
  size_t n;
} fl_ops;

/* Builds the chain from a validated config. 0 or negative errno; *why
 * names what failed (static text or the type). */
int fl_ops_build(const filelog_cfg *c, fl_ops *out, char *why, size_t whylen);
void fl_ops_free(fl_ops *o);
/* Each operator's constructor (op config -> op); NULL and why on error. */
typedef fl_op *(*fl_op_new_fn)(const fl_op_cfg *c, char *why, size_t whylen);
fl_op_new_fn fl_op_lookup(const char *type);
int fl_on_error_parse(const char *s, fl_on_error *out);

fl_op *fl_op_container_new(const fl_op_cfg *c, char *why, size_t whylen);
fl_op *fl_op_json_new(const fl_op_cfg *c, char *why, size_t whylen);
fl_op *fl_op_regex_new(const fl_op_cfg *c, char *why, size_t whylen);
fl_op *fl_op_move_new(const fl_op_cfg *c, char *why, size_t whylen);
fl_op *fl_op_add_new(const fl_op_cfg *c, char *why, size_t whylen);
fl_op *fl_op_remove_new(const fl_op_cfg *c, char *why, size_t whylen);
fl_op *fl_op_severity_new(const fl_op_cfg *c, char *why, size_t whylen);
fl_op *fl_op_time_new(const fl_op_cfg *c, char *why, size_t whylen);

/* Shared by parsers with timestamp:/severity: sub-sections. */
typedef struct fl_time_spec {
  fl_field from;
  char *layout; /* strptime layout (gotime converted) */
  bool epoch;
  int epoch_unit; /* 1 s, 1000 ms, 1000000 us, 1000000000 ns */
  bool set;
} fl_time_spec;
int fl_time_spec_init(fl_time_spec *t, const char *parse_from, const char *layout, const char *layout_type,
                      char *why, size_t whylen);
void fl_time_spec_free(fl_time_spec *t);
int fl_time_apply(const fl_time_spec *t, fl_entry *e);
/* RFC 3339 (nanoseconds, Z or +hh:mm) -> ns since the epoch; -EINVAL. */
int fl_parse_rfc3339(const char *s, size_t n, uint64_t *ns);

typedef struct fl_sev_spec {
  fl_field from;
  otlpd_strmap mapping; /* borrowed from the config */
  bool set;
} fl_sev_spec;
int fl_sev_spec_init(fl_sev_spec *s, const char *parse_from, const otlpd_strmap *mapping, char *why, size_t whylen);
void fl_sev_spec_free(fl_sev_spec *s);
int fl_sev_apply(const fl_sev_spec *s, fl_entry *e);

/* Run the chain over one file's entries (in place). *n may shrink or grow
 * by one (an end_file emission, written at v[*n] which must exist). */
void fl_ops_run(const fl_ops *o, fl_opctx *c, fl_entry *v, size_t *n);

/* ---- container path metadata (filelog_op_container.c) ---- */
typedef struct fl_k8s_path {
  const char *ns, *pod, *uid, *container, *restart;
  size_t ns_len, pod_len, uid_len, container_len, restart_len;
} fl_k8s_path;
/* /var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log (any prefix). */
bool fl_k8s_path_parse(const char *path, fl_k8s_path *out);

/* ---- runtime ---- */

typedef struct fl_reader {
  char *path;          /* last name it was seen under */
  int fd;
  dev_t dev;
  ino_t ino;
  uint8_t *fp;         /* fingerprint: first fp_len bytes */
  size_t fp_len;
  uint64_t offset;     /* committed: everything before was accepted downstream */
  uint64_t pending;    /* read up to here in the cycle in flight */
  uint64_t tail_size;  /* file size when an unterminated tail was first seen */
  uint64_t tail_since; /* loop ms of that; 0 = none */
  bool seen;           /* matched by this cycle's scan */
  int gone_polls;      /* cycles since its name stopped matching */
  struct fl_gz *gz;    /* gzip-compressed (offsets are then decompressed positions), else NULL */
  struct fl_reader *next;
} fl_reader;

typedef struct fl_known {   /* an offset from storage, for a file not open yet */
  uint8_t *fp;
  size_t fp_len;
  uint64_t offset;
  struct fl_known *next;
} fl_known;

typedef struct filelog_recv filelog_recv;

typedef struct fl_inode {
  dev_t dev;
  ino_t ino;
} fl_inode;
#define FL_MAX_DEFERRED 64

/* One cycle's output: a request in its own arena. */
typedef struct fl_cycle {
  otlpd_arena *arena;
  otlp_logs_request *req;
  size_t records;
  size_t bytes_read;
  bool more;           /* a budget cut the cycle short: poll again at once */
  bool continued;      /* set by the loop: this cycle follows one cut short (skip the scan) */
  int err;
  uint64_t now_ms;
  uint64_t now_ns;
} fl_cycle;

struct filelog_recv {
  const otlpd_host *host;
  const filelog_cfg *cfg;
  otlpd_consumer *next;
  uv_timer_t timer;
  uv_work_t work;
  bool busy, stopping, closed, first_done;
  fl_reader *readers;
  fl_known *known;
  fl_ops ops;
  pcre2_code *ml_start, *ml_end;
  pcre2_match_data *md;
  fl_cycle cycle;
  char *store_path;    /* NULL: offsets only in memory */
  bool store_dirty;
  /* retry state */
  uint64_t retry_delay_ms, retry_since_ms;
  struct fl_scratch *scratch; /* worker-owned line/entry vectors */
  fl_inode deferred[FL_MAX_DEFERRED]; /* new files that waited a cycle (copies of open ones) */
  size_t ndeferred;
  size_t rr;           /* first reader of the next cycle (fairness under a budget) */
  uint64_t last_scan_ms;
  uint64_t cycles;     /* cycles run (worker) */
  otlpd_batch *probe;  /* an empty batch: "would you admit now?" before reading */
  int enc;             /* FL_ENC_* */
  int gz;              /* FL_GZ_* */
};

/* filelog_state.c: build from / free what the config asks for. */
int fl_recv_init(filelog_recv *r, char *why, size_t whylen);
void fl_recv_fini(filelog_recv *r);

/* filelog_cycle.c: one poll cycle (worker thread). */
void fl_cycle_run(filelog_recv *r, fl_cycle *cy);

/* filelog_scan.c: match the include globs, open new files, recognise
 * known ones by fingerprint. Worker thread. */
int fl_scan(filelog_recv *r, fl_cycle *cy);
/* Close readers whose file is gone and fully read. Loop thread. */
void fl_reap(filelog_recv *r);
/* Remember (fp, offset) of a file no reader holds (bounded list). */
int fl_known_add(filelog_recv *r, const uint8_t *fp, size_t len, uint64_t offset);
void fl_reader_free(fl_reader *rd);

/* filelog_read.c: read every reader from rd->offset into entries. */
int fl_read_all(filelog_recv *r, fl_cycle *cy);

/* filelog_emit.c */
typedef struct fl_emit fl_emit;
fl_emit *fl_emit_new(otlpd_arena *a, uint64_t observed_ns);
/* Append one file's entries (after operators). 0 or -ENOMEM. */
int fl_emit_add(fl_emit *em, fl_entry *v, size_t n);
otlp_logs_request *fl_emit_finish(fl_emit *em, size_t *records);

/* filelog_store.c */
int fl_store_load(filelog_recv *r);
int fl_store_save(filelog_recv *r);
/* Path of the offsets file for receiver id in dir (malloc). */
char *fl_store_path(const char *dir, const char *id);

#endif
