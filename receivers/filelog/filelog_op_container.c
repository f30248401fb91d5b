/* container operator: containerd / CRI-O lines
 *   <RFC3339Nano time> <stdout|stderr> <P|F>[:more tags] <log>
 * and Docker json-file lines {"log":"..\n","stream":"..","time":".."},
 * detected per line unless `format` says. Partial (P) lines are joined up
 * to max_log_size; a join still open when a file's entries end is held
 * back (its first byte is re-read next cycle) unless the file went quiet
 * for force_flush_period. k8s.* resource attributes come from the
 * /var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log path. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filelog.h"

typedef enum { FMT_AUTO, FMT_DOCKER, FMT_CRI } ctr_format;

typedef struct ctr_op {
  fl_op base;
  ctr_format format;
  bool add_meta;
  int64_t max_log_size;
  /* the open join of P lines */
  char *join;
  size_t join_len, join_cap;
  bool joining;
  fl_entry first; /* the first P line's entry (time, stream, offsets) */
  /* resource cache: the last file's shared resource and its k8s version */
  const fl_kvs *res_in;
  fl_kvs *res_out;
  const void *res_arena;
  /* this cycle's shared attributes for the common values (one KeyValue
   * for all "stdout" records, ...): entries may share them, never write them */
  uint64_t kv_cycle;
  bool kv_valid;
  otlp_key_value *kv_common[4]; /* iostream stdout, stderr; logtag F, P */
} ctr_op;

static const char *const common_vals[4][2] = {
    {"log.iostream", "stdout"}, {"log.iostream", "stderr"}, {"logtag", "F"}, {"logtag", "P"}};

