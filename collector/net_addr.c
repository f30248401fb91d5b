/* Listening addresses: see include/otlpd/net.h. */
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "otlpd/net.h"

int otlpd_listen_addr(uv_loop_t *loop, const char *host, int port, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof(*ss));
  struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
  if (host[0] == '\0') /* ":port": every interface, IPv6 and IPv4 */
    return uv_ip6_addr("::", port, v6);
  if (strcmp(host, "localhost") == 0) return uv_ip4_addr("127.0.0.1", port, v4);
  if (uv_ip4_addr(host, port, v4) == 0) return 0;
  if (uv_ip6_addr(host, port, v6) == 0) return 0;
  uv_getaddrinfo_t gai;
  struct addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  /* synchronous (no callback): acceptable once at startup */
  int rc = uv_getaddrinfo(loop, &gai, NULL, host, NULL, &hints);
  if (rc < 0) return rc;
  rc = UV_EAI_NONAME;
  for (struct addrinfo *ai = gai.addrinfo; ai; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    if (ai->ai_family == AF_INET) v4->sin_port = htons((uint16_t)port);
    else v6->sin6_port = htons((uint16_t)port);
    rc = 0;
    break;
  }
  uv_freeaddrinfo(gai.addrinfo);
  return rc;
}

void otlpd_sockaddr_str(const struct sockaddr_storage *ss, char *out, size_t n) {
  char ip[INET6_ADDRSTRLEN] = "?";
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
    uv_ip4_name(a, ip, sizeof(ip));
    snprintf(out, n, "%s:%u", ip, ntohs(a->sin_port));
  } else {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
    uv_ip6_name(a, ip, sizeof(ip));
    snprintf(out, n, "[%s]:%u", ip, ntohs(a->sin6_port));
  }
}
