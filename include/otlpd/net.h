/* Listening addresses, shared by otlpd's HTTP servers (the OTLP receiver,
 * the telemetry server). */
#ifndef OTLPD_NET_H
#define OTLPD_NET_H

#include <stddef.h>
#include <uv.h>

/* host "" means every interface (IPv6 and IPv4), "localhost" 127.0.0.1;
 * names are resolved synchronously (once, at start). 0 or a libuv error. */
int otlpd_listen_addr(uv_loop_t *loop, const char *host, int port, struct sockaddr_storage *ss);
/* "1.2.3.4:port" or "[::1]:port". */
void otlpd_sockaddr_str(const struct sockaddr_storage *ss, char *out, size_t n);

#endif
