/* max_connections bookkeeping of the gRPC listener: a connection counts
 * while its descriptor still names the socket that was admitted; one
 * closed (or whose number now names another socket) frees its place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../receivers/otlp/grpc_server.h"

static void pair(int *a, int *b) {
  int sv[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  *a = sv[0];
  *b = sv[1];
}

static void test_cap(void **state) {
  (void)state;
  otlp_grpc_conn_cap c;
  assert_int_equal(otlp_grpc_cap_init(&c, 2), 0);
  int a, pa, b, pb, x, px;
  pair(&a, &pa);
  pair(&b, &pb);
  pair(&x, &px);
  assert_true(otlp_grpc_cap_admit(&c, a));
  assert_true(otlp_grpc_cap_admit(&c, b));
  assert_false(otlp_grpc_cap_admit(&c, x)); /* full: both still open */
  close(a);                                 /* as gRPC core would */
  assert_true(otlp_grpc_cap_admit(&c, x));
  assert_false(otlp_grpc_cap_admit(&c, x)); /* full again */
  /* b's number reused by another socket: the old entry is stale */
  close(b);
  int y, py;
  pair(&y, &py);
  if (y != b) { /* the lowest free number is normally b's: dup onto it */
    assert_int_equal(dup2(y, b), b);
    close(y);
    y = b;
  }
  assert_true(otlp_grpc_cap_admit(&c, y));
  otlp_grpc_cap_free(&c);
  close(x), close(y), close(pa), close(pb), close(px), close(py);
}

static void test_unlimited(void **state) {
  (void)state;
  otlp_grpc_conn_cap c;
  assert_int_equal(otlp_grpc_cap_init(&c, 0), 0);
  for (int i = 0; i < 10; i++) assert_true(otlp_grpc_cap_admit(&c, 0));
  otlp_grpc_cap_free(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cap),
      cmocka_unit_test(test_unlimited),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
