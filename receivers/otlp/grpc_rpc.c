/* One OTLP Export call: requested (metadata only), authenticated, its
 * message received and decoded on the gRPC thread, ingested and answered on
 * the loop thread, freed on the gRPC thread when the reply batch
 * completes. A slow credential check goes gRPC thread -> loop ->
 * threadpool, which starts the receive (grpc_auth.c). */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/byte_buffer_reader.h>

#include "grpc_server.h"
#include "otlpd/codec.h"

int otlp_grpc_rpc_request(otlp_grpc *g, bool unknown, otlpd_signal s) {
  otlp_grpc_rpc *rpc = calloc(1, sizeof(*rpc));
  if (!rpc) {
    otlpd_error(g->log, "grpc: cannot request a call: out of memory");
    return -ENOMEM;
  }
  rpc->g = g;
  rpc->unknown = unknown;
  rpc->signal = s;
  grpc_metadata_array_init(&rpc->metadata);
  grpc_call_details_init(&rpc->details);
  atomic_fetch_add(&g->live, 1);
  grpc_call_error e;
  if (unknown)
    e = grpc_server_request_call(g->server, &rpc->call, &rpc->details, &rpc->metadata, g->cq, g->cq, rpc);
  else
    e = grpc_server_request_registered_call(g->server, g->methods[s], &rpc->call, &rpc->deadline,
                                            &rpc->metadata, NULL, g->cq, g->cq, rpc);
  if (e != GRPC_CALL_OK) {
    otlpd_error(g->log, "grpc: cannot request a call: %s", grpc_call_error_to_string(e));
    otlp_grpc_rpc_free(rpc);
    return -EIO;
  }
  return 0;
}

/* A slot lost to a failed request is counted, not forgotten: the gRPC
 * thread retries it (otlp_grpc_rpc_rearm), so the server keeps its calls
 * per method. */
static void request_or_count(otlp_grpc *g, bool unknown, otlpd_signal s) {
  if (otlp_grpc_rpc_request(g, unknown, s) != 0) g->missing[unknown ? OTLPD_SIGNAL_COUNT : s]++;
}

bool otlp_grpc_rpc_rearm(otlp_grpc *g) {
  bool left = false;
  for (int i = 0; i <= OTLPD_SIGNAL_COUNT; i++) {
    bool unknown = i == OTLPD_SIGNAL_COUNT;
    while (g->missing[i] > 0 && !atomic_load(&g->closing)) {
      if (otlp_grpc_rpc_request(g, unknown, unknown ? 0 : (otlpd_signal)i) != 0) break;
      g->missing[i]--;
      otlpd_info(g->log, "grpc: call slot re-requested");
    }
    if (g->missing[i] > 0 && !atomic_load(&g->closing)) left = true;
  }
  return left;
}

bool otlp_grpc_deadline_passed(gpr_timespec deadline, gpr_timespec now) {
  gpr_timespec d = gpr_convert_clock_type(deadline, now.clock_type);
  return gpr_time_cmp(d, now) <= 0;
}

static bool past_deadline(const otlp_grpc_rpc *rpc) {
  gpr_timespec d = rpc->unknown ? rpc->details.deadline : rpc->deadline;
  return otlp_grpc_deadline_passed(d, gpr_now(GPR_CLOCK_MONOTONIC));
}

/* Decoded requests waiting for the loop count as held memory, so the
 * early refusal on the gRPC thread sees them; otlp_ingest charges the
 * payload itself, so the charge is dropped just before. */
static void charge(otlp_grpc_rpc *rpc) {
  otlpd_memacct *m = rpc->g->r->host->mem;
  if (!m || !rpc->arena) return;
  rpc->charged = otlpd_arena_footprint(rpc->arena);
  otlpd_memacct_charge(m, rpc->charged);
}

void otlp_grpc_rpc_uncharge(otlp_grpc_rpc *rpc) {
  if (!rpc->charged) return;
  otlpd_memacct_release(rpc->g->r->host->mem, rpc->charged);
  rpc->charged = 0;
}

