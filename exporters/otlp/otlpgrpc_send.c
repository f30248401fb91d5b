/* One attempt of one queued batch: gather its message once (kept on the
 * attempt across retries; slices over the clients' bytes, otlpgrpc_body.c),
 * start one unary Export call with the attempt's functor as its tag, and,
 * once the completion reached the loop (otlpgrpc_thread.c), tell the sender
 * what the status means. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/support/alloc.h>

#include "otlpgrpc.h"
#include "otlpgrpc_response.h"
#include "otlpgrpc_status.h"

#define DETAILS_KEY "grpc-status-details-bin"

static void finish(otlpd_send_req *sreq, otlpd_send_status st, int64_t retry_after_ns,
                   size_t rejected, const char *msg) {
  otlpd_send_result r = {st, retry_after_ns, rejected, msg};
  otlpd_sender_done(sreq, &r);
}

static void live_add(otlpgrpc_exporter *e, otlpgrpc_attempt *a) {
  a->live_prev = NULL;
  a->live_next = e->live;
  if (e->live) e->live->live_prev = a;
  e->live = a;
}

static void live_remove(otlpgrpc_exporter *e, otlpgrpc_attempt *a) {
  if (a->live_prev)
    a->live_prev->live_next = a->live_next;
  else if (e->live == a)
    e->live = a->live_next;
  if (a->live_next) a->live_next->live_prev = a->live_prev;
  a->live_prev = a->live_next = NULL;
}

/* The batch's request message, built once per request. 0 or negative errno. */
static int body_encode(otlpgrpc_attempt *a, otlpd_send_req *sreq) {
  size_t charged = 0;
  int rc = otlpgrpc_body_build(sreq->batch, &a->body, &charged);
  if (rc < 0) return rc;
  otlpd_sender_charge(sreq, charged);
  return 0;
}

/* Frees what one call took; the attempt itself stays for the next try. */
void otlpgrpc_attempt_discard(otlpgrpc_attempt *a) {
  if (a->call) grpc_call_unref(a->call);
  a->call = NULL;
  if (a->request) grpc_byte_buffer_destroy(a->request);
  if (a->response) grpc_byte_buffer_destroy(a->response);
  a->request = a->response = NULL;
  grpc_metadata_array_destroy(&a->initial_md);
  grpc_metadata_array_destroy(&a->trailing_md);
  grpc_metadata_array_init(&a->initial_md); /* discard may run twice */
  grpc_metadata_array_init(&a->trailing_md);
  grpc_slice_unref(a->details);
  a->details = grpc_empty_slice();
  gpr_free((void *)a->error_string);
  a->error_string = NULL;
}

/* The status-details trailer's bytes, or NULL. */
static const grpc_slice *details_trailer(const grpc_metadata_array *md) {
  for (size_t i = 0; i < md->count; i++)
    if (grpc_slice_str_cmp(md->metadata[i].key, DETAILS_KEY) == 0) return &md->metadata[i].value;
  return NULL;
}

/* The response message as one contiguous slice (empty if none). */
static grpc_slice response_bytes(grpc_byte_buffer *bb) {
  grpc_byte_buffer_reader r;
  if (!bb || !grpc_byte_buffer_reader_init(&r, bb)) return grpc_empty_slice();
  grpc_slice s = grpc_byte_buffer_reader_readall(&r);
  grpc_byte_buffer_reader_destroy(&r);
  return s;
}

static void describe(const otlpgrpc_attempt *a, char *msg, size_t cap) {
  const char *name = otlpgrpc_status_name((int)a->status);
  size_t dn = GRPC_SLICE_LENGTH(a->details);
  snprintf(msg, cap, "gRPC %s%s%d%s%s%.*s", name ? name : "status ", name ? " (" : "", (int)a->status,
           name ? ")" : "", dn ? ": " : "", (int)(dn > 200 ? 200 : dn),
           (const char *)GRPC_SLICE_START_PTR(a->details));
}

/* The call succeeded: a partial_success may still reject items. */
static void answer_ok(otlpgrpc_attempt *a, otlpd_send_req *sreq) {
  grpc_slice body = response_bytes(a->response);
  char why[256];
  int64_t rejected = otlpgrpc_partial_rejected(sreq->signal, GRPC_SLICE_START_PTR(body),
                                               GRPC_SLICE_LENGTH(body), why, sizeof(why));
  grpc_slice_unref(body);
  otlpgrpc_attempt_discard(a);
  if (rejected > 0) {
    char msg[300];
    snprintf(msg, sizeof(msg), "partial success: %s", why[0] ? why : "(no message)");
    finish(sreq, OTLPD_SEND_PARTIAL, 0, (size_t)rejected, msg);
  } else {
    finish(sreq, OTLPD_SEND_OK, 0, 0, NULL);
  }
}

