/* gRPC status classification and a bounds-checked reader of the
 * google.rpc.Status / Any / RetryInfo / Duration wire format; see
 * otlpgrpc_status.h. Hand-decoded: four tiny messages, no allocation. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "otlpgrpc_status.h"

/* google.rpc.Code values (the same numbers as grpc_status_code). */
enum {
  CODE_OK = 0,
  CODE_CANCELLED = 1,
  CODE_DEADLINE_EXCEEDED = 4,
  CODE_RESOURCE_EXHAUSTED = 8,
  CODE_ABORTED = 10,
  CODE_OUT_OF_RANGE = 11,
  CODE_UNAVAILABLE = 14,
  CODE_DATA_LOSS = 15,
};

typedef struct reader {
  const uint8_t *p, *end;
} reader;

/* 0 or -EINVAL (truncated, or longer than 10 bytes). */
static int read_varint(reader *r, uint64_t *out) {
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 70; shift += 7) {
    if (r->p >= r->end) return -EINVAL;
    uint8_t b = *r->p++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return 0;
    }
  }
  return -EINVAL;
}

/* One field's tag; for length-delimited fields also its bytes. */
typedef struct field {
  uint32_t num;
  unsigned wire;
  uint64_t value;               /* varint */
  const uint8_t *data;          /* length-delimited */
  size_t len;
} field;

static int skip(reader *r, size_t n) {
  if ((size_t)(r->end - r->p) < n) return -EINVAL;
  r->p += n;
  return 0;
}

static int next_field(reader *r, field *f) {
  uint64_t tag;
  if (read_varint(r, &tag) < 0) return -EINVAL;
  f->num = (uint32_t)(tag >> 3);
  f->wire = (unsigned)(tag & 7);
  if (f->num == 0 || (tag >> 3) > 0x1fffffff) return -EINVAL;
  switch (f->wire) {
  case 0:
    return read_varint(r, &f->value);
  case 1:
    return skip(r, 8);
  case 5:
    return skip(r, 4);
  case 2: {
    uint64_t len;
    if (read_varint(r, &len) < 0 || len > (uint64_t)(r->end - r->p)) return -EINVAL;
    f->data = r->p;
    f->len = (size_t)len;
    r->p += len;
    return 0;
  }
  default: /* groups (3, 4) are not in these messages; 6, 7 do not exist */
    return -EINVAL;
  }
}

/* google.protobuf.Duration {int64 seconds = 1; int32 nanos = 2;} */
static int read_duration(const uint8_t *p, size_t n, int64_t *ns) {
  reader r = {p, p + n};
  int64_t sec = 0, nanos = 0;
  field f;
  while (r.p < r.end) {
    if (next_field(&r, &f) < 0) return -EINVAL;
    if (f.wire != 0) continue;
    if (f.num == 1) sec = (int64_t)f.value;
    if (f.num == 2) nanos = (int32_t)(uint32_t)f.value;
  }
  /* Negative or out-of-range parts mean "no particular wait". */
  if (sec < 0 || nanos < 0 || nanos >= 1000000000) sec = nanos = 0;
  if (sec >= OTLPGRPC_MAX_RETRY_DELAY_NS / 1000000000LL)
    *ns = OTLPGRPC_MAX_RETRY_DELAY_NS;
  else
    *ns = sec * 1000000000LL + nanos;
  return 0;
}

/* google.rpc.RetryInfo {Duration retry_delay = 1;} */
static int read_retry_info(const uint8_t *p, size_t n, int64_t *ns) {
  reader r = {p, p + n};
  field f;
  *ns = 0;
  while (r.p < r.end) {
    if (next_field(&r, &f) < 0) return -EINVAL;
    if (f.num == 1 && f.wire == 2 && read_duration(f.data, f.len, ns) < 0) return -EINVAL;
  }
  return 0;
}

/* google.protobuf.Any {string type_url = 1; bytes value = 2;}: 1 when it
 * is a RetryInfo (*ns set), 0 when it is something else. */
static int read_any(const uint8_t *p, size_t n, int64_t *ns) {
  reader r = {p, p + n};
  field f;
  const uint8_t *type = NULL, *value = NULL;
  size_t type_len = 0, value_len = 0;
  while (r.p < r.end) {
    if (next_field(&r, &f) < 0) return -EINVAL;
    if (f.wire != 2) continue;
    if (f.num == 1) type = f.data, type_len = f.len;
    if (f.num == 2) value = f.data, value_len = f.len;
  }
  size_t want = sizeof(OTLPGRPC_RETRY_INFO_TYPE) - 1;
  if (!type || type_len != want || memcmp(type, OTLPGRPC_RETRY_INFO_TYPE, want) != 0) return 0;
  if (read_retry_info(value ? value : p, value ? value_len : 0, ns) < 0) return -EINVAL;
  return 1;
}

int otlpgrpc_status_retry_delay(const uint8_t *p, size_t n, int64_t *delay_ns) {
  reader r = {p, p + n};
  field f;
  int found = 0;
  int64_t ns = 0;
  *delay_ns = 0;
  if (!p) return n ? -EINVAL : 0;
  while (r.p < r.end) {
    if (next_field(&r, &f) < 0) return -EINVAL;
    if (f.num != 3 || f.wire != 2 || found) continue; /* code, message: not needed */
    int rc = read_any(f.data, f.len, &ns);
    if (rc < 0) return -EINVAL;
    if (rc == 1) found = 1;
  }
  /* Only a Status that reads to its end counts (fuzz_grpc_status_details
   * found a delay reported with -EINVAL when junk followed the RetryInfo). */
  if (found) *delay_ns = ns;
  return found;
}

static bool retryable_code(int code) {
  switch (code) {
  case CODE_CANCELLED:
  case CODE_DEADLINE_EXCEEDED:
  case CODE_ABORTED:
  case CODE_OUT_OF_RANGE:
  case CODE_UNAVAILABLE:
  case CODE_DATA_LOSS:
    return true;
  default:
    return false;
  }
}

otlpd_send_status otlpgrpc_status_classify(int code, const uint8_t *details, size_t n,
                                           int64_t *retry_after_ns) {
  *retry_after_ns = 0;
  if (code == CODE_OK) return OTLPD_SEND_OK;
  int64_t delay = 0;
  /* Malformed details are as good as none: the code alone decides. */
  bool has_info = details && n && otlpgrpc_status_retry_delay(details, n, &delay) == 1;
  if (retryable_code(code) || (code == CODE_RESOURCE_EXHAUSTED && has_info)) {
    if (has_info) *retry_after_ns = delay;
    return OTLPD_SEND_RETRYABLE;
  }
  return OTLPD_SEND_PERMANENT;
}

const char *otlpgrpc_status_name(int code) {
  static const char *const names[] = {
      "OK",           "CANCELLED",       "UNKNOWN",          "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND",   "ALREADY_EXISTS",   "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL",       "UNAVAILABLE",      "DATA_LOSS",
      "UNAUTHENTICATED",
  };
  if (code < 0 || (size_t)code >= sizeof(names) / sizeof(names[0])) return NULL;
  return names[code];
}
