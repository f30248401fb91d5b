/* Copy-on-write editing of batch entries; see include/otlpd/data.h.
 *
 * Decoded objects are shared between batches (fan-out to pipelines, split
 * copies), so an edit never writes through a pointer it got from the
 * batch. The first edit of an entry moves it onto a child payload of its
 * own: a small arena holding shallow copies of the levels that will
 * change, and a reference on the original owner (as split copies hold
 * their `parent`). Deeper levels are cloned on demand; a level already
 * in the child's arena is private and handed out as is. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "otlpd/component.h"
#include "otlpd/codec.h"
#include "otlpd/data.h"

#define MINE_RESOURCE 1u
#define MINE_SCOPES 2u
#define CHILD_ARENA_FIRST 1024

typedef struct edit_shape {
  size_t item_size, res_field, scopes_n, scopes_arr;
  size_t scope_size, items_n, items_arr, leaf_size;
} edit_shape;

static const edit_shape shapes[OTLPD_SIGNAL_COUNT] = {
    {sizeof(otlp_resource_spans), offsetof(otlp_resource_spans, resource),
     offsetof(otlp_resource_spans, n_scope_spans), offsetof(otlp_resource_spans, scope_spans),
     sizeof(otlp_scope_spans), offsetof(otlp_scope_spans, n_spans),
     offsetof(otlp_scope_spans, spans), sizeof(otlp_span)},
    {sizeof(otlp_resource_metrics), offsetof(otlp_resource_metrics, resource),
     offsetof(otlp_resource_metrics, n_scope_metrics),
     offsetof(otlp_resource_metrics, scope_metrics), sizeof(otlp_scope_metrics),
     offsetof(otlp_scope_metrics, n_metrics), offsetof(otlp_scope_metrics, metrics),
     sizeof(otlp_metric)},
    {sizeof(otlp_resource_logs), offsetof(otlp_resource_logs, resource),
     offsetof(otlp_resource_logs, n_scope_logs), offsetof(otlp_resource_logs, scope_logs),
     sizeof(otlp_scope_logs), offsetof(otlp_scope_logs, n_log_records),
     offsetof(otlp_scope_logs, log_records), sizeof(otlp_log_record)},
};

#define FIELD(p, off, T) (*(T *)(void *)((char *)(p) + (off)))

static void *dup_in(otlpd_arena *a, const void *src, size_t size) {
  void *p = otlpd_arena_alloc(a, size);
  if (p) memcpy(p, src, size);
  return p;
}

/* Shallow copies of n pointed-to objects of `size` bytes into a fresh
 * array (at least one slot, so that the array itself is in the arena). */
static void **dup_ptrs(otlpd_arena *a, void *const *src, size_t n, size_t size) {
  void **arr = otlpd_arena_alloc(a, (n ? n : 1) * sizeof(void *));
  if (!arr) return NULL;
  for (size_t k = 0; k < n; k++)
    if (!(arr[k] = dup_in(a, src[k], size))) return NULL;
  return arr;
}

/* Array, KeyValue and AnyValue structs; keys, strings and nested values
 * stay shared (they are replaced, never written through). */
static otlp_key_value **dup_attrs(otlpd_arena *a, otlp_key_value *const *src, size_t n) {
  otlp_key_value **kv = (otlp_key_value **)dup_ptrs(a, (void *const *)src, n, sizeof(otlp_key_value));
  for (size_t k = 0; kv && k < n; k++)
    if (kv[k]->value && !(kv[k]->value = dup_in(a, kv[k]->value, sizeof(otlp_any_value)))) return NULL;
  return kv;
}

static otlp_resource *dup_resource(otlpd_arena *a, const otlp_resource *r) {
  otlp_resource *c = otlpd_arena_alloc(a, sizeof(*c));
  if (!c) return NULL;
  if (!r) {
    opentelemetry__proto__resource__v1__resource__init(c);
    return c;
  }
  *c = *r;
  c->attributes = dup_attrs(a, r->attributes, r->n_attributes);
  return c->attributes ? c : NULL;
}

otlpd_batch *otlpd_batch_edit(const otlpd_host *h, const otlpd_batch *src) {
  assert(h && h->mutates_data); /* the factory must declare mutates_data */
  (void)h;
  otlpd_batch *b = otlpd_batch_new(src->signal, src->acct);
  if (!b) return NULL;
  if (otlpd_batch_append(b, src)) {
    otlpd_batch_unref(b);
    return NULL;
  }
  b->editable = true;
  return b;
}