void otlpgrpc_attempt_completed(otlpgrpc_attempt *a) {
  otlpd_send_req *sreq = a->sreq;
  live_remove(a->e, a);
  if (!a->ok) { /* the batch itself failed: no status was received */
    otlpgrpc_attempt_discard(a);
    finish(sreq, OTLPD_SEND_RETRYABLE, 0, 0, "gRPC call failed before a status arrived");
    return;
  }
  if (a->status == GRPC_STATUS_OK) {
    answer_ok(a, sreq);
    return;
  }
  const grpc_slice *d = details_trailer(&a->trailing_md);
  int64_t hint = 0;
  otlpd_send_status st = otlpgrpc_status_classify(
      (int)a->status, d ? GRPC_SLICE_START_PTR(*d) : NULL, d ? GRPC_SLICE_LENGTH(*d) : 0, &hint);
  char msg[320];
  describe(a, msg, sizeof(msg));
  otlpgrpc_attempt_discard(a);
  finish(sreq, st, hint, 0, msg);
}

static int start_call(otlpgrpc_exporter *e, otlpgrpc_attempt *a, otlpd_send_req *sreq) {
  gpr_timespec deadline =
      sreq->timeout_ns > 0 ? gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                                          gpr_time_from_nanos(sreq->timeout_ns, GPR_TIMESPAN))
                           : gpr_inf_future(GPR_CLOCK_MONOTONIC);
  a->call = grpc_channel_create_registered_call(e->channel, NULL, GRPC_PROPAGATE_DEFAULTS, e->cq,
                                                e->method[sreq->signal], deadline, NULL);
  if (!a->call) return -ENOMEM;
  a->request = otlpgrpc_body_message(a->body);
  grpc_metadata_array_init(&a->initial_md);
  grpc_metadata_array_init(&a->trailing_md);
  a->details = grpc_empty_slice();
  a->status = GRPC_STATUS_UNKNOWN;
  grpc_op ops[6];
  memset(ops, 0, sizeof(ops));
  otlpgrpc_auth_refresh(e); /* a rotated token file: later calls carry the new token */
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[0].data.send_initial_metadata.count = e->n_md;
  ops[0].data.send_initial_metadata.metadata = e->md;
  if (e->cfg->wait_for_ready)
    ops[0].flags = GRPC_INITIAL_METADATA_WAIT_FOR_READY | GRPC_INITIAL_METADATA_WAIT_FOR_READY_EXPLICITLY_SET;
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = a->request;
  ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[3].data.recv_initial_metadata.recv_initial_metadata = &a->initial_md;
  ops[4].op = GRPC_OP_RECV_MESSAGE;
  ops[4].data.recv_message.recv_message = &a->response;
  ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[5].data.recv_status_on_client.trailing_metadata = &a->trailing_md;
  ops[5].data.recv_status_on_client.status = &a->status;
  ops[5].data.recv_status_on_client.status_details = &a->details;
  ops[5].data.recv_status_on_client.error_string = &a->error_string;
  void *tag = otlpgrpc_thread_tag(a);
  otlpgrpc_thread_call_started(e); /* before the call can complete */
  if (grpc_call_start_batch(a->call, ops, 6, tag, NULL) != GRPC_CALL_OK) {
    otlpgrpc_thread_unstarted(e);
    otlpgrpc_attempt_discard(a);
    return -EIO;
  }
  live_add(e, a);
  return 0;
}

static void send_attempt(void *exporter, otlpd_send_req *sreq) {
  otlpgrpc_exporter *e = exporter;
  if (!e->channel) {
    finish(sreq, OTLPD_SEND_RETRYABLE, 0, 0, "gRPC channel not open");
    return;
  }
  otlpgrpc_attempt *a = sreq->user;
  if (!a) {
    if (!(a = calloc(1, sizeof(*a)))) {
      finish(sreq, OTLPD_SEND_RETRYABLE, 0, 0, "out of memory");
      return;
    }
    a->e = e;
    a->sreq = sreq;
    a->details = grpc_empty_slice();
    sreq->user = a;
  }
  if (!a->body) {
    int rc = body_encode(a, sreq);
    if (rc < 0) {
      finish(sreq, rc == -ENOMEM ? OTLPD_SEND_RETRYABLE : OTLPD_SEND_PERMANENT, 0, 0,
             rc == -ENOMEM ? "out of memory encoding" : "data cannot be encoded");
      return;
    }
  }
  int rc = start_call(e, a, sreq);
  if (rc < 0) finish(sreq, OTLPD_SEND_RETRYABLE, 0, 0, "cannot start the gRPC call");
}

static void release(void *exporter, otlpd_send_req *sreq) {
  (void)exporter;
  otlpgrpc_attempt *a = sreq->user;
  if (!a) return;
  otlpgrpc_attempt_discard(a);
  otlpgrpc_body_release(a->body);
  free(a);
  sreq->user = NULL;
}

static void cancel(void *exporter, otlpd_send_req *sreq) {
  (void)exporter;
  otlpgrpc_attempt *a = sreq->user;
  if (a && a->call) grpc_call_cancel(a->call, NULL);
}

void otlpgrpc_cancel_all(otlpgrpc_exporter *e) {
  for (otlpgrpc_attempt *a = e->live; a; a = a->live_next)
    if (a->call) grpc_call_cancel(a->call, NULL);
}

const otlpd_sender_ops otlpgrpc_sender_ops = {
    .send = send_attempt,
    .release = release,
    .cancel = cancel,
};
