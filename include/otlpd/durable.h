/* A receiver's wait for durable writes: the OK of a request that went into
 * a persistent queue is sent only once its record is written (and synced
 * with fsync: true), which happens on the queue's writer thread.
 *
 * The receiver makes one otlpd_durable per request with holds = 1 (its
 * own), points the payload's `durable` at it for the duration of its
 * consume() call, then sets done/arg and releases its hold. A durable
 * consumer that accepted the batch holds each payload's wait (during
 * consume) and releases it, with 0 or the write's error, once its write
 * is done; any number of waits may ride in one batch. done runs on the
 * loop when the last hold goes: with err 0 the request is answered OK,
 * else retryably, and only then are its items counted as accepted or
 * refused; done frees (or recycles) the wait. Loop thread only. */
#ifndef OTLPD_DURABLE_H
#define OTLPD_DURABLE_H

typedef struct otlpd_durable otlpd_durable;
struct otlpd_durable {
  int holds;
  int err; /* the first error a holder reported, or 0 */
  void (*done)(otlpd_durable *d, int err);
  void *arg;
};

static inline void otlpd_durable_hold(otlpd_durable *d) { d->holds++; }

static inline void otlpd_durable_release(otlpd_durable *d, int err) {
  if (err && !d->err) d->err = err;
  if (--d->holds == 0) d->done(d, d->err);
}

#endif