void otlp_grpc_rpc_free(otlp_grpc_rpc *rpc) {
  otlp_grpc *g = rpc->g;
  otlp_grpc_rpc_auth_drop(rpc);
  otlp_grpc_rpc_uncharge(rpc);
  if (rpc->call) grpc_call_unref(rpc->call);
  grpc_metadata_array_destroy(&rpc->metadata);
  grpc_call_details_destroy(&rpc->details);
  if (rpc->payload) grpc_byte_buffer_destroy(rpc->payload);
  if (rpc->response) grpc_byte_buffer_destroy(rpc->response);
  otlpd_arena_free(rpc->arena);
  free(rpc);
  atomic_fetch_sub(&g->live, 1);
}

/* Export*ServiceResponse, with partial_success only when something was
 * rejected (an empty response means full success). NULL on ENOMEM. */
static grpc_byte_buffer *encode_response(otlpd_signal s, size_t rejected, const char *why) {
  otlp_response resp;
  ProtobufCMessage *m = otlp_response_build(&resp, s, rejected, why);
  size_t n = protobuf_c_message_get_packed_size(m);
  grpc_slice sl = n ? grpc_slice_malloc(n) : grpc_empty_slice();
  if (n) protobuf_c_message_pack(m, GRPC_SLICE_START_PTR(sl));
  grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&sl, 1);
  grpc_slice_unref(sl);
  return bb;
}

/* Any thread (grpc_call_start_batch is thread-safe). Once the batch is
 * started the gRPC thread owns rpc again: it frees it on completion. */
void otlp_grpc_rpc_reply(otlp_grpc_rpc *rpc, grpc_status_code code, const char *msg, size_t rejected) {
  grpc_op ops[4];
  memset(ops, 0, sizeof(ops));
  size_t n = 0;
  ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
  if (code == GRPC_STATUS_OK && !rpc->unknown) {
    rpc->response = encode_response(rpc->signal, rejected, msg);
    if (rpc->response) {
      ops[n].op = GRPC_OP_SEND_MESSAGE;
      ops[n++].data.send_message.send_message = rpc->response;
    } else {
      code = GRPC_STATUS_UNAVAILABLE;
      msg = "out of memory";
    }
  }
  bool with_details = code != GRPC_STATUS_OK && msg;
  grpc_slice details = with_details ? grpc_slice_from_copied_string(msg) : grpc_empty_slice();
  ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
  ops[n].data.send_status_from_server.status = code;
  ops[n++].data.send_status_from_server.status_details = with_details ? &details : NULL;
  ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
  ops[n++].data.recv_close_on_server.cancelled = &rpc->cancelled;
  /* Nothing of rpc is read once the flag is set: the gRPC thread may
   * free it as soon as the batch completes. */
  grpc_call *call = rpc->call;
  atomic_store_explicit(&rpc->replying, true, memory_order_release);
  grpc_call_error e = grpc_call_start_batch(call, ops, n, rpc, NULL);
  grpc_slice_unref(details);
  if (e != GRPC_CALL_OK) {
    /* Only a bug in the ops above gets here; the call is dropped. */
    otlpd_error(rpc->g->log, "grpc: cannot send a reply: %s", grpc_call_error_to_string(e));
    otlp_grpc_rpc_free(rpc);
  }
}

static void reply_expired(otlp_grpc_rpc *rpc) {
  otlpd_debug(rpc->g->log, "grpc: %s call past its deadline; not ingested", otlpd_signal_name(rpc->signal));
  otlp_grpc_rpc_reply(rpc, GRPC_STATUS_DEADLINE_EXCEEDED, "deadline passed before the data was taken; not ingested", 0);
}

