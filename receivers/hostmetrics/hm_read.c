/* Reading /proc files whole into the scrape's reused buffer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "hostmetrics.h"

ssize_t hm_read(hm_scrape *s, const char *dir, const char *rel) {
  char path[4096];
  if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) >= sizeof(path)) return -ENAMETOOLONG;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  size_t len = 0;
  for (;;) {
    if (s->buf_cap - len < 4096) {
      size_t cap = s->buf_cap ? s->buf_cap * 2 : 16384;
      char *b = realloc(s->buf, cap);
      if (!b) {
        close(fd);
        return -ENOMEM;
      }
      s->buf = b;
      s->buf_cap = cap;
    }
    ssize_t r = read(fd, s->buf + len, s->buf_cap - len - 1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int e = -errno;
      close(fd);
      return e;
    }
    if (r == 0) break;
    len += (size_t)r;
  }
  close(fd);
  s->buf[len] = '\0';
  return (ssize_t)len;
}

const char *hm_host_name(hm_scrape *s) {
  const char *name;
  struct utsname u;
  if (s->root && s->root[0]) {
    if (hm_read(s, s->proc, "sys/kernel/hostname") < 0) return NULL;
    name = s->buf;
  } else {
    if (uname(&u) < 0) return NULL;
    name = u.nodename;
  }
  size_t n = strcspn(name, "\r\n");
  return n ? otlpd_arena_strndup(s->arena, name, n) : NULL;
}

int hm_boot_time(hm_scrape *s, uint64_t *btime) {
  ssize_t n = hm_read(s, s->proc, "stat");
  if (n < 0) return (int)n;
  const char *p = strstr(s->buf, "\nbtime ");
  if (!p) return -ENOENT;
  *btime = strtoull(p + 7, NULL, 10);
  return 0;
}

void hm_scrape_release(hm_scrape *s) {
  free(s->buf);
  s->buf = NULL;
  s->buf_cap = 0;
}

void hm_state_free(hm_state *st) {
  free(st->prev_cpu);
  st->prev_cpu = NULL;
  st->prev_ncpu = 0;
}
