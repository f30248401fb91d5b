/* memory_limiter: limits from limit_mib / percentages (cgroup v2, v1,
 * unlimited, missing files in fixture trees), otelcol's validation rules
 * with full key paths, and refusal above the soft limit and recovery below
 * it: nothing reaches the next consumer while refused, items in = items
 * out once accepted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "../../collector/processors/memory_limiter/memory_limiter.h"
#include "../../collector/processors/memory_limiter/memory_total.h"
#include "batch_fixtures.h"
#include "otlpd/config.h"

extern const otlpd_factory otlpd_processor_memory_limiter;

#define MIB (1024ull * 1024)
#define GIB (1024 * MIB)

/* ---- fixture trees ---- */

static char *make_root(void) {
  char tmpl[] = "/tmp/otlpd-memlim.XXXXXX";
  char *d = mkdtemp(tmpl);
  assert_non_null(d);
  return strdup(d);
}

/* Writes root/rel, creating its directories. */
static void put(const char *root, const char *rel, const char *text) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", root, rel);
  for (char *p = path + strlen(root) + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    mkdir(path, 0755);
    *p = '/';
  }
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void remove_root(char *root) {
  char cmd[4200];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
  assert_int_equal(system(cmd), 0);
  free(root);
}

static const char MEMINFO_16G[] = "MemTotal:       16777216 kB\nMemFree:         1000000 kB\n";

static void test_v2_own_cgroup(void **state) {
  (void)state;
  char *root = make_root();
  put(root, "proc/self/cgroup", "0::/kubepods/pod1/c1\n");
  put(root, "sys/fs/cgroup/kubepods/pod1/c1/memory.max", "1073741824\n");
  put(root, "sys/fs/cgroup/memory.max", "max\n");
  put(root, "proc/meminfo", MEMINFO_16G);
  uint64_t total = 0;
  const char *src = NULL;
  assert_int_equal(otlpd_mem_total(root, &total, &src), 0);
  assert_int_equal(total, 1 * GIB);
  assert_string_equal(src, "cgroup v2 memory.max");

  memlim_cfg c = {.check_interval = 1, .limit_percentage = 50, .spike_limit_percentage = 10};
  memlim_limits l;
  assert_int_equal(memlim_compute(&c, root, &l), 0);
  assert_int_equal(l.hard, 512 * MIB);
  assert_int_equal(l.spike, GIB / 10);
  assert_int_equal(l.total, GIB);
  c.spike_limit_percentage = 0; /* default: 20 % of the limit */
  assert_int_equal(memlim_compute(&c, root, &l), 0);
  assert_int_equal(l.spike, l.hard / 5);
  remove_root(root);
}

/* A cgroup namespace (path "/") or a container that sees only its own
 * subtree: the file at the mount's top applies. */
static void test_v2_namespaced_and_hidden_path(void **state) {
  (void)state;
  char *root = make_root();
  put(root, "proc/self/cgroup", "0::/\n");
  put(root, "sys/fs/cgroup/memory.max", "268435456\n");
  put(root, "proc/meminfo", MEMINFO_16G);
  uint64_t total = 0;
  const char *src = NULL;
  assert_int_equal(otlpd_mem_total(root, &total, &src), 0);
  assert_int_equal(total, 256 * MIB);
  put(root, "proc/self/cgroup", "0::/system.slice/otlpd.service\n");
  assert_int_equal(otlpd_mem_total(root, &total, &src), 0);
  assert_int_equal(total, 256 * MIB);
  remove_root(root);
}

