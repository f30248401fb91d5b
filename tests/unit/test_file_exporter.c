/* file exporter end to end on a real uv loop: what goes in comes back out
 * of the file (json lines, length-prefixed proto, zstd frames), rotation,
 * append vs truncate, flush by timer and at shutdown, back-pressure when
 * the write queue is full, write errors, and config validation. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <cmocka.h>

#include "../../exporters/file/file_exporter.h"
#include "batch_fixtures.h"
#include "otlpd/codec.h"
#include "otlpd/config.h"

extern const otlpd_factory otlpd_exporter_file;

#define MAX_NUMS 400000

typedef struct fx {
  uv_loop_t loop;
  otlpd_memacct mem;
  volatile bool stopping;
  otlpd_log_level level;
  otlpd_host host;
  otlpd_counters counters;
  file_cfg cfg;
  file_exporter *fe;
  otlpd_consumer *in;
  char dir[64];
  char path[128];
  int counter;
} fx;

static int load_cfg(const char *yaml, file_cfg *cfg, otlpd_errors *errs) {
  otlpd_node *n = otlpd_yaml_parse(yaml, strlen(yaml), "test", errs);
  if (!n) return -1;
  otlpd_settings_defaults(file_settings, cfg);
  int rc = otlpd_settings_apply(file_settings, cfg, n, "exporters::file", errs);
  if (rc == 0) rc = file_validate(cfg, "exporters::file", errs);
  otlpd_node_free(n);
  return rc;
}

static bool errors_mention(const otlpd_errors *e, const char *what) {
  for (size_t i = 0; i < e->n; i++)
    if (strstr(e->msgs[i], what)) return true;
  return false;
}

/* A fresh directory and exporter writing <dir>/<name>; extra is more YAML. */
static fx *fx_new(const char *name, const char *extra) {
  fx *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  assert_int_equal(uv_loop_init(&f->loop), 0);
  snprintf(f->dir, sizeof(f->dir), "/tmp/otlpd-file-XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  if (name[0] == '/')
    snprintf(f->path, sizeof(f->path), "%s", name);
  else
    snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, name);
  f->level = OTLPD_LOG_WARN;
  f->host.loop = &f->loop;
  f->host.mem = &f->mem;
  f->host.log.component = "file/test";
  f->host.log.level = &f->level;
  f->host.id = "file/test";
  f->host.shutting_down = &f->stopping;
  f->host.counters = &f->counters;
  char yaml[1024];
  snprintf(yaml, sizeof(yaml), "path: %s\n%s", f->path, extra ? extra : "");
  otlpd_errors errs = {0};
  int rc = load_cfg(yaml, &f->cfg, &errs);
  otlpd_errors_print(&errs, stderr);
  otlpd_errors_free(&errs);
  assert_int_equal(rc, 0);
  otlpd_create_params p = {.host = &f->host, .config = &f->cfg, .signals = OTLPD_ALL_SIGNALS};
  void *st = NULL;
  assert_int_equal(otlpd_exporter_file.create(&p, &st), 0);
  f->fe = st;
  f->in = otlpd_exporter_file.consumer(st);
  return f;
}

/* Shutdown must drain the queue and leave no libuv handle or request. */
static void fx_stop(fx *f) {
  otlpd_exporter_file.shutdown(f->fe);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_false(uv_loop_alive(&f->loop));
  assert_true(f->fe->closed);
}

static void rm_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char p[512];
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
      rm_dir(p);
    else
      unlink(p);
  }
  closedir(d);
  rmdir(dir);
}

static void fx_free(fx *f) {
  otlpd_exporter_file.destroy(f->fe);
  otlpd_settings_free(file_settings, &f->cfg);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  rm_dir(f->dir);
  free(f);
}

static int send_traces(fx *f, int R, int S, int N) {
  otlpd_payload *p = fx_traces(R, S, N, &f->counter, NULL);
  otlpd_batch *b = otlpd_batch_from_payload(p);
  int rc = otlpd_consume(f->in, b);
  otlpd_batch_unref(b);
  otlpd_payload_unref(p);
  return rc;
}

