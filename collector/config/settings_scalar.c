/* One scalar setting: text -> bool, number, duration, size, string,
 * endpoint or enum choice, with the messages users see when it is wrong. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

static const char *type_word(const otlpd_setting *r) {
  switch (r->type) {
  case OTLPD_SET_BOOL: return "boolean";
  case OTLPD_SET_INT: return "integer";
  case OTLPD_SET_DOUBLE: return "number";
  case OTLPD_SET_DURATION: return "duration";
  case OTLPD_SET_SIZE: return "size";
  case OTLPD_SET_ENDPOINT: return "endpoint";
  case OTLPD_SET_STRINGS: return "list of strings";
  case OTLPD_SET_MAP: return "map of strings";
  case OTLPD_SET_SECTION: return "map";
  case OTLPD_SET_VALUE: return "scalar";
  default: return "string";
  }
}

void otlpd_setting_type_error(const otlpd_setting *r, const char *path, const otlpd_node *v,
                              otlpd_errors *errs) {
  char buf[256];
  const char *hint = "";
  if (r->type == OTLPD_SET_DURATION)
    hint = " (like 200ms, 5s, 1m30s)";
  else if (r->type == OTLPD_SET_SIZE)
    hint = " (bytes, or with B, KB, MB, GB, KiB, MiB, GiB)";
  otlpd_errorf(errs, "%s: expected %s, got %s%s", path, type_word(r),
               otlpd_node_describe(v, buf, sizeof(buf)), hint);
}

static bool has_bounds(const otlpd_setting *r) { return r->min < r->max; }

static void bounds_error(const otlpd_setting *r, const char *path, const char *text,
                         otlpd_errors *errs) {
  otlpd_errorf(errs, "%s: must be between %.15g and %.15g%s, got \"%s\"", path, r->min, r->max,
               r->type == OTLPD_SET_DURATION ? " nanoseconds"
               : r->type == OTLPD_SET_SIZE   ? " bytes"
                                             : "",
               text);
}

static int parse_bool(const char *s, bool *out) {
  if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
    *out = true;
  else if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
    *out = false;
  else
    return -EINVAL;
  return 0;
}

/* YAML 1.2 core integers: decimal with optional sign, 0x hex, 0o octal. */
static int parse_int(const char *s, int64_t *out) {
  int base = 10;
  const char *digits = s;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
    base = s[1] == 'x' ? 16 : 8;
    digits = s + 2;
  } else if (*s == '-' || *s == '+') {
    digits = s + 1;
  }
  if (!*digits || *digits == '-' || *digits == '+' || *digits == ' ')
    return -EINVAL;
  char *end;
  errno = 0;
  long long v = strtoll(base == 10 ? s : digits, &end, base);
  if (errno || *end)
    return -EINVAL;
  *out = v;
  return 0;
}

static int parse_double(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (!*s || errno || *end || !isfinite(v))
    return -EINVAL;
  *out = v;
  return 0;
}

static void enum_error(const otlpd_setting *r, const char *path, const char *text,
                       otlpd_errors *errs) {
  char list[256] = "";
  size_t used = 0;
  for (size_t i = 0; r->choices && r->choices[i] && used < sizeof(list); i++)
    used +=
        (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", r->choices[i]);
  otlpd_errorf(errs, "%s: invalid value \"%s\" (expected one of: %s)", path, text, list);
}

static int set_string(char **slot, const char *text) {
  char *s = otlpd_strndup0(text, strlen(text));
  if (!s)
    return -ENOMEM;
  free(*slot);
  *slot = s;
  return 0;
}

static int set_value(otlpd_value *out, const otlpd_node *v) {
  otlpd_value t = {.kind = OTLPD_VALUE_STRING};
  if (!v->quoted && parse_bool(v->scalar, &t.b) == 0)
    t.kind = OTLPD_VALUE_BOOL;
  else if (!v->quoted && parse_int(v->scalar, &t.i) == 0)
    t.kind = OTLPD_VALUE_INT;
  else if (!v->quoted && parse_double(v->scalar, &t.d) == 0)
    t.kind = OTLPD_VALUE_DOUBLE;
  else if (!(t.s = otlpd_strndup0(v->scalar, strlen(v->scalar))))
    return -ENOMEM;
  free(out->s);
  *out = t;
  return 0;
}

static void apply_number(const otlpd_setting *r, void *base, const char *s, const char *path,
                         otlpd_errors *errs) {
  int64_t i = 0;
  double d = 0;
  int rc;
  if (r->type == OTLPD_SET_DOUBLE)
    rc = parse_double(s, &d);
  else if (r->type == OTLPD_SET_INT)
    rc = parse_int(s, &i);
  else if (r->type == OTLPD_SET_DURATION)
    rc = otlpd_parse_duration(s, &i);
  else
    rc = otlpd_parse_size(s, &i);
  if (rc != 0) {
    otlpd_setting_type_error(r, path, &(otlpd_node){.kind = OTLPD_NODE_SCALAR, .scalar = (char *)s},
                             errs);
    return;
  }
  if (r->type != OTLPD_SET_DOUBLE)
    d = (double)i;
  if (has_bounds(r) && (d < r->min || d > r->max)) {
    bounds_error(r, path, s, errs);
    return;
  }
  if (r->type == OTLPD_SET_DOUBLE)
    *OTLPD_FIELD(base, r, double) = d;
  else
    *OTLPD_FIELD(base, r, int64_t) = i;
}

void otlpd_setting_scalar(const otlpd_setting *r, void *base, const otlpd_node *v, const char *path,
                          otlpd_errors *errs) {
  const char *s = v->scalar;
  const char *why = NULL;
  int rc = 0;
  switch (r->type) {
  case OTLPD_SET_BOOL:
    if (parse_bool(s, OTLPD_FIELD(base, r, bool)) != 0)
      otlpd_setting_type_error(r, path, v, errs);
    return;
  case OTLPD_SET_ENUM:
    for (int i = 0; r->choices && r->choices[i]; i++)
      if (strcasecmp(s, r->choices[i]) == 0) {
        *OTLPD_FIELD(base, r, int) = i;
        return;
      }
    enum_error(r, path, s, errs);
    return;
  case OTLPD_SET_ENDPOINT:
    if (otlpd_endpoint_check(s, NULL, 0, NULL, &why) != 0) {
      otlpd_errorf(errs, "%s: invalid endpoint \"%s\": %s", path, s, why);
      return;
    }
    rc = set_string(OTLPD_FIELD(base, r, char *), s);
    break;
  case OTLPD_SET_STRING: rc = set_string(OTLPD_FIELD(base, r, char *), s); break;
  case OTLPD_SET_VALUE: rc = set_value(OTLPD_FIELD(base, r, otlpd_value), v); break;
  default: apply_number(r, base, s, path, errs); return;
  }
  if (rc != 0)
    otlpd_errorf(errs, "%s: out of memory", path);
}
