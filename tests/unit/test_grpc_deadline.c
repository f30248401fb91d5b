/* The gRPC receiver's deadline check: a call whose client has given up
 * is answered DEADLINE_EXCEEDED and not ingested (its retry would
 * duplicate the data). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../receivers/otlp/grpc_server.h"

static void test_deadline_passed(void **state) {
  (void)state;
  gpr_timespec now = gpr_now(GPR_CLOCK_MONOTONIC);
  gpr_timespec ms = gpr_time_from_millis(1, GPR_TIMESPAN);
  assert_true(otlp_grpc_deadline_passed(gpr_time_sub(now, ms), now));
  assert_true(otlp_grpc_deadline_passed(now, now));
  assert_false(otlp_grpc_deadline_passed(gpr_time_add(now, gpr_time_from_seconds(5, GPR_TIMESPAN)), now));
  /* no deadline: never passes */
  assert_false(otlp_grpc_deadline_passed(gpr_inf_future(GPR_CLOCK_REALTIME), now));
  assert_false(otlp_grpc_deadline_passed(gpr_inf_future(GPR_CLOCK_MONOTONIC), now));
}

/* gRPC core hands deadlines in its own clock; the check converts. */
static void test_deadline_other_clock(void **state) {
  (void)state;
  gpr_timespec now = gpr_now(GPR_CLOCK_MONOTONIC);
  gpr_timespec real = gpr_now(GPR_CLOCK_REALTIME);
  gpr_timespec sec = gpr_time_from_seconds(1, GPR_TIMESPAN);
  assert_true(otlp_grpc_deadline_passed(gpr_time_sub(real, sec), now));
  assert_false(otlp_grpc_deadline_passed(gpr_time_add(real, gpr_time_from_seconds(60, GPR_TIMESPAN)), now));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_deadline_passed),
      cmocka_unit_test(test_deadline_other_clock),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
