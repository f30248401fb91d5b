/* OTLP/gRPC client for the back-pressure test, on gRPC C core.
 *
 *   grpc_flood_client TARGET flood MAX EXTRA   send requests 0, 1, ... (at
 *                       most MAX) until one is refused with UNAVAILABLE,
 *                       then EXTRA more
 *   grpc_flood_client TARGET retry TRIES N...  resend requests N... until
 *                       each is accepted, at most TRIES attempts each
 *
 * One line per request on stdout: "accepted <n> [attempts]" or
 * "refused <n> <status message>". Request n holds SPANS spans named
 * "bp-<n>-<j>", with the same padding attribute as http_flood.py, encoded
 * with otlpd's own protobuf codec. Any status other than OK or UNAVAILABLE
 * ends the run with exit status 2: under load a refusal must be
 * UNAVAILABLE (retryable), nothing else. Between refused attempts `retry`
 * pauses briefly, as a client backing off would; the pause paces the loop,
 * it asserts nothing. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>

#include "../lib/grpc_unary.h"
#include "otlpd/codec.h"
#include "otlpd/otlp.h"

#define TRACES "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
#define SPANS 10
#define PAD_LEN 600
#define RETRY_PAUSE_MS 50
#define CALL_DEADLINE_S 30

/* Request n, encoded into out (cleared first). */
static void encode_request(long n, otlpd_buf *out) {
  static char pad[PAD_LEN + 1];
  memset(pad, 'p', PAD_LEN);
  char names[SPANS][48];
  uint8_t tid[16] = {0}, sids[SPANS][8];
  for (int i = 0; i < 8; i++) tid[15 - i] = (uint8_t)((unsigned long)(n + 1) >> (8 * i));

  otlp_any_value pad_v = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
  pad_v.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
  pad_v.string_value = pad;
  otlp_key_value pad_kv = OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
  pad_kv.key = "pad";
  pad_kv.value = &pad_v;
  otlp_key_value *attrs[] = {&pad_kv};

  otlp_span spans[SPANS], *span_ptrs[SPANS];
  for (int j = 0; j < SPANS; j++) {
    otlp_span s = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__INIT;
    snprintf(names[j], sizeof(names[j]), "bp-%ld-%d", n, j);
    memset(sids[j], 0, 8);
    sids[j][7] = (uint8_t)(j + 1);
    s.trace_id = (ProtobufCBinaryData){16, tid};
    s.span_id = (ProtobufCBinaryData){8, sids[j]};
    s.name = names[j];
    s.kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER;
    s.start_time_unix_nano = 1700000000000000000ull;
    s.end_time_unix_nano = 1700000000000001000ull;
    s.n_attributes = 1;
    s.attributes = attrs;
    spans[j] = s;
    span_ptrs[j] = &spans[j];
  }
  otlp_scope scope = OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT;
  scope.name = "grpc_flood_client";
  otlp_scope_spans ss = OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT;
  ss.scope = &scope;
  ss.n_spans = SPANS;
  ss.spans = span_ptrs;
  otlp_scope_spans *ss_ptrs[] = {&ss};

  otlp_any_value svc_v = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
  svc_v.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
  svc_v.string_value = "backpressure";
  otlp_key_value svc = OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
  svc.key = "service.name";
  svc.value = &svc_v;
  otlp_key_value *res_attrs[] = {&svc};
  otlp_resource res = OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
  res.n_attributes = 1;
  res.attributes = res_attrs;
  otlp_resource_spans rs = OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT;
  rs.resource = &res;
  rs.n_scope_spans = 1;
  rs.scope_spans = ss_ptrs;
  otlp_resource_spans *rs_ptrs[] = {&rs};
  otlp_trace_request req = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
  req.n_resource_spans = 1;
  req.resource_spans = rs_ptrs;

  otlpd_buf_clear(out);
  if (otlpd_pb_encode(&req.base, out) != 0) abort();
}

typedef struct {
  grpc_channel *ch;
  grpc_completion_queue *cq;
  otlpd_buf body;
} client;

/* One unary Export call; the status message goes to msg. */
static grpc_status_code export_call(client *c, long n, char *msg, size_t msglen) {
  encode_request(n, &c->body);
  return grpc_unary(c->ch, c->cq, TRACES, c->body.data, c->body.len, CALL_DEADLINE_S,
                    GRPC_INITIAL_METADATA_WAIT_FOR_READY, msg, msglen);
}

/* OK -> 1, UNAVAILABLE -> 0, anything else ends the run. */
static int classify(long n, grpc_status_code st, const char *msg) {
  if (st == GRPC_STATUS_OK) return 1;
  if (st == GRPC_STATUS_UNAVAILABLE) return 0;
  printf("unexpected status %d for request %ld: \"%s\"\n", (int)st, n, msg);
  fflush(stdout);
  exit(2);
}

static int flood(client *c, long max, long extra) {
  long first_refusal = -1;
  for (long n = 0; n < max; n++) {
    char msg[256];
    grpc_status_code st = export_call(c, n, msg, sizeof(msg));
    if (classify(n, st, msg)) {
      printf("accepted %ld\n", n);
    } else {
      printf("refused %ld %s\n", n, msg);
      if (first_refusal < 0) first_refusal = n;
    }
    fflush(stdout);
    if (first_refusal >= 0 && n >= first_refusal + extra) break;
  }
  return 0;
}

static int retry(client *c, long tries, char **nums, int count) {
  for (int i = 0; i < count; i++) {
    long n = strtol(nums[i], NULL, 10);
    long attempt = 1;
    for (;; attempt++) {
      char msg[256];
      if (classify(n, export_call(c, n, msg, sizeof(msg)), msg)) break;
      if (attempt == tries) {
        printf("gave up on request %ld after %ld attempts: \"%s\"\n", n, tries, msg);
        return 1;
      }
      gpr_sleep_until(gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(RETRY_PAUSE_MS, GPR_TIMESPAN)));
    }
    printf("accepted %ld %ld\n", n, attempt);
    fflush(stdout);
  }
  return 0;
}

int main(int argc, char **argv) {
  bool is_flood = argc == 5 && strcmp(argv[2], "flood") == 0;
  bool is_retry = argc >= 4 && strcmp(argv[2], "retry") == 0;
  if (!is_flood && !is_retry) {
    fprintf(stderr, "usage: %s TARGET flood MAX EXTRA | TARGET retry TRIES N...\n", argv[0]);
    return 2;
  }
  grpc_init();
  client c = {0};
  grpc_channel_credentials *creds = grpc_insecure_credentials_create();
  c.ch = grpc_channel_create(argv[1], creds, NULL);
  grpc_channel_credentials_release(creds);
  c.cq = grpc_completion_queue_create_for_pluck(NULL);

  int rc = is_flood ? flood(&c, strtol(argv[3], NULL, 10), strtol(argv[4], NULL, 10))
                    : retry(&c, strtol(argv[3], NULL, 10), argv + 4, argc - 4);

  otlpd_buf_free(&c.body);
  grpc_channel_destroy(c.ch);
  grpc_completion_queue_shutdown(c.cq);
  while (grpc_completion_queue_pluck(c.cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
         GRPC_QUEUE_SHUTDOWN) {
  }
  grpc_completion_queue_destroy(c.cq);
  grpc_shutdown();
  return rc;
}
