/* tls::reload_interval: certificates rotated on disk (cert-manager writes
 * a new directory and swaps a symlink) are served without a restart.
 *
 * stat() follows symlinks, so a swap shows as a new inode; a rewrite in
 * place as a new size or mtime. A build that fails (a file half-written,
 * a key not yet matching its certificate) keeps the old context, is
 * logged once, and is tried again when the files change once more. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tls_server.h"

static const char *file_at(const otlp_tls_cfg *t, int i) {
  switch (i) {
  case 0: return t->cert_file;
  case 1: return t->key_file;
  case 2: return t->ca_file;
  default: return t->client_ca_file;
  }
}

static void stamp_all(const otlp_tls_cfg *t, otlp_tls_stamp out[OTLP_TLS_FILES]) {
  memset(out, 0, sizeof(otlp_tls_stamp) * OTLP_TLS_FILES);
  for (int i = 0; i < OTLP_TLS_FILES; i++) {
    const char *f = file_at(t, i);
    struct stat st;
    if (!f || !*f) continue;
    if (stat(f, &st) != 0) {
      out[i].err = errno;
      continue;
    }
    out[i].dev = st.st_dev;
    out[i].ino = st.st_ino;
    out[i].size = st.st_size;
    out[i].mtime = st.st_mtim;
  }
}

static bool same(const otlp_tls_stamp *a, const otlp_tls_stamp *b) {
  for (int i = 0; i < OTLP_TLS_FILES; i++)
    if (a[i].dev != b[i].dev || a[i].ino != b[i].ino || a[i].size != b[i].size || a[i].err != b[i].err ||
        a[i].mtime.tv_sec != b[i].mtime.tv_sec || a[i].mtime.tv_nsec != b[i].mtime.tv_nsec)
      return false;
  return true;
}

int otlp_tls_reload_check(otlp_tls_reload *r) {
  otlp_tls_stamp now[OTLP_TLS_FILES];
  stamp_all(r->cfg, now);
  if (same(now, r->loaded) || (r->has_failed && same(now, r->failed))) return 0;
  SSL_CTX *fresh;
  int rc = otlp_tls_ctx_build(r->cfg, r->who, r->log, r->hook, &fresh); /* logs the file that failed */
  if (rc < 0) {
    memcpy(r->failed, now, sizeof(now));
    r->has_failed = true;
    r->failures++;
    if (r->counters) otlpd_count(&r->counters->tls_reload_failures, 1);
    otlpd_error(r->log, "%s tls: reload failed (%llu failure(s) so far); still serving the previous certificate",
                r->who, (unsigned long long)r->failures);
    return rc;
  }
  SSL_CTX_free(r->ctx); /* open connections keep their own reference */
  r->ctx = fresh;
  memcpy(r->loaded, now, sizeof(now));
  r->has_failed = false;
  r->reloads++;
  if (r->counters) otlpd_count(&r->counters->tls_reloads, 1);
  otlpd_info(r->log, "%s tls: certificates reloaded from %s (%llu reload(s), %llu failure(s))", r->who,
             r->cfg->cert_file, (unsigned long long)r->reloads, (unsigned long long)r->failures);
  return 1;
}

static void on_tick(uv_timer_t *t) { otlp_tls_reload_check(t->data); }

int otlp_tls_reload_start(uv_loop_t *loop, const otlp_tls_cfg *t, int64_t interval_ns, const char *who,
                          const otlpd_logger *log, otlp_tls_ctx_hook hook, otlpd_counters *counters,
                          otlp_tls_reload **out) {
  *out = NULL;
  otlp_tls_reload *r = calloc(1, sizeof(*r));
  if (!r) return -ENOMEM;
  r->cfg = t;
  r->who = who;
  r->log = log;
  r->hook = hook;
  r->counters = counters;
  stamp_all(t, r->loaded); /* before the build: a change while building is seen next tick */
  int rc = otlp_tls_ctx_build(t, who, log, hook, &r->ctx);
  if (rc < 0) {
    free(r);
    return rc;
  }
  if (interval_ns > 0) {
    uint64_t ms = (uint64_t)interval_ns / 1000000u;
    if (ms == 0) ms = 1;
    uv_timer_init(loop, &r->timer); /* cannot fail */
    r->timer.data = r;
    r->timer_on = true;
    uv_timer_start(&r->timer, on_tick, ms, ms);
    uv_unref((uv_handle_t *)&r->timer);
  }
  *out = r;
  return 0;
}

static void on_timer_closed(uv_handle_t *h) { free(h->data); }

void otlp_tls_reload_stop(otlp_tls_reload *r) {
  if (!r) return;
  SSL_CTX_free(r->ctx);
  r->ctx = NULL;
  if (r->timer_on) {
    r->timer_on = false;
    uv_close((uv_handle_t *)&r->timer, on_timer_closed);
  } else {
    free(r);
  }
}
