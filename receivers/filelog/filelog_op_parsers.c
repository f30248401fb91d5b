/* json_parser and regex_parser: parse a string field into a map written
 * to parse_to (default attributes), then the optional timestamp: and
 * severity: sub-parsers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filelog.h"

typedef struct parse_op {
  fl_op base;
  fl_field from, to;
  fl_time_spec ts;
  fl_sev_spec sev;
  pcre2_code *re;         /* regex_parser */
  pcre2_match_data *md;
  uint32_t ngroups;
  PCRE2_SPTR names;       /* name table */
  uint32_t name_size;
} parse_op;

/* Write map m at the op's parse_to. */
static int write_to(fl_opctx *c, fl_entry *e, const fl_field *to, otlp_any_value *m) {
  if (to->n == 0 && to->root != FL_F_BODY) {
    if (to->root == FL_F_RES && fl_entry_own_res(c->arena, e) < 0) return -ENOMEM;
    fl_kvs *l = to->root == FL_F_ATTR ? &e->attrs : e->res;
    for (size_t i = 0; i < m->kvlist_value->n_values; i++)
      if (fl_kvs_put(c->arena, l, m->kvlist_value->values[i]) < 0) return -ENOMEM;
    return 0;
  }
  return fl_field_set(c->arena, e, to, m);
}

static int finish(parse_op *op, fl_entry *e) {
  int rc = 0;
  if (op->ts.set && fl_time_apply(&op->ts, e) < 0) rc = -EINVAL;
  if (op->sev.set && fl_sev_apply(&op->sev, e) < 0) rc = -EINVAL;
  return rc;
}

static int json_apply(fl_op *base, fl_opctx *c, fl_entry *e) {
  parse_op *op = (parse_op *)base;
  const char *s = fl_value_str(fl_field_get(e, &op->from));
  if (!s) return -EINVAL;
  size_t n = strlen(s), end;
  otlp_any_value *m = fl_json_parse(c->arena, s, n, &end);
  if (!m || m->value_case != OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE) return -EINVAL;
  while (end < n && (s[end] == ' ' || s[end] == '\t' || s[end] == '\r')) end++;
  if (end != n) return -EINVAL;
  int rc = write_to(c, e, &op->to, m);
  return rc < 0 ? rc : finish(op, e);
}

static int regex_apply(fl_op *base, fl_opctx *c, fl_entry *e) {
  parse_op *op = (parse_op *)base;
  const char *s = fl_value_str(fl_field_get(e, &op->from));
  if (!s) return -EINVAL;
  if (pcre2_match(op->re, (PCRE2_SPTR)s, strlen(s), 0, 0, op->md, NULL) < 0) return -EINVAL;
  PCRE2_SIZE *ov = pcre2_get_ovector_pointer(op->md);
  otlp_any_value *m = fl_map_value(c->arena);
  if (!m) return -ENOMEM;
  PCRE2_SPTR t = op->names;
  for (uint32_t i = 0; i < op->ngroups; i++, t += op->name_size) {
    int g = (t[0] << 8) | t[1];
    if (ov[2 * g] == PCRE2_UNSET) continue; /* an optional group that did not take part */
    otlp_any_value *v = fl_str_value(c->arena, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
    const char *name = (const char *)(t + 2);
    char *key = otlpd_arena_strndup(c->arena, name, strlen(name)); /* the payload outlives the op */
    otlp_key_value *kv = v && key ? fl_kv_new(c->arena, key, v) : NULL;
    if (!kv || fl_map_put(c->arena, m, kv) < 0) return -ENOMEM;
  }
  int rc = write_to(c, e, &op->to, m);
  return rc < 0 ? rc : finish(op, e);
}

static void op_free(fl_op *base) {
  parse_op *op = (parse_op *)base;
  fl_field_free(&op->from);
  fl_field_free(&op->to);
  if (op->ts.set) fl_time_spec_free(&op->ts);
  if (op->sev.set) fl_sev_spec_free(&op->sev);
  if (op->md) pcre2_match_data_free(op->md);
  if (op->re) pcre2_code_free(op->re);
  free(op);
}

static parse_op *common(const fl_op_cfg *c, char *why, size_t whylen) {
  parse_op *op = calloc(1, sizeof(*op));
  if (!op) return NULL;
  op->base.free = op_free;
  if (fl_field_parse(c->parse_from ? c->parse_from : "body", &op->from) < 0) {
    snprintf(why, whylen, "parse_from \"%s\" is not a field (body, attributes.x, resource.x)", c->parse_from);
    goto fail;
  }
  if (fl_field_parse(c->parse_to ? c->parse_to : "attributes", &op->to) < 0) {
    snprintf(why, whylen, "parse_to \"%s\" is not a field", c->parse_to);
    goto fail;
  }
  if (c->has_timestamp && fl_time_spec_init(&op->ts, c->timestamp.parse_from, c->timestamp.layout,
                                            c->timestamp.layout_type, why, whylen) < 0)
    goto fail;
  if (c->has_severity && fl_sev_spec_init(&op->sev, c->severity.parse_from, &c->severity.mapping, why, whylen) < 0)
    goto fail;
  return op;
fail:
  op_free(&op->base);
  return NULL;
}

fl_op *fl_op_json_new(const fl_op_cfg *c, char *why, size_t whylen) {
  parse_op *op = common(c, why, whylen);
  if (op) op->base.apply = json_apply;
  return op ? &op->base : NULL;
}

fl_op *fl_op_regex_new(const fl_op_cfg *c, char *why, size_t whylen) {
  if (!c->regex || !*c->regex) {
    snprintf(why, whylen, "regex is required");
    return NULL;
  }
  parse_op *op = common(c, why, whylen);
  if (!op) return NULL;
  op->base.apply = regex_apply;
  int code;
  PCRE2_SIZE at;
  op->re = pcre2_compile((PCRE2_SPTR)c->regex, PCRE2_ZERO_TERMINATED, 0, &code, &at, NULL);
  if (!op->re) {
    PCRE2_UCHAR msg[120];
    pcre2_get_error_message(code, msg, sizeof(msg));
    snprintf(why, whylen, "regex: %s at %zu", (char *)msg, (size_t)at);
    op_free(&op->base);
    return NULL;
  }
  pcre2_jit_compile(op->re, PCRE2_JIT_COMPLETE); /* best effort: the interpreter is the fallback */
  pcre2_pattern_info(op->re, PCRE2_INFO_NAMECOUNT, &op->ngroups);
  pcre2_pattern_info(op->re, PCRE2_INFO_NAMETABLE, &op->names);
  pcre2_pattern_info(op->re, PCRE2_INFO_NAMEENTRYSIZE, &op->name_size);
  if (op->ngroups == 0) {
    snprintf(why, whylen, "regex has no named groups ((?P<name>...))");
    op_free(&op->base);
    return NULL;
  }
  if (!(op->md = pcre2_match_data_create_from_pattern(op->re, NULL))) {
    op_free(&op->base);
    return NULL;
  }
  return &op->base;
}
