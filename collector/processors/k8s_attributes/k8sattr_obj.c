/* One ReplicaSet, Namespace or Node object of the API into what a side
 * table keeps: its key, a ReplicaSet's Deployment owner, and the
 * attributes the from: namespace / node rules take from its labels and
 * annotations. Everything else is skipped while parsing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "k8s_attributes.h"
#include "k8sattr_json.h"

typedef struct odraft {
  k8sattr_obj *o;
  const k8sattr_rules *r;
  k8sattr_kind kind;
  const char *name, *uid;
  k8sattr_attr *extra; /* malloc'd while parsing */
  size_t n, cap;
} odraft;

static int next_str(k8sattr_json *j, otlpd_arena *a, const char **out) {
  k8sattr_jtok t;
  k8sattr_jtype ty = k8sattr_json_next(j, &t);
  if (ty == KJ_NULL) return 0;
  if (ty != KJ_STRING) return k8sattr_json_skip(j, &t) ? -EBADMSG : 0; /* another type: ignored */
  return (*out = otlpd_arena_strndup(a, t.s, t.n)) ? 0 : -ENOMEM;
}

static int skip_value(k8sattr_json *j) {
  k8sattr_jtok t;
  k8sattr_jtype ty = k8sattr_json_next(j, &t);
  if (ty == KJ_ERROR || ty == KJ_END || ty == KJ_OBJ_END || ty == KJ_ARR_END) return -EBADMSG;
  return k8sattr_json_skip(j, &t);
}

static int put_attr(void *ctx, const char *k, size_t klen, const char *v, size_t vlen) {
  odraft *d = ctx;
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 8;
    k8sattr_attr *nv = realloc(d->extra, cap * sizeof(*nv));
    if (!nv) return -ENOMEM;
    d->extra = nv;
    d->cap = cap;
  }
  const char *ks = otlpd_arena_strndup(d->o->arena, k, klen), *vs = otlpd_arena_strndup(d->o->arena, v, vlen);
  if (!ks || !vs) return -ENOMEM;
  d->extra[d->n++] = (k8sattr_attr){ks, vs, (uint32_t)klen, (uint32_t)vlen};
  return 0;
}

/* labels / annotations: each pair through the rules of this kind. The
 * key is copied first: the value may reuse the tokenizer's buffer. */
static int string_map(k8sattr_json *j, odraft *d, bool annotation) {
  k8sattr_jtok t, v;
  k8sattr_jtype ty = k8sattr_json_next(j, &t);
  if (ty == KJ_NULL) return 0;
  if (ty != KJ_OBJ_BEGIN) return k8sattr_json_skip(j, &t);
  char key[320];
  while ((ty = k8sattr_json_next(j, &t)) == KJ_KEY) {
    size_t kl = t.n < sizeof(key) ? t.n : sizeof(key) - 1;
    memcpy(key, t.s, kl);
    key[kl] = '\0';
    if (k8sattr_json_next(j, &v) != KJ_STRING) {
      if (k8sattr_json_skip(j, &v)) return -EBADMSG;
      continue;
    }
    int rc = k8sattr_rules_extract(d->r, d->kind, annotation, key, kl, v.s, v.n, put_attr, d);
    if (rc) return rc;
  }
  return ty == KJ_OBJ_END ? 0 : -EBADMSG;
}

/* ownerReferences: a ReplicaSet's controller is its Deployment. */
static int owners(k8sattr_json *j, odraft *d) {
  k8sattr_jtok t;
  k8sattr_jtype ty = k8sattr_json_next(j, &t);
  if (ty == KJ_NULL) return 0;
  if (ty != KJ_ARR_BEGIN) return k8sattr_json_skip(j, &t);
  while ((ty = k8sattr_json_next(j, &t)) != KJ_ARR_END) {
    if (ty == KJ_ERROR || ty == KJ_END) return -EBADMSG;
    if (ty != KJ_OBJ_BEGIN) {
      if (k8sattr_json_skip(j, &t)) return -EBADMSG;
      continue;
    }
    const char *kind = NULL, *name = NULL, *uid = NULL;
    while ((ty = k8sattr_json_next(j, &t)) == KJ_KEY) {
      int rc = KJ_IS(&t, "kind")   ? next_str(j, d->o->arena, &kind)
               : KJ_IS(&t, "name") ? next_str(j, d->o->arena, &name)
               : KJ_IS(&t, "uid")  ? next_str(j, d->o->arena, &uid)
                                   : skip_value(j);
      if (rc) return rc;
    }
    if (ty != KJ_OBJ_END) return -EBADMSG;
    if (kind && !strcmp(kind, "Deployment")) {
      d->o->deploy_name = name && *name ? name : NULL;
      d->o->deploy_uid = uid && *uid ? uid : NULL;
    }
  }
  return 0;
}

