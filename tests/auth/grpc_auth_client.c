/* One OTLP/gRPC trace export with chosen metadata, on gRPC core.
 *
 *   grpc_auth_client TARGET SPAN_NAME [KEY=VALUE]...
 *
 * Sends one span named SPAN_NAME with each KEY=VALUE as call metadata and
 * prints the call's status code (0 OK, 16 UNAUTHENTICATED, ...). Exit 0
 * once a status arrived. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>

#define TRACES "/opentelemetry.proto.collector.trace.v1.TraceService/Export"

/* ExportTraceServiceRequest{resource_spans{scope_spans{spans{trace_id,
 * span_id, name}}}} written by hand (field numbers from trace.proto). */
static size_t request(const char *name, uint8_t *out) {
  size_t nl = strlen(name), span = 18 + 10 + 2 + nl, scope = 2 + span, rs = 2 + scope;
  if (nl > 60) abort();
  uint8_t *p = out;
  *p++ = 0x0a, *p++ = (uint8_t)rs;    /* resource_spans = 1 */
  *p++ = 0x12, *p++ = (uint8_t)scope; /* scope_spans = 2 */
  *p++ = 0x12, *p++ = (uint8_t)span;  /* spans = 2 */
  *p++ = 0x0a, *p++ = 16;             /* trace_id = 1 */
  for (int i = 0; i < 16; i++) *p++ = (uint8_t)(i + 1);
  *p++ = 0x12, *p++ = 8;              /* span_id = 2 */
  for (int i = 0; i < 8; i++) *p++ = (uint8_t)(i + 1);
  *p++ = 0x2a, *p++ = (uint8_t)nl;    /* name = 5 */
  memcpy(p, name, nl);
  return (size_t)(p + nl - out);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: grpc_auth_client TARGET SPAN_NAME [KEY=VALUE]...\n");
    return 2;
  }
  grpc_init();
  grpc_channel_credentials *creds = grpc_insecure_credentials_create();
  grpc_channel *ch = grpc_channel_create(argv[1], creds, NULL);
  grpc_channel_credentials_release(creds);
  grpc_completion_queue *cq = grpc_completion_queue_create_for_pluck(NULL);
  size_t nmd = (size_t)argc - 3;
  grpc_metadata *md = calloc(nmd + 1, sizeof(*md));
  for (size_t i = 0; i < nmd; i++) {
    char *eq = strchr(argv[3 + i], '=');
    if (!eq) return 2;
    md[i].key = grpc_slice_from_copied_buffer(argv[3 + i], (size_t)(eq - argv[3 + i]));
    md[i].value = grpc_slice_from_copied_string(eq + 1);
  }
  uint8_t body[256];
  size_t n = request(argv[2], body);
  gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_REALTIME), gpr_time_from_seconds(20, GPR_TIMESPAN));
  grpc_call *call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
                                             grpc_slice_from_static_string(TRACES), NULL, deadline, NULL);
  grpc_slice s = grpc_slice_from_copied_buffer((const char *)body, n);
  grpc_byte_buffer *req = grpc_raw_byte_buffer_create(&s, 1);
  grpc_slice_unref(s);
  grpc_byte_buffer *resp = NULL;
  grpc_metadata_array init_md, trail_md;
  grpc_metadata_array_init(&init_md);
  grpc_metadata_array_init(&trail_md);
  grpc_status_code status = GRPC_STATUS_UNKNOWN;
  grpc_slice details = grpc_empty_slice();
  grpc_op ops[6];
  memset(ops, 0, sizeof(ops));
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[0].flags = GRPC_INITIAL_METADATA_WAIT_FOR_READY;
  ops[0].data.send_initial_metadata.count = nmd;
  ops[0].data.send_initial_metadata.metadata = md;
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = req;
  ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[3].data.recv_initial_metadata.recv_initial_metadata = &init_md;
  ops[4].op = GRPC_OP_RECV_MESSAGE;
  ops[4].data.recv_message.recv_message = &resp;
  ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[5].data.recv_status_on_client.trailing_metadata = &trail_md;
  ops[5].data.recv_status_on_client.status = &status;
  ops[5].data.recv_status_on_client.status_details = &details;
  int tag;
  if (grpc_call_start_batch(call, ops, 6, &tag, NULL) != GRPC_CALL_OK) abort();
  grpc_event ev = grpc_completion_queue_pluck(cq, &tag, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
  if (ev.type != GRPC_OP_COMPLETE) abort();
  printf("%d\n", (int)status);
  grpc_slice_unref(details);
  grpc_metadata_array_destroy(&init_md);
  grpc_metadata_array_destroy(&trail_md);
  grpc_byte_buffer_destroy(req);
  if (resp) grpc_byte_buffer_destroy(resp);
  grpc_call_unref(call);
  for (size_t i = 0; i < nmd; i++) {
    grpc_slice_unref(md[i].key);
    grpc_slice_unref(md[i].value);
  }
  free(md);
  grpc_channel_destroy(ch);
  grpc_completion_queue_shutdown(cq);
  while (grpc_completion_queue_pluck(cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type != GRPC_QUEUE_SHUTDOWN) {
  }
  grpc_completion_queue_destroy(cq);
  grpc_shutdown();
  return 0;
}
