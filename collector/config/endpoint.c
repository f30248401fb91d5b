/* Listen/connect endpoints: "host:port", ":port" (all interfaces),
 * "[v6addr]:port" and "unix:/path" (port 0). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static int parse_port(const char *p, int *port) {
  if (!*p)
    return -EINVAL;
  long v = 0;
  for (; *p; p++) {
    if (*p < '0' || *p > '9')
      return -EINVAL;
    v = v * 10 + (*p - '0');
    if (v > 65535)
      return -EINVAL;
  }
  *port = (int)v;
  return 0;
}

static int copy_host(const char *h, size_t n, char *host, size_t hostlen, const char **why) {
  if (!host)
    return 0;
  if (n >= hostlen) {
    *why = "host name too long";
    return -EINVAL;
  }
  memcpy(host, h, n);
  host[n] = '\0';
  return 0;
}

int otlpd_endpoint_check(const char *s, char *host, size_t hostlen, int *port, const char **why) {
  const char *dummy;
  int p = 0;
  if (!why)
    why = &dummy;
  if (!s || !*s) {
    *why = "empty endpoint";
    return -EINVAL;
  }
  if (strncmp(s, "unix:", 5) == 0) {
    if (!s[5]) {
      *why = "missing socket path after \"unix:\"";
      return -EINVAL;
    }
    if (port)
      *port = 0;
    return copy_host(s + 5, strlen(s + 5), host, hostlen, why);
  }
  const char *h = s, *colon;
  size_t hlen;
  if (*s == '[') {
    const char *close = strchr(s, ']');
    if (!close || close == s + 1 || close[1] != ':') {
      *why = "expected \"[address]:port\"";
      return -EINVAL;
    }
    h = s + 1;
    hlen = (size_t)(close - h);
    colon = close + 1;
  } else {
    colon = strrchr(s, ':');
    if (!colon) {
      *why = "missing \":port\"";
      return -EINVAL;
    }
    hlen = (size_t)(colon - s);
    if (memchr(s, ':', hlen)) {
      *why = "IPv6 addresses need brackets, as in \"[::1]:4317\"";
      return -EINVAL;
    }
  }
  for (size_t i = 0; i < hlen; i++)
    if ((unsigned char)h[i] <= ' ') {
      *why = "host contains spaces or control characters";
      return -EINVAL;
    }
  if (parse_port(colon + 1, &p) != 0) {
    *why = "port must be a number from 0 to 65535";
    return -EINVAL;
  }
  if (copy_host(h, hlen, host, hostlen, why) != 0)
    return -EINVAL;
  if (port)
    *port = p;
  return 0;
}

int otlpd_parse_endpoint(const char *s, char *host, size_t hostlen, int *port) {
  return otlpd_endpoint_check(s, host, hostlen, port, NULL);
}
