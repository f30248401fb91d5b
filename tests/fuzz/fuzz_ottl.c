/* Fuzz target: OTTL condition text -> compiled tree -> evaluation on a
 * fixed item of the context the first byte picks (bit 0x40: a transform
 * statement, compiled only; bit 0x80: the prefixed flat form). Conditions come from
 * operators' configs, but a typo must give an error with a column inside
 * the text, never a crash, a hang or a deep recursion. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ottl/ottl.h"

static void die(const char *what) {
  fprintf(stderr, "fuzz invariant broken: %s\n", what);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 4096) return 0;
  char *src = malloc(size);
  if (!src) return 0;
  memcpy(src, data + 1, size - 1);
  src[size - 1] = '\0';
  size_t len = strlen(src);
  ottl_context ctx = (ottl_context)(data[0] % OTTL_CTX_COUNT);
  bool prefixed = data[0] & 0x80;

  /* a span with an event, a log record, a gauge with one point */
  static otlp_key_value kv = OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
  static otlp_any_value av = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
  static otlp_key_value *kvs[1];
  av.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
  av.string_value = "v";
  kv.key = "k";
  kv.value = &av;
  kvs[0] = &kv;
  otlp_resource res = OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
  res.n_attributes = 1;
  res.attributes = kvs;
  otlp_scope scope = OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT;
  otlp_span span = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__INIT;
  span.n_attributes = 1;
  span.attributes = kvs;
  uint8_t id[16] = {1, 2, 3};
  span.trace_id.data = id;
  span.trace_id.len = 16;
  otlp_span_event ev = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__EVENT__INIT;
  otlp_log_record lr = OPENTELEMETRY__PROTO__LOGS__V1__LOG_RECORD__INIT;
  lr.body = &av;
  Opentelemetry__Proto__Metrics__V1__NumberDataPoint dp = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__INIT;
  Opentelemetry__Proto__Metrics__V1__NumberDataPoint *dps[1] = {&dp};
  dp.n_attributes = 1;
  dp.attributes = kvs;
  Opentelemetry__Proto__Metrics__V1__Gauge g = OPENTELEMETRY__PROTO__METRICS__V1__GAUGE__INIT;
  g.n_data_points = 1;
  g.data_points = dps;
  otlp_metric m = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__INIT;
  m.data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE;
  m.gauge = &g;
  ottl_item it = {.resource = &res, .scope = &scope};
  if (ctx == OTTL_SPAN || ctx == OTTL_SPANEVENT) it.span = &span;
  if (ctx == OTTL_SPANEVENT) it.event = &ev;
  if (ctx == OTTL_LOG) it.log = &lr;
  if (ctx == OTTL_METRIC || ctx == OTTL_DATAPOINT) it.metric = &m;
  if (ctx == OTTL_DATAPOINT) it.dp = &dp;

  ottl_error err;
  if (data[0] & 0x40) { /* a transform statement */
    ottl_stmt *st = ottl_stmt_compile(src, ctx, prefixed, &err);
    if (!st && (!err.msg[0] || err.col < 1 || (size_t)err.col > len + 1)) die("statement error without a place");
    ottl_stmt_free(st);
    free(src);
    return 0;
  }
  ottl_cond *c = ottl_cond_compile(src, ctx, prefixed, &err);
  if (!c) {
    if (!err.msg[0]) die("refused without a message");
    if (err.col < 1 || (size_t)err.col > len + 1) die("error column outside the text");
  } else {
    const char *why;
    int r = ottl_cond_eval(c, &it, &why);
    if (r < -1 || r > 1) die("evaluation result out of range");
    if (r == -1 && !why) die("evaluation error without a reason");
    ottl_cond_free(c);
  }
  (void)ottl_infer_context(src, OTLPD_TRACES);
  free(src);
  return 0;
}
