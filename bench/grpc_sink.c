/* An OTLP/gRPC backend stand-in for bench/run.sh: answers every Export call
 * at once with an empty response and grpc-status 0, and counts the spans /
 * log records that arrived (so the benchmark counts what the backend got).
 * gRPC C core, one completion-queue thread, uncompressed messages only.
 *
 *   otlpd_bench_grpc_sink
 *
 * Prints its port (127.0.0.1, port 0), then at SIGTERM/SIGINT
 * "<items> <calls>" and exits. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>

#include "sink_count.h"

#define SLOTS_PER_METHOD 16

static const char *const methods[] = {
    "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
    "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
};
#define N_METHODS (sizeof(methods) / sizeof(methods[0]))

typedef struct call {
  int method;
  int replying;
  grpc_call *call;
  gpr_timespec deadline;
  grpc_metadata_array md;
  grpc_byte_buffer *payload;
  int cancelled;
} call;

static uint64_t items, calls;
static volatile sig_atomic_t stopping;
static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static void *registered[N_METHODS];

static void request(grpc_server *s, grpc_completion_queue *cq, int m) {
  call *c = calloc(1, sizeof(*c));
  if (!c) abort();
  c->method = m;
  grpc_metadata_array_init(&c->md);
  if (grpc_server_request_registered_call(s, registered[m], &c->call, &c->deadline, &c->md, &c->payload, cq,
                                          cq, c) != GRPC_CALL_OK)
    abort();
}

static void free_call(call *c) {
  if (c->call) grpc_call_unref(c->call);
  if (c->payload) grpc_byte_buffer_destroy(c->payload);
  grpc_metadata_array_destroy(&c->md);
  free(c);
}

static void answer(call *c) {
  if (c->payload) {
    grpc_byte_buffer_reader r;
    if (grpc_byte_buffer_reader_init(&r, c->payload)) {
      grpc_slice all = grpc_byte_buffer_reader_readall(&r);
      items += sink_count_items(GRPC_SLICE_START_PTR(all), GRPC_SLICE_LENGTH(all));
      grpc_slice_unref(all);
      grpc_byte_buffer_reader_destroy(&r);
    }
    calls++;
  }
  grpc_op ops[4];
  memset(ops, 0, sizeof(ops));
  grpc_slice empty = grpc_empty_slice();
  grpc_byte_buffer *resp = grpc_raw_byte_buffer_create(&empty, 1);
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = resp;
  ops[2].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
  ops[2].data.send_status_from_server.status = GRPC_STATUS_OK;
  ops[3].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
  ops[3].data.recv_close_on_server.cancelled = &c->cancelled;
  c->replying = 1;
  if (grpc_call_start_batch(c->call, ops, 4, c, NULL) != GRPC_CALL_OK) abort();
  grpc_byte_buffer_destroy(resp); /* the batch holds its own reference */
}

int main(void) {
  grpc_init();
  grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
  grpc_server *s = grpc_server_create(NULL, NULL);
  for (size_t m = 0; m < N_METHODS; m++)
    registered[m] = grpc_server_register_method(s, methods[m], NULL, GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
  grpc_server_register_completion_queue(s, cq, NULL);
  grpc_server_credentials *creds = grpc_insecure_server_credentials_create();
  int port = grpc_server_add_http2_port(s, "127.0.0.1:0", creds);
  grpc_server_credentials_release(creds);
  if (port <= 0) {
    fprintf(stderr, "otlpd_bench_grpc_sink: cannot listen\n");
    return 1;
  }
  grpc_server_start(s);
  for (size_t m = 0; m < N_METHODS; m++)
    for (int i = 0; i < SLOTS_PER_METHOD; i++) request(s, cq, (int)m);
  printf("%d\n", port);
  fflush(stdout);
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  while (!stopping) {
    grpc_event ev = grpc_completion_queue_next(
        cq, gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(100, GPR_TIMESPAN)), NULL);
    if (ev.type != GRPC_OP_COMPLETE) continue;
    call *c = ev.tag;
    if (c->replying || !ev.success) {
      free_call(c);
      continue;
    }
    request(s, cq, c->method);
    answer(c);
  }
  printf("%llu %llu\n", (unsigned long long)items, (unsigned long long)calls);
  fflush(stdout);
  _exit(0); /* no orderly gRPC shutdown needed: the counts are out */
}