/* Payload -> decoded request in a fresh arena. Returns a gRPC status. */
static grpc_status_code decode(otlp_grpc_rpc *rpc, char *err, size_t errlen) {
  otlp_grpc_msg msg;
  grpc_status_code open = otlp_grpc_msg_open(rpc->g, rpc->payload, &msg, err, errlen);
  grpc_byte_buffer_destroy(rpc->payload);
  rpc->payload = NULL;
  if (open != GRPC_STATUS_OK) return open;
  size_t len = msg.len;
  otlpd_memacct *mem = rpc->g->r->host->mem;
  /* our copy of the message, while decoding (an inflated one is charged
   * by the inflater) */
  size_t held = msg.has_flat ? len : 0;
  otlpd_memacct_charge(mem, held);
  grpc_status_code code = GRPC_STATUS_OK;
  otlp_decode_limit lim = otlp_decode_limit_for(mem, len);
  rpc->arena = otlpd_arena_new(otlp_decode_first_block(otlpd_arena_sizer_guess(&rpc->g->sizer, len), &lim));
  if (!rpc->arena) {
    snprintf(err, errlen, "out of memory");
    code = GRPC_STATUS_UNAVAILABLE;
  } else {
    otlpd_arena_set_limit(rpc->arena, lim.max);
    rpc->req = otlp_decode_pb(rpc->g->r, rpc->signal, msg.p, len, rpc->arena, err, errlen, &rpc->raw);
    if (rpc->req) {
      otlpd_arena_sizer_learn(&rpc->g->sizer, len, rpc->arena);
    } else if (otlpd_arena_hit_limit(rpc->arena) && lim.by_budget) {
      snprintf(err, errlen, "collector memory budget is too low for this request now; retry later");
      code = GRPC_STATUS_UNAVAILABLE;
    } else if (otlpd_arena_hit_limit(rpc->arena)) {
      snprintf(err, errlen, "request decodes to more memory than allowed (32 times its size); send smaller batches");
      code = GRPC_STATUS_INVALID_ARGUMENT;
    } else {
      code = GRPC_STATUS_INVALID_ARGUMENT;
    }
  }
  otlp_grpc_msg_close(rpc->g, &msg);
  otlpd_memacct_release(mem, held);
  return code;
}

/* Cheap early refusals (the flags are atomics): skip work whose data
 * would be refused anyway. The loop re-checks in otlp_ingest. true when
 * the call was answered. */
static bool refused_early(otlp_grpc_rpc *rpc) {
  otlp_grpc *g = rpc->g;
  if (atomic_load(&g->closing)) {
    otlp_grpc_rpc_reply(rpc, GRPC_STATUS_UNAVAILABLE, "collector is shutting down", 0);
    return true;
  }
  if (past_deadline(rpc)) {
    reply_expired(rpc);
    return true;
  }
  if (otlpd_memacct_over(g->r->host->mem)) {
    otlp_grpc_rpc_reply(rpc, GRPC_STATUS_UNAVAILABLE, "collector is over its memory limit", 0);
    return true;
  }
  return false;
}

void otlp_grpc_rpc_receive(otlp_grpc_rpc *rpc) {
  grpc_op op;
  memset(&op, 0, sizeof(op));
  op.op = GRPC_OP_RECV_MESSAGE;
  op.data.recv_message.recv_message = &rpc->payload;
  grpc_call *call = rpc->call;
  atomic_store_explicit(&rpc->receiving, true, memory_order_release);
  grpc_call_error e = grpc_call_start_batch(call, &op, 1, rpc, NULL);
  if (e != GRPC_CALL_OK) {
    atomic_store(&rpc->receiving, false);
    otlpd_error(rpc->g->log, "grpc: cannot receive a message: %s", grpc_call_error_to_string(e));
    otlp_grpc_rpc_reply(rpc, GRPC_STATUS_INTERNAL, "cannot receive the message", 0);
  }
}

/* A new call, its metadata only: refuse early, or authenticate it before
 * a byte of its message is read. */
static void on_call(otlp_grpc_rpc *rpc) {
  if (refused_early(rpc)) return;
  switch (otlp_grpc_rpc_authenticate(rpc)) {
  case 0: otlp_grpc_rpc_receive(rpc); break;
  case 2: otlp_grpc_handoff_push(rpc->g, rpc); break; /* slow check: the loop queues it */
  default: break;                                     /* answered, nothing received */
  }
}

/* The memory budget left cannot hold what requests of this size decoded
 * to lately: refuse before flattening and decoding (the decode would stop
 * at the budget with the same answer, after doing most of the work). */
static bool refused_for_budget(otlp_grpc_rpc *rpc) {
  otlp_grpc *g = rpc->g;
  size_t len = grpc_byte_buffer_length(rpc->payload);
  otlp_decode_limit lim = otlp_decode_limit_for(g->r->host->mem, len);
  size_t need = g->sizer.ratio16 ? len / 16 * g->sizer.ratio16 : len;
  if (!lim.by_budget || lim.max >= need) return false;
  otlp_grpc_rpc_reply(rpc, GRPC_STATUS_UNAVAILABLE, "collector memory budget is too low for this request now; retry later", 0);
  return true;
}