static void test_v1(void **state) {
  (void)state;
  char *root = make_root();
  put(root, "proc/self/cgroup",
      "12:pids:/docker/abc\n5:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n0::/\n");
  put(root, "sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "536870912\n");
  put(root, "proc/meminfo", MEMINFO_16G);
  uint64_t total = 0;
  const char *src = NULL;
  assert_int_equal(otlpd_mem_total(root, &total, &src), 0);
  assert_int_equal(total, 512 * MIB);
  assert_string_equal(src, "cgroup v1 memory.limit_in_bytes");

  memlim_cfg c = {.check_interval = 1, .limit_percentage = 80, .spike_limit_percentage = 25};
  memlim_limits l;
  assert_int_equal(memlim_compute(&c, root, &l), 0);
  assert_int_equal(l.hard, 512 * MIB * 80 / 100);
  assert_int_equal(l.spike, 128 * MIB);
  remove_root(root);
}

/* v2 "max" and v1's page-rounded LONG_MAX are no limit: physical memory. */
static void test_unlimited_falls_back_to_meminfo(void **state) {
  (void)state;
  char *root = make_root();
  put(root, "proc/self/cgroup", "0::/user.slice\n");
  put(root, "sys/fs/cgroup/user.slice/memory.max", "max\n");
  put(root, "proc/meminfo", MEMINFO_16G);
  uint64_t total = 0;
  const char *src = NULL;
  assert_int_equal(otlpd_mem_total(root, &total, &src), 0);
  assert_int_equal(total, 16 * GIB);
  assert_string_equal(src, "/proc/meminfo MemTotal");

  put(root, "proc/self/cgroup", "4:memory:/\n");
  put(root, "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  total = 0;
  assert_int_equal(otlpd_mem_total(root, &total, &src), 0);
  assert_int_equal(total, 16 * GIB);

  memlim_cfg c = {.check_interval = 1, .limit_percentage = 25};
  memlim_limits l;
  assert_int_equal(memlim_compute(&c, root, &l), 0);
  assert_int_equal(l.hard, 4 * GIB);
  remove_root(root);
}

static void test_missing_files(void **state) {
  (void)state;
  char *root = make_root();
  uint64_t total = 0;
  const char *src = NULL;
  assert_int_equal(otlpd_mem_total(root, &total, &src), -ENOENT);
  memlim_cfg c = {.check_interval = 1, .limit_percentage = 50};
  memlim_limits l;
  assert_int_equal(memlim_compute(&c, root, &l), -ENOENT);
  /* limit_mib needs no file at all */
  c = (memlim_cfg){.check_interval = 1, .limit_mib = 100};
  assert_int_equal(memlim_compute(&c, root, &l), 0);
  assert_int_equal(l.hard, 100 * MIB);
  assert_int_equal(l.spike, 20 * MIB);
  /* a cgroup limit alone (no meminfo) still counts; garbage does not */
  put(root, "proc/self/cgroup", "0::/\n");
  put(root, "sys/fs/cgroup/memory.max", "134217728\n");
  assert_int_equal(otlpd_mem_total(root, &total, &src), 0);
  assert_int_equal(total, 128 * MIB);
  put(root, "sys/fs/cgroup/memory.max", "lots\n");
  assert_int_not_equal(otlpd_mem_total(root, &total, &src), 0);
  remove_root(root);
}

static void test_limits_from_mib(void **state) {
  (void)state;
  memlim_cfg c = {.check_interval = 1, .limit_mib = 100, .spike_limit_mib = 30,
                  .limit_percentage = 10 /* limit_mib wins, as in otelcol */};
  memlim_limits l;
  assert_int_equal(memlim_compute(&c, "/nonexistent", &l), 0);
  assert_int_equal(l.hard, 100 * MIB);
  assert_int_equal(l.spike, 30 * MIB);
  assert_int_equal(l.total, 0);
}

/* ---- validation ---- */

static int validate_yaml(const char *yaml, otlpd_errors *errs) {
  memlim_cfg c;
  otlpd_settings_defaults(memlim_settings, &c);
  otlpd_node *n = otlpd_yaml_parse(yaml, strlen(yaml), "t", errs);
  assert_non_null(n);
  int rc = otlpd_settings_apply(memlim_settings, &c, n, "processors::memory_limiter", errs);
  if (rc == 0) rc = memlim_validate(&c, "processors::memory_limiter", errs);
  otlpd_node_free(n);
  return rc;
}

static bool has_error(const otlpd_errors *e, const char *text) {
  for (size_t i = 0; i < e->n; i++)
    if (strstr(e->msgs[i], text)) return true;
  return false;
}

static void expect_invalid(const char *yaml, const char *msg) {
  otlpd_errors errs = {0};
  assert_int_not_equal(validate_yaml(yaml, &errs), 0);
  if (!has_error(&errs, msg)) {
    for (size_t i = 0; i < errs.n; i++) print_message("got: %s\n", errs.msgs[i]);
    fail_msg("no error containing \"%s\"", msg);
  }
  otlpd_errors_free(&errs);
}

static void expect_valid(const char *yaml) {
  otlpd_errors errs = {0};
  int rc = validate_yaml(yaml, &errs);
  for (size_t i = 0; i < errs.n; i++) print_message("unexpected: %s\n", errs.msgs[i]);
  assert_int_equal(rc, 0);
  otlpd_errors_free(&errs);
}

static void test_validation(void **state) {
  (void)state;
  expect_valid("check_interval: 1s\nlimit_mib: 100\n");
  expect_valid("check_interval: 1s\nlimit_percentage: 80\nspike_limit_percentage: 20\n");
  expect_valid("check_interval: 1s\nlimit_mib: 100\nlimit_percentage: 80\n");
  expect_valid("check_interval: 5s\nlimit_mib: 100\nmin_gc_interval_when_soft_limited: 10s\n");
  expect_invalid("limit_mib: 100\n", "processors::memory_limiter::check_interval: must be greater than zero");
  expect_invalid("check_interval: 1s\n",
                 "processors::memory_limiter::limit_mib: 'limit_mib' or 'limit_percentage' must be greater than zero");
  expect_invalid("check_interval: 1s\nlimit_mib: 100\nspike_limit_mib: 100\n",
                 "processors::memory_limiter::spike_limit_mib: must be smaller than limit_mib");
  expect_invalid("check_interval: 1s\nlimit_percentage: 50\nspike_limit_percentage: 60\n",
                 "processors::memory_limiter::spike_limit_percentage: must be smaller than limit_percentage");
  expect_invalid("check_interval: 1s\nlimit_percentage: 101\n", "processors::memory_limiter::limit_percentage");
  expect_invalid("check_interval: 1s\nlimit_mib: 10\nlimit_mb: 3\n",
                 "processors::memory_limiter::limit_mb: unknown key");
  /* every broken rule is reported at once */
  otlpd_errors errs = {0};
  assert_int_not_equal(validate_yaml("spike_limit_percentage: 0\n", &errs), 0);
  assert_int_equal(errs.n, 2);
  otlpd_errors_free(&errs);
}

/* ---- runtime ---- */

typedef struct sink {
  otlpd_consumer base;
  int refuse_admit;
  size_t items;
  int calls;
} sink;

static int sink_consume(otlpd_consumer *self, otlpd_batch *b) {
  sink *s = (sink *)self;
  s->items += b->items;
  s->calls++;
  return OTLPD_OK;
}

static int sink_admit(otlpd_consumer *self, const otlpd_batch *b) {
  (void)b;
  return ((sink *)self)->refuse_admit ? OTLPD_ERR_RETRY : OTLPD_OK;
}

typedef struct fixture {
  uv_loop_t loop;
  otlpd_memacct mem;
  otlpd_counters counters;
  volatile bool stopping;
  otlpd_host host;
  sink out;
  int counter;
} fixture;

static fixture *fixture_new(void) {
  fixture *f = calloc(1, sizeof(*f));
  uv_loop_init(&f->loop);
  f->mem.limit = 24 * MIB; /* the daemon's default */
  f->host.loop = &f->loop;
  f->host.mem = &f->mem;
  f->host.shutting_down = &f->stopping;
  f->host.counters = &f->counters;
  f->out.base.consume = sink_consume;
  f->out.base.admit = sink_admit;
  return f;
}

static void *limiter_new(fixture *f, const memlim_cfg *cfg) {
  otlpd_create_params p = {.host = &f->host, .config = cfg, .signal = OTLPD_TRACES};
  p.next[OTLPD_TRACES] = &f->out.base;
  void *st = NULL;
  assert_int_equal(otlpd_processor_memory_limiter.create(&p, &st), 0);
  assert_int_equal(otlpd_processor_memory_limiter.start(st), 0);
  return st;
}

static void limiter_free(fixture *f, void *st) {
  otlpd_processor_memory_limiter.shutdown(st);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  otlpd_processor_memory_limiter.destroy(st);
}

static void fixture_free(fixture *f) {
  assert_int_equal(uv_loop_close(&f->loop), 0); /* no handle left behind */
  assert_int_equal(atomic_load(&f->mem.used), 0);
  free(f);
}

static otlpd_batch *spans(fixture *f, int n) {
  otlpd_payload *p = fx_traces(1, 1, n, &f->counter, &f->mem);
  otlpd_batch *b = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  return b;
}

static uint64_t get(const otlpd_counter *c) { return otlpd_counter_get(c); }

static void test_refuses_over_soft_limit_and_recovers(void **state) {
  (void)state;
  fixture *f = fixture_new();
  memlim_cfg cfg = {.check_interval = 0, .limit_mib = 10, .spike_limit_mib = 2};
  void *st = limiter_new(f, &cfg);
  otlpd_consumer *in = otlpd_processor_memory_limiter.consumer(st);
  assert_true(f->mem.configured);
  assert_int_equal(f->mem.limit, 8 * MIB); /* receivers refuse at the soft limit */

  otlpd_memacct_charge(&f->mem, 9 * MIB); /* over soft, under hard */
  assert_true(otlpd_memacct_over(&f->mem));
  otlpd_batch *b = spans(f, 5);
  assert_int_equal(otlpd_admit(in, b), OTLPD_ERR_RETRY);
  assert_int_equal(otlpd_consume(in, b), OTLPD_ERR_RETRY);
  assert_int_equal(otlpd_consume(in, b), OTLPD_ERR_RETRY);
  assert_int_equal(f->out.calls, 0);
  assert_int_equal(get(&f->counters.refused[OTLPD_TRACES]), 10);
  assert_int_equal(get(&f->counters.outgoing[OTLPD_TRACES]), 0);
  assert_int_equal(get(&f->counters.dropped[OTLPD_TRACES]), 0); /* refused is not dropped */

  otlpd_memacct_release(&f->mem, 9 * MIB);
  assert_false(otlpd_memacct_over(&f->mem));
  assert_int_equal(otlpd_admit(in, b), OTLPD_OK);
  assert_int_equal(otlpd_consume(in, b), OTLPD_OK);
  otlpd_batch_unref(b);
  b = spans(f, 7);
  assert_int_equal(otlpd_consume(in, b), OTLPD_OK);
  otlpd_batch_unref(b);
  assert_int_equal(f->out.items, 12); /* items in (accepted) = items out */
  assert_int_equal(get(&f->counters.outgoing[OTLPD_TRACES]), 12);
  assert_int_equal(get(&f->counters.incoming[OTLPD_TRACES]) - get(&f->counters.refused[OTLPD_TRACES]), 12);
  limiter_free(f, st);
  fixture_free(f);
}

/* Exactly at the soft limit counts as over (otelcol: usage >= limit - spike). */
static void test_soft_limit_boundary(void **state) {
  (void)state;
  fixture *f = fixture_new();
  memlim_cfg cfg = {.limit_mib = 10}; /* spike: 2 MiB */
  void *st = limiter_new(f, &cfg);
  otlpd_consumer *in = otlpd_processor_memory_limiter.consumer(st);
  otlpd_batch *b = spans(f, 1);
  size_t held = otlpd_memacct_used(&f->mem);
  otlpd_memacct_charge(&f->mem, 8 * MIB - held - 1);
  assert_int_equal(otlpd_admit(in, b), OTLPD_OK);
  otlpd_memacct_charge(&f->mem, 1);
  assert_int_equal(otlpd_admit(in, b), OTLPD_ERR_RETRY);
  otlpd_memacct_release(&f->mem, 8 * MIB - held);
  otlpd_batch_unref(b);
  limiter_free(f, st);
  fixture_free(f);
}

static void test_admit_asks_next(void **state) {
  (void)state;
  fixture *f = fixture_new();
  memlim_cfg cfg = {.limit_mib = 10};
  void *st = limiter_new(f, &cfg);
  otlpd_consumer *in = otlpd_processor_memory_limiter.consumer(st);
  otlpd_batch *b = spans(f, 3);
  f->out.refuse_admit = 1;
  assert_int_equal(otlpd_admit(in, b), OTLPD_ERR_RETRY);
  f->out.refuse_admit = 0;
  assert_int_equal(otlpd_admit(in, b), OTLPD_OK);
  otlpd_batch_unref(b);
  limiter_free(f, st);
  fixture_free(f);
}

/* A fan-out admits everywhere, then delivers in turn: what an earlier
 * consumer charged in between must not turn this admit into a refusal. */
static void test_admitted_batch_is_not_refused(void **state) {
  (void)state;
  fixture *f = fixture_new();
  memlim_cfg cfg = {.limit_mib = 10};
  void *st = limiter_new(f, &cfg);
  otlpd_consumer *in = otlpd_processor_memory_limiter.consumer(st);
  otlpd_batch *b = spans(f, 4);
  assert_int_equal(otlpd_admit(in, b), OTLPD_OK);
  otlpd_memacct_charge(&f->mem, 9 * MIB);
  assert_int_equal(otlpd_consume(in, b), OTLPD_OK);
  assert_int_equal(f->out.items, 4);
  /* the admit was used up: the next delivery is checked again */
  assert_int_equal(otlpd_consume(in, b), OTLPD_ERR_RETRY);
  otlpd_memacct_release(&f->mem, 9 * MIB);
  otlpd_batch_unref(b);
  limiter_free(f, st);
  fixture_free(f);
}

/* One instance per pipeline: the first replaces the daemon's default (even
 * upwards), later ones keep the smallest soft limit. */
static void test_smallest_limit_wins(void **state) {
  (void)state;
  fixture *f = fixture_new();
  memlim_cfg big = {.limit_mib = 100}, small = {.limit_mib = 10, .spike_limit_mib = 1},
             mid = {.limit_mib = 50};
  void *a = limiter_new(f, &big);
  assert_int_equal(f->mem.limit, 80 * MIB);
  void *b = limiter_new(f, &small);
  assert_int_equal(f->mem.limit, 9 * MIB);
  void *c = limiter_new(f, &mid);
  assert_int_equal(f->mem.limit, 9 * MIB);
  limiter_free(f, a);
  limiter_free(f, b);
  limiter_free(f, c);
  fixture_free(f);
}

static void test_percentage_without_total_fails_create(void **state) {
  (void)state;
  fixture *f = fixture_new();
  char *root = make_root();
  setenv("OTLPD_HOST_ROOT", root, 1);
  memlim_cfg cfg = {.check_interval = OTLPD_NS_PER_SEC, .limit_percentage = 50};
  otlpd_create_params p = {.host = &f->host, .config = &cfg, .signal = OTLPD_TRACES};
  p.next[OTLPD_TRACES] = &f->out.base;
  void *st = NULL;
  assert_int_equal(otlpd_processor_memory_limiter.create(&p, &st), -ENOENT);
  assert_false(f->mem.configured);
  assert_int_equal(f->mem.limit, 24 * MIB);
  /* with a cgroup v2 fixture under OTLPD_HOST_ROOT it works */
  put(root, "proc/self/cgroup", "0::/\n");
  put(root, "sys/fs/cgroup/memory.max", "1073741824\n");
  put(root, "proc/meminfo", MEMINFO_16G);
  void *ok = limiter_new(f, &cfg);
  assert_int_equal(f->mem.limit, 512 * MIB - 512 * MIB / 5);
  unsetenv("OTLPD_HOST_ROOT");
  limiter_free(f, ok);
  remove_root(root);
  fixture_free(f);
}

/* The check timer runs (logging only), does not keep the loop alive, and
 * is gone after shutdown. */
typedef struct watch {
  memlim_proc *mp;
  int ticks;
} watch;

static void on_watch(uv_timer_t *t) {
  watch *w = t->data;
  if (w->mp->logged_refusing || ++w->ticks > 400) uv_close((uv_handle_t *)t, NULL);
}

static void test_check_timer_logs_transition(void **state) {
  (void)state;
  fixture *f = fixture_new();
  memlim_cfg cfg = {.check_interval = 5 * OTLPD_NS_PER_MS, .limit_mib = 10};
  memlim_proc *mp = limiter_new(f, &cfg);
  otlpd_memacct_charge(&f->mem, 9 * MIB);
  uv_timer_t t;
  watch w = {mp, 0};
  uv_timer_init(&f->loop, &t);
  t.data = &w;
  uv_timer_start(&t, on_watch, 5, 5);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_true(mp->logged_refusing);
  otlpd_memacct_release(&f->mem, 9 * MIB);
  limiter_free(f, mp);
  fixture_free(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_v2_own_cgroup),
      cmocka_unit_test(test_v2_namespaced_and_hidden_path),
      cmocka_unit_test(test_v1),
      cmocka_unit_test(test_unlimited_falls_back_to_meminfo),
      cmocka_unit_test(test_missing_files),
      cmocka_unit_test(test_limits_from_mib),
      cmocka_unit_test(test_validation),
      cmocka_unit_test(test_refuses_over_soft_limit_and_recovers),
      cmocka_unit_test(test_soft_limit_boundary),
      cmocka_unit_test(test_admit_asks_next),
      cmocka_unit_test(test_admitted_batch_is_not_refused),
      cmocka_unit_test(test_smallest_limit_wins),
      cmocka_unit_test(test_percentage_without_total_fails_create),
      cmocka_unit_test(test_check_timer_logs_transition),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