static int metadata(k8sattr_json *j, odraft *d) {
  k8sattr_jtok t;
  k8sattr_jtype ty = k8sattr_json_next(j, &t);
  if (ty == KJ_NULL) return 0;
  if (ty != KJ_OBJ_BEGIN) return k8sattr_json_skip(j, &t);
  bool rules = d->kind != KR_REPLICASET;
  while ((ty = k8sattr_json_next(j, &t)) == KJ_KEY) {
    int rc;
    if (KJ_IS(&t, "name")) rc = next_str(j, d->o->arena, &d->name);
    else if (KJ_IS(&t, "uid")) rc = next_str(j, d->o->arena, &d->uid);
    else if (KJ_IS(&t, "resourceVersion")) rc = next_str(j, d->o->arena, &d->o->rv);
    else if (rules && KJ_IS(&t, "labels")) rc = string_map(j, d, false);
    else if (rules && KJ_IS(&t, "annotations")) rc = string_map(j, d, true);
    else if (!rules && KJ_IS(&t, "ownerReferences")) rc = owners(j, d);
    else rc = skip_value(j);
    if (rc) return rc;
  }
  return ty == KJ_OBJ_END ? 0 : -EBADMSG;
}

static int member(k8sattr_json *j, odraft *d, const k8sattr_jtok *k) {
  if (KJ_IS(k, "metadata")) return metadata(j, d);
  if (KJ_IS(k, "code")) {
    k8sattr_jtok t;
    k8sattr_jtype ty = k8sattr_json_next(j, &t);
    if (ty == KJ_NUMBER) d->o->status_code = k8sattr_jtok_int(&t);
    return k8sattr_json_skip(j, &t);
  }
  return skip_value(j);
}

static int finish(odraft *d) {
  k8sattr_obj *o = d->o;
  const char *key = d->kind == KR_REPLICASET ? d->uid : d->name;
  o->key = key && *key ? key : NULL;
  if (!d->n) return 0;
  o->attrs = otlpd_arena_alloc(o->arena, d->n * sizeof(*o->attrs));
  if (!o->attrs) return -ENOMEM;
  memcpy(o->attrs, d->extra, d->n * sizeof(*o->attrs));
  o->nattrs = d->n;
  return 0;
}

k8sattr_obj *k8sattr_obj_parse(k8sattr_json *j, const k8sattr_rules *r, k8sattr_kind kind, int *err) {
  k8sattr_obj *o = calloc(1, sizeof(*o));
  if (!o || !(o->arena = otlpd_arena_new(512))) {
    free(o);
    *err = -ENOMEM;
    return NULL;
  }
  odraft d = {.o = o, .r = r, .kind = kind};
  k8sattr_jtok t;
  k8sattr_jtype ty = KJ_ERROR;
  int rc = 0;
  while (rc == 0 && (ty = k8sattr_json_next(j, &t)) == KJ_KEY) rc = member(j, &d, &t);
  if (rc == 0 && ty != KJ_OBJ_END) rc = -EBADMSG;
  if (rc == 0) rc = finish(&d);
  free(d.extra);
  if (rc) {
    k8sattr_obj_free(o);
    *err = rc;
    return NULL;
  }
  return o;
}

void k8sattr_obj_free(k8sattr_obj *o) {
  if (!o) return;
  otlpd_arena_free(o->arena);
  free(o);
}