/* The call's message arrived. */
static void on_message(otlp_grpc_rpc *rpc) {
  otlp_grpc *g = rpc->g;
  if (!rpc->payload) {
    otlp_grpc_rpc_reply(rpc, GRPC_STATUS_INVALID_ARGUMENT, "the call carries no request message", 0);
    return;
  }
  if (refused_early(rpc) || refused_for_budget(rpc)) return;
  char err[256] = "";
  grpc_status_code code = decode(rpc, err, sizeof(err));
  if (code != GRPC_STATUS_OK) {
    otlpd_debug(g->log, "grpc: refusing %s request: %s", otlpd_signal_name(rpc->signal), err);
    otlpd_arena_free(rpc->arena);
    rpc->arena = NULL;
    otlp_grpc_rpc_reply(rpc, code, err, 0);
    return;
  }
  otlp_grpc_rpc_client_info(rpc, rpc->subject);
  charge(rpc);
  otlp_grpc_handoff_push(g, rpc);
}

void otlp_grpc_rpc_event(otlp_grpc_rpc *rpc, bool ok) {
  otlp_grpc *g = rpc->g;
  /* reply done, a request failed by shutdown, or a receive that failed
   * (the call was cancelled) */
  if (atomic_load_explicit(&rpc->replying, memory_order_acquire) || !ok) {
    otlp_grpc_rpc_free(rpc);
    return;
  }
  if (atomic_exchange_explicit(&rpc->receiving, false, memory_order_acq_rel)) {
    on_message(rpc);
    return;
  }
  if (!atomic_load(&g->closing)) request_or_count(g, rpc->unknown, rpc->signal);
  if (rpc->unknown) {
    char msg[200];
    snprintf(msg, sizeof(msg), "unknown method %.*s", (int)GRPC_SLICE_LENGTH(rpc->details.method),
             (const char *)GRPC_SLICE_START_PTR(rpc->details.method));
    otlp_grpc_rpc_reply(rpc, GRPC_STATUS_UNIMPLEMENTED, msg, 0);
    return;
  }
  on_call(rpc);
}

static void reply_result(otlp_grpc_rpc *rpc, const otlp_ingest_result *res) {
  switch (res->status) {
  case OTLP_INGEST_OK: otlp_grpc_rpc_reply(rpc, GRPC_STATUS_OK, res->message, res->rejected); break;
  case OTLP_INGEST_RETRY: otlp_grpc_rpc_reply(rpc, GRPC_STATUS_UNAVAILABLE, res->message, 0); break;
  default: otlp_grpc_rpc_reply(rpc, GRPC_STATUS_INVALID_ARGUMENT, res->message, 0); break;
  }
}

/* Loop: the durable writes the call waited for are done (otlpd/durable.h).
 * The wait lives in the rpc: nothing allocated per call. */
static void wait_done(otlpd_durable *d, int err) {
  otlp_grpc_rpc *rpc = (otlp_grpc_rpc *)((char *)d - offsetof(otlp_grpc_rpc, wait));
  otlp_ingest_result res = rpc->result;
  otlp_ingest_settle(rpc->g->r->host->counters, rpc->signal, res.waiting, err);
  if (err && res.status == OTLP_INGEST_OK) {
    res.status = OTLP_INGEST_RETRY;
    res.message = "the persistent queue could not store the data; retry later";
  }
  reply_result(rpc, &res);
}

/* Loop thread: the pipeline decides, then the client hears it. */
void otlp_grpc_rpc_deliver(otlp_grpc_rpc *rpc) {
  otlp_grpc_rpc_uncharge(rpc);
  if (past_deadline(rpc)) { /* waited on the loop past its deadline */
    otlpd_count(&rpc->g->r->host->counters->refused[rpc->signal], otlpd_request_items(rpc->signal, rpc->req));
    otlpd_arena_free(rpc->arena);
    rpc->arena = NULL;
    rpc->req = NULL;
    reply_expired(rpc);
    return;
  }
  rpc->wait = (otlpd_durable){1, 0, wait_done, NULL}; /* our own hold */
  rpc->result = otlp_ingest_wait(rpc->g->r, rpc->signal, rpc->arena, rpc->req, &rpc->raw, rpc->client, &rpc->wait);
  rpc->arena = NULL; /* otlp_ingest owns it now */
  rpc->req = NULL;
  /* Held by durable exporters: the answer waits for their writes (and the
   * rpc must outlive their hold); else wait_done answers now. */
  otlpd_durable_release(&rpc->wait, 0);
}