static bool digits(const char *s, size_t n) {
  if (!n) return false;
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

bool fl_k8s_path_parse(const char *path, fl_k8s_path *o) {
  const char *end = path + strlen(path);
  if (end - path < 5 || memcmp(end - 4, ".log", 4)) return false;
  const char *s3 = end;
  while (s3 > path && s3[-1] != '/') s3--; /* <n>.log */
  if (s3 == path || !digits(s3, (size_t)(end - 4 - s3))) return false;
  const char *s2 = s3 - 1;
  while (s2 > path && s2[-1] != '/') s2--; /* <container>/ */
  if (s2 == path || s3 - 1 == s2) return false;
  const char *s1 = s2 - 1;
  while (s1 > path && s1[-1] != '/') s1--; /* <ns>_<pod>_<uid>/ */
  const char *dir_end = s2 - 1;
  const char *u1 = memchr(s1, '_', (size_t)(dir_end - s1));
  const char *u2 = NULL;
  for (const char *p = dir_end - 1; p > s1; p--)
    if (*p == '_') { u2 = p; break; }
  if (!u1 || !u2 || u1 == u2 || u1 == s1 || u2 + 1 == dir_end || u2 == u1 + 1) return false;
  *o = (fl_k8s_path){s1, u1 + 1, u2 + 1, s2, s3, (size_t)(u1 - s1), (size_t)(u2 - u1 - 1),
                     (size_t)(dir_end - u2 - 1), (size_t)(s3 - 1 - s2), (size_t)(end - 4 - s3)};
  return true;
}

static int put_str(otlpd_arena *a, fl_kvs *k, const char *key, const char *s, size_t n) {
  otlp_any_value *v = fl_str_value(a, s, n);
  otlp_key_value *kv = v ? fl_kv_new(a, key, v) : NULL;
  return kv ? fl_kvs_put(a, k, kv) : -ENOMEM;
}

static int add_path_meta(ctr_op *op, fl_opctx *c, fl_entry *e) {
  if (op->res_arena == c->arena && op->res_in == e->res && !e->res_own) {
    e->res = op->res_out;
    return 0;
  }
  fl_k8s_path k;
  if (!fl_k8s_path_parse(c->path, &k)) return 0; /* not a pod log path: nothing to add */
  const fl_kvs *in = e->res;
  if (fl_entry_own_res(c->arena, e) < 0) return -ENOMEM;
  char restart[32];
  snprintf(restart, sizeof(restart), "%.*s", (int)k.restart_len, k.restart);
  int rc = put_str(c->arena, e->res, "k8s.namespace.name", k.ns, k.ns_len);
  if (!rc) rc = put_str(c->arena, e->res, "k8s.pod.name", k.pod, k.pod_len);
  if (!rc) rc = put_str(c->arena, e->res, "k8s.pod.uid", k.uid, k.uid_len);
  if (!rc) rc = put_str(c->arena, e->res, "k8s.container.name", k.container, k.container_len);
  if (!rc) rc = put_str(c->arena, e->res, "k8s.container.restart_count", k.restart, k.restart_len);
  if (rc) return rc;
  /* later entries of this file share it, as they shared the input */
  op->res_in = in;
  op->res_out = e->res;
  op->res_arena = c->arena;
  e->res_own = false;
  return 0;
}

static int set_attr_c(ctr_op *op, fl_opctx *c, fl_entry *e, const char *key, const char *s, size_t n) {
  if (!op->kv_valid || op->kv_cycle != c->cycle) {
    memset(op->kv_common, 0, sizeof(op->kv_common));
    op->kv_cycle = c->cycle;
    op->kv_valid = true;
  }
  for (int i = 0; i < 4; i++) {
    if (strcmp(key, common_vals[i][0]) || strlen(common_vals[i][1]) != n || memcmp(s, common_vals[i][1], n)) continue;
    if (!op->kv_common[i]) {
      otlp_any_value *v = fl_str_value_ref(c->arena, (char *)common_vals[i][1]);
      if (!v || !(op->kv_common[i] = fl_kv_new(c->arena, common_vals[i][0], v))) return -ENOMEM;
    }
    return fl_kvs_put(c->arena, &e->attrs, op->kv_common[i]);
  }
  return put_str(c->arena, &e->attrs, key, s, n);
}

/* CRI: fills the pieces; -EINVAL when the line is not one. */
static int split_cri(const char *s, size_t n, const char **t, size_t *tl, const char **st, size_t *stl,
                     const char **tag, size_t *tagl, const char **log, size_t *logl) {
  const char *e = s + n, *p = s;
  const char *sp = memchr(p, ' ', n);
  if (!sp) return -EINVAL;
  *t = p; *tl = (size_t)(sp - p);
  p = sp + 1;
  if (!(sp = memchr(p, ' ', (size_t)(e - p)))) return -EINVAL;
  *st = p; *stl = (size_t)(sp - p);
  p = sp + 1;
  sp = memchr(p, ' ', (size_t)(e - p));
  *tag = p; *tagl = (size_t)((sp ? sp : e) - p);
  *log = sp ? sp + 1 : e;
  *logl = (size_t)(e - *log);
  return 0;
}

static int join_append(ctr_op *op, const char *s, size_t n) {
  if (op->join_len + n + 1 > op->join_cap) {
    size_t nc = op->join_cap ? op->join_cap : 4096;
    while (nc < op->join_len + n + 1) nc *= 2;
    char *nb = realloc(op->join, nc);
    if (!nb) return -ENOMEM;
    op->join = nb;
    op->join_cap = nc;
  }
  memcpy(op->join + op->join_len, s, n);
  op->join_len += n;
  return 0;
}

/* Turn the open join (plus a final piece) into entry e. */
static int join_close(ctr_op *op, fl_opctx *c, fl_entry *e, const char *last, size_t n) {
  if (join_append(op, last, n) < 0) return -ENOMEM;
  size_t len = op->join_len;
  int64_t max = op->max_log_size ? op->max_log_size : c->max_log_size;
  if (max > 0 && len > (size_t)max) len = (size_t)max;
  otlp_any_value *b = fl_str_value(c->arena, op->join, len);
  if (!b) return -ENOMEM;
  uint64_t end = e->end;
  fl_kvs attrs = e->attrs;
  *e = op->first;
  e->end = end > op->first.end ? end : op->first.end;
  e->attrs = attrs; /* the last piece's (log.iostream, logtag F) */
  e->body = b;
  op->joining = false;
  op->join_len = 0;
  return 0;
}

static int parse_docker(ctr_op *op, fl_opctx *c, fl_entry *e, const char *line, size_t n) {
  otlp_any_value *v = fl_json_parse(c->arena, line, n, NULL);
  if (!v || v->value_case != OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE) return -EINVAL;
  const char *log = NULL, *stream = NULL, *time = NULL;
  for (size_t i = 0; i < v->kvlist_value->n_values; i++) {
    otlp_key_value *kv = v->kvlist_value->values[i];
    const char *s = fl_value_str(kv->value);
    if (!strcmp(kv->key, "log")) log = s;
    else if (!strcmp(kv->key, "stream")) stream = s;
    else if (!strcmp(kv->key, "time")) time = s;
  }
  if (!log) return -EINVAL;
  size_t ll = strlen(log);
  bool complete = ll && log[ll - 1] == '\n'; /* docker splits long lines at 16 KiB without a newline */
  if (complete) ll--;
  if (stream && set_attr_c(op, c, e, "log.iostream", stream, strlen(stream)) < 0) return -ENOMEM;
  if (time) fl_parse_rfc3339(time, strlen(time), &e->time_ns);
  if (!complete) {
    if (!op->joining) { op->first = *e; op->joining = true; }
    if (join_append(op, log, ll) < 0) return -ENOMEM;
    return FL_OP_ABSORBED;
  }
  if (op->joining) return join_close(op, c, e, log, ll);
  e->body = fl_str_value_ref(c->arena, (char *)log);
  if (!e->body) return -ENOMEM;
  ((char *)log)[ll] = 0; /* the string is ours (fresh from the JSON parser) */
  return 0;
}

static int parse_cri(ctr_op *op, fl_opctx *c, fl_entry *e, const char *line, size_t n) {
  const char *t, *st, *tag, *log;
  size_t tl, stl, tagl, logl;
  if (split_cri(line, n, &t, &tl, &st, &stl, &tag, &tagl, &log, &logl) < 0) return -EINVAL;
  uint64_t ts;
  if (fl_parse_rfc3339(t, tl, &ts) < 0) return -EINVAL;
  e->time_ns = ts;
  if (set_attr_c(op, c, e, "log.iostream", st, stl) < 0) return -ENOMEM;
  if (set_attr_c(op, c, e, "logtag", tag, tagl) < 0) return -ENOMEM;
  bool partial = tagl >= 1 && tag[0] == 'P' && (tagl == 1 || tag[1] == ':');
  if (partial) {
    if (!op->joining) { op->first = *e; op->joining = true; }
    if (join_append(op, log, logl) < 0) return -ENOMEM;
    int64_t max = op->max_log_size ? op->max_log_size : c->max_log_size;
    if (max > 0 && op->join_len >= (size_t)max) return join_close(op, c, e, "", 0);
    return FL_OP_ABSORBED;
  }
  if (op->joining) return join_close(op, c, e, log, logl);
  /* the log is the tail of the line, which is NUL-terminated in place */
  e->body = fl_str_value_ref(c->arena, (char *)log);
  return e->body ? 0 : -ENOMEM;
}

static int apply(fl_op *base, fl_opctx *c, fl_entry *e) {
  ctr_op *op = (ctr_op *)base;
  const char *line = fl_value_str(e->body);
  if (!line) return -EINVAL;
  size_t n = strlen(line);
  int rc;
  ctr_format f = op->format == FMT_AUTO ? (n && line[0] == '{' ? FMT_DOCKER : FMT_CRI) : op->format;
  rc = f == FMT_DOCKER ? parse_docker(op, c, e, line, n) : parse_cri(op, c, e, line, n);
  if (rc == FL_OP_ABSORBED) {
    e->drop = true;
    return rc;
  }
  if (rc < 0) return rc;
  if (op->add_meta && add_path_meta(op, c, e) < 0) return -ENOMEM;
  return 0;
}

static int end_file(fl_op *base, fl_opctx *c, fl_entry *out, bool *have) {
  ctr_op *op = (ctr_op *)base;
  *have = false;
  op->res_in = NULL; /* next file: its own resource */
  if (!op->joining) return 0;
  if (!c->flush) {
    if (op->first.start < c->hold_from) c->hold_from = op->first.start;
    op->joining = false;
    op->join_len = 0;
    return 0;
  }
  *out = op->first;
  int rc = join_close(op, c, out, "", 0);
  if (rc == 0 && op->add_meta) rc = add_path_meta(op, c, out);
  *have = rc == 0;
  return rc;
}

static void op_free(fl_op *base) {
  ctr_op *op = (ctr_op *)base;
  free(op->join);
  free(op);
}

fl_op *fl_op_container_new(const fl_op_cfg *c, char *why, size_t whylen) {
  ctr_format f = FMT_AUTO;
  if (c->format && *c->format) {
    if (!strcmp(c->format, "docker")) f = FMT_DOCKER;
    else if (!strcmp(c->format, "crio") || !strcmp(c->format, "containerd")) f = FMT_CRI;
    else {
      snprintf(why, whylen, "format \"%s\" (docker, crio, containerd or empty to detect)", c->format);
      return NULL;
    }
  }
  ctr_op *op = calloc(1, sizeof(*op));
  if (!op) return NULL;
  op->base.apply = apply;
  op->base.end_file = end_file;
  op->base.free = op_free;
  op->format = f;
  op->add_meta = c->add_metadata_from_filepath;
  op->max_log_size = c->max_log_size;
  return &op->base;
}