static uint8_t *read_all(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  assert_non_null(fp);
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  uint8_t *buf = malloc((size_t)n + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
  buf[n] = 0;
  fclose(fp);
  *len = (size_t)n;
  return buf;
}

static int span_numbers(const otlp_trace_request *r, int *out, int n, int max) {
  for (size_t i = 0; i < r->n_resource_spans; i++)
    for (size_t s = 0; s < r->resource_spans[i]->n_scope_spans; s++) {
      const otlp_scope_spans *ss = r->resource_spans[i]->scope_spans[s];
      for (size_t k = 0; k < ss->n_spans; k++)
        if (n < max) out[n++] = atoi(ss->spans[k]->name + 1);
    }
  return n;
}

/* Decodes one record body of the given format and appends span numbers. */
static int decode_record(int format, const uint8_t *p, size_t len, int *nums, int n) {
  char err[256] = "";
  otlpd_arena *a = otlpd_arena_new(0);
  const ProtobufCMessageDescriptor *d = otlpd_request_descriptor(OTLPD_TRACES);
  ProtobufCMessage *m = format == FILE_FORMAT_JSON
                            ? otlpd_json_decode(d, (const char *)p, len, a, err, sizeof(err))
                            : otlpd_pb_decode(d, p, len, a, err, sizeof(err));
  if (!m) fprintf(stderr, "decode failed: %s\n", err);
  assert_non_null(m);
  n = span_numbers((const otlp_trace_request *)m, nums, n, MAX_NUMS);
  otlpd_arena_free(a);
  return n;
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Every record of a file, in order; returns the number of span numbers
 * found (appended after n) and counts records. */
static int read_records(const char *path, int format, bool zstd, int *nums, int n, int *records) {
  size_t len;
  uint8_t *buf = read_all(path, &len);
  size_t off = 0;
  while (off < len) {
    if (format == FILE_FORMAT_JSON && !zstd) {
      uint8_t *nl = memchr(buf + off, '\n', len - off);
      assert_non_null(nl); /* every record ends its line */
      n = decode_record(format, buf + off, (size_t)(nl - (buf + off)), nums, n);
      off = (size_t)(nl - buf) + 1;
    } else {
      assert_true(len - off >= 4);
      size_t rlen = be32(buf + off);
      assert_true(len - off - 4 >= rlen);
      const uint8_t *body = buf + off + 4;
      if (zstd) {
        unsigned long long raw = ZSTD_getFrameContentSize(body, rlen);
        assert_true(raw != ZSTD_CONTENTSIZE_ERROR && raw != ZSTD_CONTENTSIZE_UNKNOWN);
        uint8_t *plain = malloc(raw + 1);
        size_t got = ZSTD_decompress(plain, raw + 1, body, rlen);
        assert_false(ZSTD_isError(got));
        n = decode_record(format, plain, got, nums, n);
        free(plain);
      } else {
        n = decode_record(format, body, rlen, nums, n);
      }
      off += 4 + rlen;
    }
    (*records)++;
  }
  free(buf);
  return n;
}

static void assert_sequence(const int *nums, int n, int first, int count) {
  assert_int_equal(n, count);
  for (int i = 0; i < n; i++) assert_int_equal(nums[i], first + i);
}

static void roundtrip(const char *name, const char *extra, int format, bool zstd) {
  fx *f = fx_new(name, extra);
  assert_int_equal(otlpd_exporter_file.start(f->fe), 0);
  assert_int_equal(send_traces(f, 1, 1, 5), OTLPD_OK);
  assert_int_equal(send_traces(f, 2, 2, 3), OTLPD_OK);
  assert_int_equal(send_traces(f, 3, 1, 1), OTLPD_OK);
  fx_stop(f);
  int *nums = calloc(MAX_NUMS, sizeof(int));
  int records = 0;
  int n = read_records(f->path, format, zstd, nums, 0, &records);
  assert_int_equal(records, 3); /* one record per batch */
  assert_sequence(nums, n, 0, 5 + 12 + 3);
  assert_int_equal(f->fe->dropped_items, 0);
  assert_int_equal(otlpd_counter_get(&f->counters.sent[OTLPD_TRACES]), 5 + 12 + 3);
  assert_int_equal(otlpd_counter_get(&f->counters.send_failed[OTLPD_TRACES]), 0);
  assert_int_equal(f->mem.used, 0); /* every queued byte was given back */
  free(nums);
  fx_free(f);
}

static void test_json_lines_roundtrip(void **state) {
  roundtrip("traces.json", NULL, FILE_FORMAT_JSON, false);
}

static void test_proto_roundtrip(void **state) {
  roundtrip("traces.pb", "format: proto\n", FILE_FORMAT_PROTO, false);
}

static void test_zstd_roundtrip(void **state) {
  roundtrip("traces.pb.zst", "format: proto\ncompression: zstd\n", FILE_FORMAT_PROTO, true);
  roundtrip("traces.json.zst", "compression: zstd\n", FILE_FORMAT_JSON, true);
}

/* Metrics and logs go through the same path; check their fields survive. */
static void test_metrics_and_logs_roundtrip(void **state) {
  fx *f = fx_new("all.json", NULL);
  assert_int_equal(otlpd_exporter_file.start(f->fe), 0);
  int counter = 100;
  otlpd_payload *mp = fx_metrics(2, 3, &counter);
  otlpd_batch *mb = otlpd_batch_from_payload(mp);
  assert_int_equal(otlpd_consume(f->in, mb), OTLPD_OK);
  otlpd_batch_unref(mb);
  otlpd_payload_unref(mp);

  static const char logs_json[] =
      "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":["
      "{\"severityText\":\"WARN\",\"body\":{\"stringValue\":\"disk \\\"almost\\\" full\"}},"
      "{\"severityNumber\":17,\"body\":{\"intValue\":\"42\"}}]}]}]}";
  char err[128];
  otlpd_arena *a = otlpd_arena_new(0);
  ProtobufCMessage *lm = otlpd_json_decode(otlpd_request_descriptor(OTLPD_LOGS), logs_json,
                                           strlen(logs_json), a, err, sizeof(err));
  assert_non_null(lm);
  otlpd_payload *lp = otlpd_payload_new(OTLPD_LOGS, a, lm, NULL);
  otlpd_batch *lb = otlpd_batch_from_payload(lp);
  assert_int_equal(otlpd_consume(f->in, lb), OTLPD_OK);
  otlpd_batch_unref(lb);
  otlpd_payload_unref(lp);
  fx_stop(f);

  size_t len;
  char *text = (char *)read_all(f->path, &len);
  char *nl = strchr(text, '\n');
  assert_non_null(nl);
  otlpd_arena *ra = otlpd_arena_new(0);
  otlp_metrics_request *m = (otlp_metrics_request *)otlpd_json_decode(
      otlpd_request_descriptor(OTLPD_METRICS), text, (size_t)(nl - text), ra, err, sizeof(err));
  assert_non_null(m);
  assert_int_equal(otlpd_request_items(OTLPD_METRICS, &m->base), 6);
  otlp_metric *g = m->resource_metrics[0]->scope_metrics[0]->metrics[1];
  assert_string_equal(g->name, "g");
  assert_int_equal(g->gauge->data_points[2]->as_int, 105);
  char *line2 = nl + 1;
  char *nl2 = strchr(line2, '\n');
  assert_non_null(nl2);
  assert_int_equal(nl2 + 1 - text, (long)len); /* two lines, nothing else */
  otlp_logs_request *l = (otlp_logs_request *)otlpd_json_decode(
      otlpd_request_descriptor(OTLPD_LOGS), line2, (size_t)(nl2 - line2), ra, err, sizeof(err));
  assert_non_null(l);
  otlp_scope_logs *sl = l->resource_logs[0]->scope_logs[0];
  assert_int_equal(sl->n_log_records, 2);
  assert_string_equal(sl->log_records[0]->severity_text, "WARN");
  assert_string_equal(sl->log_records[0]->body->string_value, "disk \"almost\" full");
  assert_int_equal(sl->log_records[1]->severity_number, 17);
  assert_int_equal(sl->log_records[1]->body->int_value, 42);
  otlpd_arena_free(ra);
  free(text);
  fx_free(f);
}

/* Files of the directory, sorted by name: backups (by time) then the
 * current file, since "out-2..." sorts before "out.json". */
static int list_files(const char *dir, char names[][256], int max) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.' && n < max) snprintf(names[n++], 256, "%s", e->d_name);
  closedir(d);
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
      char t[256];
      memcpy(t, names[j], 256);
      memcpy(names[j], names[j - 1], 256);
      memcpy(names[j - 1], t, 256);
    }
  return n;
}

static bool is_backup_name(const char *name) {
  /* out-YYYY-MM-DDTHH-MM-SS.mmm.json */
  return strlen(name) == strlen("out-2026-11-26T01-02-03.000.json") && strncmp(name, "out-", 4) == 0 &&
         name[14] == 'T' && name[23] == '.' && strcmp(name + 27, ".json") == 0;
}

/* Sends 60 records of 5000 spans, about 5 MiB; returns the spans sent. */
static int send_lots(fx *f) {
  for (int i = 0; i < 60; i++) {
    int rc;
    while ((rc = send_traces(f, 1, 1, 5000)) == OTLPD_ERR_RETRY) {
      f->counter -= 5000; /* refused: send the same numbers again */
      uv_run(&f->loop, UV_RUN_ONCE);
    }
    assert_int_equal(rc, OTLPD_OK);
  }
  return f->counter;
}

static void test_rotation_keeps_everything_in_order(void **state) {
  fx *f = fx_new("out.json", "rotation:\n  max_megabytes: 1\n  max_backups: 0\n");
  assert_int_equal(otlpd_exporter_file.start(f->fe), 0);
  int sent = send_lots(f);
  fx_stop(f);
  char names[64][256];
  int nf = list_files(f->dir, names, 64);
  assert_true(nf >= 4);
  int *nums = calloc(MAX_NUMS, sizeof(int));
  int n = 0, records = 0;
  for (int i = 0; i < nf; i++) {
    char p[512];
    snprintf(p, sizeof(p), "%.255s/%.255s", f->dir, names[i]);
    if (i < nf - 1) assert_true(is_backup_name(names[i]));
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_true(st.st_size <= (1 << 20));
    n = read_records(p, FILE_FORMAT_JSON, false, nums, n, &records);
  }
  assert_string_equal(names[nf - 1], "out.json");
  assert_int_equal(records, 60);
  assert_sequence(nums, n, 0, sent);
  free(nums);
  fx_free(f);
}

static void test_rotation_respects_max_backups(void **state) {
  fx *f = fx_new("out.json", "rotation:\n  max_megabytes: 1\n  max_backups: 2\n");
  assert_int_equal(otlpd_exporter_file.start(f->fe), 0);
  int sent = send_lots(f);
  fx_stop(f);
  char names[64][256];
  int nf = list_files(f->dir, names, 64);
  assert_int_equal(nf, 3); /* two backups and the current file */
  assert_true(is_backup_name(names[0]));
  assert_true(is_backup_name(names[1]));
  assert_string_equal(names[2], "out.json");
  /* What is left is the newest data, contiguous up to the last span. */
  int *nums = calloc(MAX_NUMS, sizeof(int));
  int n = 0, records = 0;
  for (int i = 0; i < nf; i++) {
    char p[512];
    snprintf(p, sizeof(p), "%.255s/%.255s", f->dir, names[i]);
    n = read_records(p, FILE_FORMAT_JSON, false, nums, n, &records);
  }
  assert_true(n > 0 && n < sent);
  assert_sequence(nums, n, sent - n, n);
  free(nums);
  fx_free(f);
}

static void write_file(const char *path, const char *text) {
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
}

static void test_truncate_by_default(void **state) {
  fx *f = fx_new("t.json", NULL);
  write_file(f->path, "old line\n");
  assert_int_equal(otlpd_exporter_file.start(f->fe), 0);
  assert_int_equal(send_traces(f, 1, 1, 2), OTLPD_OK);
  fx_stop(f);
  size_t len;
  char *text = (char *)read_all(f->path, &len);
  assert_null(strstr(text, "old line"));
  assert_non_null(strstr(text, "\"s1\""));
  free(text);
  fx_free(f);
}

static void test_append_keeps_old_content(void **state) {
  fx *f = fx_new("a.json", "append: true\n");
  write_file(f->path, "old line\n");
  assert_int_equal(otlpd_exporter_file.start(f->fe), 0);
  assert_int_equal(send_traces(f, 1, 1, 2), OTLPD_OK);
  fx_stop(f);
  size_t len;
  char *text = (char *)read_all(f->path, &len);
  assert_memory_equal(text, "old line\n{", 10);
  int *nums = calloc(16, sizeof(int));
  char *line = text + 9;
  int n = decode_record(FILE_FORMAT_JSON, (uint8_t *)line, strlen(line) - 1, nums, 0);
  assert_sequence(nums, n, 0, 2);
  free(nums);
  free(text);
  fx_free(f);
}

/* Nothing is written before the flush interval or a full chunk; shutdown
 * writes whatever is pending. */
static void test_shutdown_flushes_everything(void **state) {
  fx *f = fx_new("s.json", "flush_interval: 1h\n");
  assert_int_equal(otlpd_exporter_file.start(f->fe), 0);
  for (int i = 0; i < 10; i++) assert_int_equal(send_traces(f, 1, 1, 3), OTLPD_OK);
  uv_run(&f->loop, UV_RUN_NOWAIT);
  struct stat st;
  assert_int_equal(stat(f->path, &st), 0);
  assert_int_equal(st.st_size, 0); /* still gathered in memory */
  assert_true(f->mem.used > 0);    /* ... and counted as held */
  fx_stop(f);
  int *nums = calloc(64, sizeof(int));
  int records = 0;
  int n = read_records(f->path, FILE_FORMAT_JSON, false, nums, 0, &records);
  assert_int_equal(records, 10);
  assert_sequence(nums, n, 0, 30);
  assert_int_equal(f->mem.used, 0);
  assert_int_equal(send_traces(f, 1, 1, 1), OTLPD_ERR_RETRY); /* closed for business */
  free(nums);
  fx_free(f);
}

static void test_flush_timer_writes_without_shutdown(void **state) {
  fx *f = fx_new("timer.json", "flush_interval: 10ms\n");
  assert_int_equal(otlpd_exporter_file.start(f->fe), 0);
  assert_int_equal(send_traces(f, 1, 1, 4), OTLPD_OK);
  struct stat st = {0};
  for (int i = 0; i < 1000 && st.st_size == 0; i++) {
    uv_run(&f->loop, UV_RUN_ONCE); /* the timer keeps the loop alive */
    assert_int_equal(stat(f->path, &st), 0);
  }
  assert_true(st.st_size > 0);
  fx_stop(f);
  fx_free(f);
}

static void test_full_queue_pushes_back(void **state) {
  fx *f = fx_new("q.json", "write_queue_size: 64KiB\nflush_interval: 1h\n");
  assert_int_equal(otlpd_exporter_file.start(f->fe), 0);
  int accepted = 0, rc = OTLPD_OK;
  /* The loop does not run, so nothing completes: the queue must fill. */
  for (int i = 0; i < 1000 && (rc = send_traces(f, 1, 1, 100)) == OTLPD_OK; i++) accepted++;
  assert_int_equal(rc, OTLPD_ERR_RETRY);
  assert_true(accepted > 0);
  assert_true(f->mem.used >= 64 * 1024); /* receivers see the pressure */
  f->counter -= 100;
  /* Once writes complete there is room again. */
  for (int i = 0; i < 1000 && (rc = send_traces(f, 1, 1, 100)) == OTLPD_ERR_RETRY; i++) {
    f->counter -= 100;
    uv_run(&f->loop, UV_RUN_ONCE);
  }
  assert_int_equal(rc, OTLPD_OK);
  accepted++;
  fx_stop(f);
  assert_int_equal(f->mem.used, 0);
  int *nums = calloc(MAX_NUMS, sizeof(int));
  int records = 0;
  int n = read_records(f->path, FILE_FORMAT_JSON, false, nums, 0, &records);
  assert_int_equal(records, accepted);
  assert_sequence(nums, n, 0, accepted * 100);
  free(nums);
  fx_free(f);
}

/* /dev/full fails every write with ENOSPC: data is dropped and counted,
 * the exporter keeps going and shuts down cleanly. */
static void test_write_errors_drop_and_count(void **state) {
  if (access("/dev/full", W_OK) != 0) skip();
  fx *f = fx_new("/dev/full", NULL);
  assert_int_equal(otlpd_exporter_file.start(f->fe), 0);
  for (int i = 0; i < 3; i++) assert_int_equal(send_traces(f, 1, 1, 10), OTLPD_OK);
  fx_stop(f);
  assert_int_equal(f->fe->dropped_items, 30);
  assert_int_equal(otlpd_counter_get(&f->counters.send_failed[OTLPD_TRACES]), 30);
  assert_int_equal(otlpd_counter_get(&f->counters.sent[OTLPD_TRACES]), 0);
  assert_true(f->fe->dropped_bytes > 0);
  assert_int_equal(f->fe->written_bytes, 0);
  assert_int_equal(f->mem.used, 0);
  fx_free(f);
}

static void test_create_directory(void **state) {
  fx *f = fx_new("a/b/c.json", "create_directory: true\n");
  assert_int_equal(otlpd_exporter_file.start(f->fe), 0);
  assert_int_equal(send_traces(f, 1, 1, 1), OTLPD_OK);
  fx_stop(f);
  struct stat st;
  assert_int_equal(stat(f->path, &st), 0);
  assert_true(st.st_size > 0);
  fx_free(f);

  fx *g = fx_new("x/y.json", NULL);
  assert_true(otlpd_exporter_file.start(g->fe) < 0); /* missing dir, not created */
  otlpd_exporter_file.shutdown(g->fe);
  uv_run(&g->loop, UV_RUN_DEFAULT);
  fx_free(g);
}

static void test_config_defaults(void **state) {
  file_cfg c;
  otlpd_errors errs = {0};
  assert_int_equal(load_cfg("path: /tmp/x.json\n", &c, &errs), 0);
  assert_int_equal(c.format, FILE_FORMAT_JSON);
  assert_false(c.append);
  assert_false(c.has_rotation); /* absent rotation: never rotate, as otelcol */
  assert_int_equal(c.rotation.max_megabytes, 100);
  assert_int_equal(c.rotation.max_backups, 100);
  assert_int_equal(c.rotation.max_days, 0);
  assert_int_equal(c.flush_interval, OTLPD_NS_PER_SEC);
  assert_false(c.create_directory);
  otlpd_settings_free(file_settings, &c);
  assert_int_equal(load_cfg("path: x\nrotation:\n  localtime: true\ngroup_by:\n  enabled: true\n",
                            &c, &errs), 0);
  assert_true(c.has_rotation);
  assert_true(c.rotation.localtime);
  assert_int_equal(c.rotation.max_megabytes, 100);
  otlpd_settings_free(file_settings, &c);
  assert_int_equal(errs.n, 0);
  otlpd_errors_free(&errs); /* warnings too */
}

static void expect_bad(const char *yaml, const char *mention) {
  file_cfg c;
  otlpd_errors errs = {0};
  assert_int_not_equal(load_cfg(yaml, &c, &errs), 0);
  if (!errors_mention(&errs, mention)) {
    otlpd_errors_print(&errs, stderr);
    fail_msg("no error mentions \"%s\"", mention);
  }
  otlpd_settings_free(file_settings, &c);
  otlpd_errors_free(&errs);
}

static void test_config_errors(void **state) {
  expect_bad("format: json\n", "path");
  expect_bad("path: \"\"\n", "path");
  expect_bad("path: x\nformat: xml\n", "format");
  expect_bad("path: x\ncompression: gzip\n", "compression");
  expect_bad("path: x\nappend: true\ncompression: zstd\n", "append");
  expect_bad("path: x\nappend: true\nrotation:\n  max_backups: 3\n", "rotation");
  expect_bad("path: x\ndirectory_permissions: \"0755\"\n", "create_directory");
  expect_bad("path: x\ncreate_directory: true\ndirectory_permissions: \"rwx\"\n", "octal");
  expect_bad("path: x\nflush_interval: soon\n", "flush_interval");
  expect_bad("path: x\nrotation:\n  max_megabytes: -1\n", "max_megabytes");
  expect_bad("path: x\nunknown_key: 1\n", "unknown_key");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_lines_roundtrip),
      cmocka_unit_test(test_proto_roundtrip),
      cmocka_unit_test(test_zstd_roundtrip),
      cmocka_unit_test(test_metrics_and_logs_roundtrip),
      cmocka_unit_test(test_rotation_keeps_everything_in_order),
      cmocka_unit_test(test_rotation_respects_max_backups),
      cmocka_unit_test(test_truncate_by_default),
      cmocka_unit_test(test_append_keeps_old_content),
      cmocka_unit_test(test_shutdown_flushes_everything),
      cmocka_unit_test(test_flush_timer_writes_without_shutdown),
      cmocka_unit_test(test_full_queue_pushes_back),
      cmocka_unit_test(test_write_errors_drop_and_count),
      cmocka_unit_test(test_create_directory),
      cmocka_unit_test(test_config_defaults),
      cmocka_unit_test(test_config_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