void *otlpd_batch_mut_resource(otlpd_batch *b, size_t i) {
  assert(b->editable && i < b->n);
  if (b->mine[i]) return b->resources[i];
  const edit_shape *sh = &shapes[b->signal];
  otlpd_arena *a = otlpd_arena_new(CHILD_ARENA_FIRST);
  if (!a) return NULL;
  otlpd_payload *child = otlpd_payload_new(b->signal, a, NULL, b->acct);
  if (!child) {
    otlpd_arena_free(a);
    return NULL;
  }
  void *res = dup_in(a, b->resources[i], sh->item_size);
  otlp_resource *r = res ? dup_resource(a, FIELD(res, sh->res_field, otlp_resource *)) : NULL;
  if (!r) {
    otlpd_payload_unref(child);
    return NULL;
  }
  FIELD(res, sh->res_field, otlp_resource *) = r;
  child->parent = b->owners[i]; /* b's reference on the original moves to child */
  b->owners[i] = child;
  b->resources[i] = res;
  b->raw[i].p = NULL; /* the client's bytes no longer say what this entry is */
  b->mine[i] = MINE_RESOURCE;
  otlpd_payload_recharge(child);
  return res;
}

void *otlpd_batch_mut_scopes(otlpd_batch *b, size_t i) {
  void *res = otlpd_batch_mut_resource(b, i);
  if (!res || (b->mine[i] & MINE_SCOPES)) return res;
  const edit_shape *sh = &shapes[b->signal];
  otlpd_payload *child = b->owners[i];
  void **sc = dup_ptrs(child->arena, FIELD(res, sh->scopes_arr, void **),
                       FIELD(res, sh->scopes_n, size_t), sh->scope_size);
  otlpd_payload_recharge(child);
  if (!sc) return NULL;
  FIELD(res, sh->scopes_arr, void **) = sc;
  b->mine[i] |= MINE_SCOPES;
  return res;
}

void *otlpd_batch_mut_items(otlpd_batch *b, size_t i, size_t j) {
  void *res = otlpd_batch_mut_scopes(b, i);
  const edit_shape *sh = &shapes[b->signal];
  if (!res || j >= FIELD(res, sh->scopes_n, size_t)) return NULL;
  void *sc = FIELD(res, sh->scopes_arr, void **)[j];
  /* a shallow decode has no item structs; no editor is wired to one */
  if (otlpd_pb_is_shallow_scope(((ProtobufCMessage *)sc)->descriptor)) return NULL;
  otlpd_payload *child = b->owners[i];
  void **items = FIELD(sc, sh->items_arr, void **);
  if (otlpd_arena_owns(child->arena, items)) return sc;
  items = dup_ptrs(child->arena, items, FIELD(sc, sh->items_n, size_t), sh->leaf_size);
  otlpd_payload_recharge(child);
  if (!items) return NULL;
  FIELD(sc, sh->items_arr, void **) = items;
  return sc;
}

int otlpd_batch_own_attrs(otlpd_batch *b, size_t i, size_t *n, otlp_key_value ***kv) {
  assert(b->editable && i < b->n && b->mine[i]);
  otlpd_payload *child = b->owners[i];
  if (!*n || otlpd_arena_owns(child->arena, *kv)) return 0;
  otlp_key_value **c = dup_attrs(child->arena, *kv, *n);
  otlpd_payload_recharge(child);
  if (!c) return -ENOMEM;
  *kv = c;
  return 0;
}

void *otlpd_batch_alloc(otlpd_batch *b, size_t i, size_t size) {
  assert(b->editable && i < b->n && b->mine[i]);
  otlpd_payload *child = b->owners[i];
  void *p = otlpd_arena_alloc(child->arena, size);
  otlpd_payload_recharge(child);
  return p;
}

char *otlpd_batch_strdup(otlpd_batch *b, size_t i, const char *s, size_t len) {
  char *p = otlpd_batch_alloc(b, i, len + 1);
  if (!p) return NULL;
  memcpy(p, s, len);
  p[len] = '\0';
  return p;
}
