/* Hostile OTLP/gRPC client on gRPC C core.
 *
 *   grpc_bad_client TARGET MAX_RECV_MIB   the whole suite (below)
 *   grpc_bad_client TARGET --one NAME     one valid request, span NAME
 *   grpc_bad_client TARGET --hang         open a call, send headers only,
 *                                         print "hanging", wait for its end
 *
 * The suite sends malformed and oversized requests and checks each gets
 * the status the OTLP spec asks for (INVALID_ARGUMENT, RESOURCE_EXHAUSTED,
 * UNIMPLEMENTED); valid requests in between must still succeed. Spans of
 * the valid requests are named "valid-*"; the calling test checks that
 * exactly those reached the exporter. Exit 0 when every check passed. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>

#include "../lib/grpc_unary.h"

#define TRACES "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
#define LOGS "/opentelemetry.proto.collector.logs.v1.LogsService/Export"

/* ---- a tiny protobuf writer (tests only) ---- */
typedef struct {
  uint8_t *p;
  size_t len, cap;
} wbuf;

static void w_need(wbuf *b, size_t n) {
  if (b->len + n <= b->cap) return;
  while (b->len + n > b->cap) b->cap = b->cap ? b->cap * 2 : 256;
  b->p = realloc(b->p, b->cap);
  if (!b->p) abort();
}
static void w_raw(wbuf *b, const void *d, size_t n) {
  w_need(b, n);
  memcpy(b->p + b->len, d, n);
  b->len += n;
}
static void w_varint(wbuf *b, uint64_t v) {
  uint8_t t[10];
  size_t n = 0;
  do {
    t[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
  w_raw(b, t, n);
}
static void w_tag(wbuf *b, unsigned field, unsigned wt) { w_varint(b, (uint64_t)field << 3 | wt); }
static void w_bytes(wbuf *b, unsigned field, const void *d, size_t n) {
  w_tag(b, field, 2);
  w_varint(b, n);
  w_raw(b, d, n);
}
static void w_str(wbuf *b, unsigned field, const char *s) { w_bytes(b, field, s, strlen(s)); }
static void w_msg(wbuf *b, unsigned field, wbuf *inner) {
  w_bytes(b, field, inner->p, inner->len);
  free(inner->p);
  *inner = (wbuf){0};
}
static void w_fixed64(wbuf *b, unsigned field, uint64_t v) {
  w_tag(b, field, 1);
  uint8_t t[8];
  for (int i = 0; i < 8; i++) t[i] = (uint8_t)(v >> (8 * i));
  w_raw(b, t, 8);
}

/* ExportTraceServiceRequest with one span named `name`; `attr` (an
 * already-encoded AnyValue, may be NULL) becomes its attribute "a". */
static wbuf trace_request(const char *name, const wbuf *attr) {
  static unsigned serial;
  wbuf span = {0}, kv = {0}, scope = {0}, ss = {0}, res = {0}, rkv = {0}, rv = {0}, rs = {0}, req = {0};
  uint8_t tid[16], sid[8];
  serial++;
  for (int i = 0; i < 16; i++) tid[i] = (uint8_t)(0xa0 + i + serial);
  for (int i = 0; i < 8; i++) sid[i] = (uint8_t)(0x10 + i + serial);
  w_bytes(&span, 1, tid, 16);
  w_bytes(&span, 2, sid, 8);
  w_str(&span, 5, name);
  w_tag(&span, 6, 0);
  w_varint(&span, 2);
  w_fixed64(&span, 7, 1700000000000000000ull);
  w_fixed64(&span, 8, 1700000000500000000ull);
  if (attr) {
    w_str(&kv, 1, "a");
    w_bytes(&kv, 2, attr->p, attr->len);
    w_msg(&span, 9, &kv);
  }
  w_str(&scope, 1, "bad-client");
  w_msg(&ss, 1, &scope);
  w_msg(&ss, 2, &span);
  w_str(&rv, 1, "grpc-bad-client");
  w_str(&rkv, 1, "service.name");
  w_msg(&rkv, 2, &rv);
  w_msg(&res, 1, &rkv);
  w_msg(&rs, 1, &res);
  w_msg(&rs, 2, &ss);
  w_msg(&req, 1, &rs);
  return req;
}

static size_t varint_len(uint64_t v) {
  size_t n = 1;
  while (v > 0x7f) v >>= 7, n++;
  return n;
}

/* AnyValue nested `depth` times as array_value{values: [..]} around "x".
 * Sizes are computed inside-out first so the bytes are written once. */
static wbuf nested_any(size_t depth) {
  size_t *any = calloc(depth + 1, sizeof(size_t)); /* encoded AnyValue size per level */
  if (!any) abort();
  any[0] = 3; /* string_value "x": tag, length, byte */
  for (size_t i = 1; i <= depth; i++) {
    size_t arr = 1 + varint_len(any[i - 1]) + any[i - 1]; /* ArrayValue{values: [inner]} */
    any[i] = 1 + varint_len(arr) + arr;                    /* AnyValue{array_value} */
  }
  wbuf b = {0};
  for (size_t i = depth; i >= 1; i--) {
    w_tag(&b, 5, 2);
    w_varint(&b, 1 + varint_len(any[i - 1]) + any[i - 1]);
    w_tag(&b, 1, 2);
    w_varint(&b, any[i - 1]);
  }
  w_str(&b, 1, "x");
  if (b.len != any[depth]) abort();
  free(any);
  return b;
}

/* ---- calls ---- */
typedef struct {
  grpc_channel *ch, *gz;
  grpc_completion_queue *cq;
  int failures, checks;
} client;

static grpc_status_code call(client *c, grpc_channel *ch, const char *method, const uint8_t *p, size_t n,
                             char *msg, size_t msglen) {
  return grpc_unary(ch, c->cq, method, p, n, 30, 0, msg, msglen);
}

static const char *code_name(grpc_status_code c) {
  switch (c) {
  case GRPC_STATUS_OK: return "OK";
  case GRPC_STATUS_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
  case GRPC_STATUS_RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
  case GRPC_STATUS_UNIMPLEMENTED: return "UNIMPLEMENTED";
  case GRPC_STATUS_UNAVAILABLE: return "UNAVAILABLE";
  case GRPC_STATUS_INTERNAL: return "INTERNAL";
  default: return "other";
  }
}

/* want_in_msg: a substring the status message must contain (NULL: any). */
static void expect(client *c, const char *what, grpc_channel *ch, const char *method, const wbuf *b,
                   grpc_status_code want, const char *want_in_msg) {
  char msg[512];
  grpc_status_code got = call(c, ch, method, b->p, b->len, msg, sizeof(msg));
  bool ok = got == want && (!want_in_msg || strstr(msg, want_in_msg));
  c->checks++;
  if (!ok) c->failures++;
  printf("%s %-34s -> %s (%d) \"%.160s\"%s\n", ok ? "ok  " : "FAIL", what, code_name(got), (int)got, msg,
         ok ? "" : (got == want ? " [message]" : " [status]"));
}

static uint64_t rng(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static void bad_framing(client *c) {
  wbuf valid = trace_request("never-delivered", NULL);
  /* Every cut strictly inside the only top-level field leaves a length
   * that runs past the end. */
  int bad = 0;
  for (size_t k = 1; k < valid.len; k++) {
    char msg[512];
    grpc_status_code got = call(c, c->ch, TRACES, valid.p, k, msg, sizeof(msg));
    if (got != GRPC_STATUS_INVALID_ARGUMENT || strncmp(msg, "protobuf:", 9) != 0) {
      printf("FAIL truncated at %zu of %zu -> %s \"%s\"\n", k, valid.len, code_name(got), msg);
      bad++;
    }
  }
  c->checks++;
  if (bad) c->failures++;
  printf("%s truncated request, %zu cuts          -> INVALID_ARGUMENT for %zu\n", bad ? "FAIL" : "ok  ",
         valid.len - 1, valid.len - 1 - (size_t)bad);
  free(valid.p);

  static const uint8_t wt_varint[] = {0x08, 0x01};                 /* resource_spans as varint */
  static const uint8_t wt_fixed64[] = {0x09, 1, 2, 3, 4, 5, 6, 7, 8};
  static const uint8_t wt_group[] = {0x0b, 0x0c};                  /* start/end group */
  static const uint8_t wt_bad[] = {0x0e, 0x00};                    /* wire type 6 */
  static const uint8_t huge_len[] = {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a, 0x00};
  static const uint8_t overlong_len[] = {0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00};
  static const uint8_t overlong_key[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  static const uint8_t field_zero[] = {0x02, 0x00};
  /* resource_spans { scope_spans { spans { name: varint } } } */
  static const uint8_t inner_wt[] = {0x0a, 0x06, 0x12, 0x04, 0x12, 0x02, 0x28, 0x01};
  /* resource_spans claims 3 bytes, its child claims 100 */
  static const uint8_t inner_len[] = {0x0a, 0x03, 0x12, 0x64, 0x00};
  struct {
    const char *name;
    const uint8_t *p;
    size_t n;
  } cases[] = {
      {"wire type varint for a message", wt_varint, sizeof(wt_varint)},
      {"wire type fixed64 for a message", wt_fixed64, sizeof(wt_fixed64)},
      {"group wire type", wt_group, sizeof(wt_group)},
      {"invalid wire type 6", wt_bad, sizeof(wt_bad)},
      {"length 2^32-1", huge_len, sizeof(huge_len)},
      {"overlong length varint", overlong_len, sizeof(overlong_len)},
      {"overlong field key", overlong_key, sizeof(overlong_key)},
      {"field number 0", field_zero, sizeof(field_zero)},
      {"nested wrong wire type (span.name)", inner_wt, sizeof(inner_wt)},
      {"nested length past parent", inner_len, sizeof(inner_len)},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    wbuf b = {(uint8_t *)cases[i].p, cases[i].n, cases[i].n};
    expect(c, cases[i].name, c->ch, TRACES, &b, GRPC_STATUS_INVALID_ARGUMENT, "protobuf:");
  }
  wbuf logs_bad = {(uint8_t *)wt_varint, sizeof(wt_varint), sizeof(wt_varint)};
  expect(c, "logs: wrong wire type", c->ch, LOGS, &logs_bad, GRPC_STATUS_INVALID_ARGUMENT, "protobuf:");
}

/* Random bytes may by chance be valid protobuf (of unknown fields): then
 * OK is right too. What matters is an answer and a live server. */
static void random_bytes(client *c) {
  uint64_t seed = 0x9e3779b97f4a7c15ull;
  int invalid = 0, okc = 0, other = 0;
  for (int i = 0; i < 50; i++) {
    uint8_t buf[512];
    size_t n = 1 + rng(&seed) % sizeof(buf);
    for (size_t k = 0; k < n; k++) buf[k] = (uint8_t)rng(&seed);
    buf[0] |= 0x02; /* avoid field 1 with a tiny length: keep it garbage */
    char msg[512];
    grpc_status_code got = call(c, c->ch, i % 2 ? TRACES : LOGS, buf, n, msg, sizeof(msg));
    if (got == GRPC_STATUS_INVALID_ARGUMENT) invalid++;
    else if (got == GRPC_STATUS_OK) okc++;
    else other++;
  }
  c->checks++;
  if (other || invalid == 0) c->failures++;
  printf("%s random bytes x50                   -> INVALID_ARGUMENT %d, OK %d, other %d\n",
         other || invalid == 0 ? "FAIL" : "ok  ", invalid, okc, other);
}

static void sizes(client *c, long max_mib) {
  size_t max = (size_t)max_mib * 1024 * 1024;
  /* A valid request just over the limit, with a big string attribute. */
  wbuf any = {0};
  char *big = malloc(max + 1);
  memset(big, 'z', max);
  big[max] = '\0';
  w_str(&any, 1, big);
  wbuf over = trace_request("never-delivered-big", &any);
  expect(c, "message over max_recv_msg_size", c->ch, TRACES, &over, GRPC_STATUS_RESOURCE_EXHAUSTED, NULL);
  /* The same through gzip: small on the wire, over the limit inflated. */
  expect(c, "gzip message inflating over limit", c->gz, TRACES, &over, GRPC_STATUS_RESOURCE_EXHAUSTED, NULL);
  free(over.p);
  free(any.p);
  /* Just under the limit is fine. */
  wbuf any2 = {0};
  big[max - 4096] = '\0';
  w_str(&any2, 1, big);
  wbuf under = trace_request("valid-near-limit", &any2);
  expect(c, "message just under the limit", c->ch, TRACES, &under, GRPC_STATUS_OK, NULL);
  free(under.p);
  free(any2.p);
  free(big);
}

static void nesting(client *c) {
  wbuf deep = nested_any(10000);
  wbuf req = trace_request("never-delivered-deep", &deep);
  expect(c, "AnyValue nested 10000 levels", c->ch, TRACES, &req, GRPC_STATUS_INVALID_ARGUMENT, "nested");
  free(req.p);
  free(deep.p);
  wbuf ok = nested_any(20);
  req = trace_request("valid-nested-20", &ok);
  expect(c, "AnyValue nested 20 levels", c->ch, TRACES, &req, GRPC_STATUS_OK, NULL);
  free(req.p);
  free(ok.p);
}

/* A call whose message never comes: the server cannot match it, so only
 * its shutdown grace (cancel_all_calls) ends it. */
static int hang(client *c) {
  grpc_call *call = grpc_channel_create_call(c->ch, NULL, GRPC_PROPAGATE_DEFAULTS, c->cq,
                                             grpc_slice_from_static_string(TRACES), NULL,
                                             gpr_time_add(gpr_now(GPR_CLOCK_REALTIME), gpr_time_from_seconds(120, GPR_TIMESPAN)), NULL);
  grpc_metadata_array init_md, trail_md;
  grpc_metadata_array_init(&init_md);
  grpc_metadata_array_init(&trail_md);
  grpc_status_code status = GRPC_STATUS_OK;
  grpc_slice details;
  grpc_op ops[2];
  memset(ops, 0, sizeof(ops));
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  int sent_tag, status_tag;
  if (grpc_call_start_batch(call, ops, 1, &sent_tag, NULL) != GRPC_CALL_OK) abort();
  grpc_event ev = grpc_completion_queue_pluck(c->cq, &sent_tag, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
  ops[0].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[0].data.recv_status_on_client.trailing_metadata = &trail_md;
  ops[0].data.recv_status_on_client.status = &status;
  ops[0].data.recv_status_on_client.status_details = &details;
  if (grpc_call_start_batch(call, ops, 1, &status_tag, NULL) != GRPC_CALL_OK) abort();
  printf("hanging (headers sent: %d)\n", ev.success);
  fflush(stdout);
  grpc_completion_queue_pluck(c->cq, &status_tag, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
  printf("call ended: %s (%d) \"%.*s\"\n", code_name(status), (int)status, (int)GRPC_SLICE_LENGTH(details),
         (const char *)GRPC_SLICE_START_PTR(details));
  grpc_slice_unref(details);
  grpc_metadata_array_destroy(&init_md);
  grpc_metadata_array_destroy(&trail_md);
  grpc_call_unref(call);
  return status == GRPC_STATUS_OK ? 1 : 0;
}

static void suite(client *c, long max_mib) {
  wbuf v = trace_request("valid-first", NULL);
  expect(c, "valid request", c->ch, TRACES, &v, GRPC_STATUS_OK, NULL);
  free(v.p);
  wbuf empty = {0};
  expect(c, "empty request", c->ch, TRACES, &empty, GRPC_STATUS_OK, NULL);
  /* gRPC only compresses when it pays: give it something compressible. */
  char text[8192];
  memset(text, 'g', sizeof(text) - 1);
  text[sizeof(text) - 1] = '\0';
  wbuf attr = {0};
  w_str(&attr, 1, text);
  v = trace_request("valid-gzip", &attr);
  expect(c, "valid gzip request", c->gz, TRACES, &v, GRPC_STATUS_OK, NULL);
  free(v.p);
  free(attr.p);
  expect(c, "unknown method", c->ch, "/opentelemetry.proto.collector.trace.v1.TraceService/Nope", &empty,
         GRPC_STATUS_UNIMPLEMENTED, NULL);
  expect(c, "unknown service", c->ch, "/no.such.Service/Export", &empty, GRPC_STATUS_UNIMPLEMENTED, NULL);
  bad_framing(c);
  random_bytes(c);
  sizes(c, max_mib);
  nesting(c);
  v = trace_request("valid-last", NULL);
  expect(c, "valid request after all that", c->ch, TRACES, &v, GRPC_STATUS_OK, NULL);
  free(v.p);
}

int main(int argc, char **argv) {
  if (argc != 3 && !(argc == 4 && strcmp(argv[2], "--one") == 0)) {
    fprintf(stderr, "usage: %s TARGET MAX_RECV_MIB | TARGET --one NAME | TARGET --hang\n", argv[0]);
    return 2;
  }
  grpc_init();
  client c = {0};
  grpc_channel_credentials *creds = grpc_insecure_credentials_create();
  c.ch = grpc_channel_create(argv[1], creds, NULL);
  grpc_arg a = {GRPC_ARG_INTEGER, (char *)GRPC_COMPRESSION_CHANNEL_DEFAULT_ALGORITHM, {.integer = GRPC_COMPRESS_GZIP}};
  grpc_channel_args gzargs = {1, &a};
  c.gz = grpc_channel_create(argv[1], creds, &gzargs);
  grpc_channel_credentials_release(creds);
  c.cq = grpc_completion_queue_create_for_pluck(NULL);

  if (strcmp(argv[2], "--hang") == 0) {
    c.failures = hang(&c);
  } else if (strcmp(argv[2], "--one") == 0) {
    wbuf v = trace_request(argv[3], NULL);
    expect(&c, argv[3], c.ch, TRACES, &v, GRPC_STATUS_OK, NULL);
    free(v.p);
  } else {
    suite(&c, strtol(argv[2], NULL, 10));
    printf("%d of %d checks passed\n", c.checks - c.failures, c.checks);
  }

  grpc_channel_destroy(c.ch);
  grpc_channel_destroy(c.gz);
  grpc_completion_queue_shutdown(c.cq);
  while (grpc_completion_queue_pluck(c.cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type != GRPC_QUEUE_SHUTDOWN) {
  }
  grpc_completion_queue_destroy(c.cq);
  grpc_shutdown();
  return c.failures ? 1 : 0;
}
