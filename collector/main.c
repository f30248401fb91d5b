/* otlpd command line: run, validate, components, --version, --help. */
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli.h"
#include "daemon.h"

/* Arenas and encode buffers take and give back blocks of up to tens of MiB
 * for every batch (a flushed 8192-span batch frees ~20 MB at once). With
 * glibc's defaults big blocks come from mmap and freed heap tops are
 * trimmed back to the kernel, so every batch faults its memory in again:
 * page faults then cost a third of the CPU. Keep blocks in the heap and
 * keep freed memory for reuse. This does not raise the peak: how much is
 * live at once is bounded by the daemon's memory accounting; it only means
 * the peak is not returned to the kernel. */
static void tune_allocator(void) {
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
  mallopt(M_TOP_PAD, 1 * 1024 * 1024);
#endif
}

/* SIGHUP's check: the files (and --set) the daemon started with, read
 * again and built, then thrown away. */
static int check_config(void *arg, otlpd_errors *errs) {
  otlpd_config cfg;
  int rc = otlpd_cli_load_config(arg, &cfg, errs);
  if (rc == 0) otlpd_config_free(&cfg);
  return rc;
}

/* The listeners the daemon kept for the next run (OTLPD_LISTEN_FDS) are
 * the only descriptors that cross the exec. */
static void keep_listeners_open(void) {
  const char *env = getenv("OTLPD_LISTEN_FDS");
  for (const char *p = env; p && *p;) {
    char *end;
    long fd = strtol(p, &end, 10);
    if (end == p) break;
    if (fd > 2) fcntl((int)fd, F_SETFD, 0);
    p = *end == ',' ? end + 1 : end;
  }
}

/* After a reload's drain: the same binary, arguments and pid. Descriptors
 * a library opened without O_CLOEXEC must not leak into the new image. */
static int restart_self(char **argv) {
#if defined(SYS_close_range) && defined(CLOSE_RANGE_CLOEXEC)
  syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC);
#else
  for (int fd = 3; fd < 1024; fd++) {
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0) fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
  }
#endif
  keep_listeners_open();
  fflush(NULL);
  setenv(OTLPD_RESTARTED_ENV, "1", 1);
  execv("/proc/self/exe", argv);
  fprintf(stderr, "otlpd: restart after reload failed: %s\n", strerror(errno));
  return 1;
}

int main(int argc, char **argv) {
  tune_allocator();
  otlpd_cli cli;
  int rc = otlpd_cli_parse(&cli, argc, argv);
  if (rc != 0) return rc < 0 ? 2 : 0;
  switch (cli.command) {
  case OTLPD_CMD_VERSION:
    printf("otlpd %s\n", OTLPD_VERSION);
    return 0;
  case OTLPD_CMD_HELP:
    otlpd_cli_usage(stdout);
    return 0;
  case OTLPD_CMD_COMPONENTS:
    otlpd_cli_components(stdout);
    return 0;
  default:
    break;
  }
  otlpd_config cfg;
  otlpd_errors errs = {0};
  if (otlpd_cli_load_config(&cli, &cfg, &errs) != 0) {
    otlpd_errors_print(&errs, stderr);
    fprintf(stderr, "otlpd: invalid configuration (%zu error%s)\n", errs.n, errs.n == 1 ? "" : "s");
    otlpd_errors_free(&errs);
    otlpd_cli_free(&cli);
    return 1;
  }
  otlpd_errors_print(&errs, stderr); /* warnings only */
  otlpd_errors_free(&errs);
  if (cli.command == OTLPD_CMD_VALIDATE) {
    printf("configuration is valid: %zu pipeline%s\n", cfg.n_pipelines, cfg.n_pipelines == 1 ? "" : "s");
    otlpd_config_free(&cfg);
    otlpd_cli_free(&cli);
    return 0;
  }
  rc = otlpd_daemon_run(&cfg, check_config, &cli);
  otlpd_cli_free(&cli);
  return rc == OTLPD_DAEMON_RESTART ? restart_self(argv) : rc;
}
