/* The API's lists and watch events (pods, and the ReplicaSets,
 * Namespaces and Nodes of the side tables) applied to the table. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "k8s_attributes.h"
#include "k8sattr_json.h"

static int set_rv(char **rv, const char *s) {
  if (!rv || !s || !*s) return 0;
  char *c = strdup(s);
  if (!c) return -ENOMEM;
  free(*rv);
  *rv = c;
  return 0;
}

/* {"resourceVersion": ..., "continue": ...} of a list; other members
 * skipped. */
static int list_metadata(k8sattr_json *j, char **rv, char **cont) {
  k8sattr_jtok t;
  k8sattr_jtype ty = k8sattr_json_next(j, &t);
  if (ty != KJ_OBJ_BEGIN) return k8sattr_json_skip(j, &t);
  while ((ty = k8sattr_json_next(j, &t)) == KJ_KEY) {
    bool is_rv = KJ_IS(&t, "resourceVersion"), is_cont = KJ_IS(&t, "continue");
    ty = k8sattr_json_next(j, &t);
    if (is_rv && ty == KJ_STRING) {
      char buf[64];
      size_t n = t.n < sizeof(buf) - 1 ? t.n : sizeof(buf) - 1;
      memcpy(buf, t.s, n);
      buf[n] = '\0';
      if (set_rv(rv, buf)) return -ENOMEM;
    } else if (is_cont && ty == KJ_STRING) {
      /* an opaque token; "" means this was the last page */
      if (cont && t.n) {
        free(*cont);
        if (!(*cont = strndup(t.s, t.n))) return -ENOMEM;
      }
    } else if (k8sattr_json_skip(j, &t)) {
      return -EBADMSG;
    }
  }
  return ty == KJ_OBJ_END ? 0 : -EBADMSG;
}

/* One object of any kind, as parsed. */
typedef struct item {
  k8sattr_kind kind;
  k8sattr_pod *pod; /* KR_POD */
  k8sattr_obj *obj; /* the others */
} item;

static int item_parse(k8sattr_json *j, const k8sattr_rules *r, item *it) {
  int err = 0;
  if (it->kind == KR_POD) it->pod = k8sattr_pod_parse(j, r, &err);
  else it->obj = k8sattr_obj_parse(j, r, it->kind, &err);
  return it->pod || it->obj ? 0 : err ? err : -EBADMSG;
}

static const char *item_key(const item *it) { return it->pod ? it->pod->uid : it->obj ? it->obj->key : NULL; }
static const char *item_rv(const item *it) { return it->pod ? it->pod->rv : it->obj ? it->obj->rv : NULL; }
static int item_status(const item *it) { return it->pod ? it->pod->status_code : it->obj ? it->obj->status_code : 0; }

static void item_free(item *it) {
  k8sattr_pod_free(it->pod);
  k8sattr_obj_free(it->obj);
  it->pod = NULL;
  it->obj = NULL;
}

/* Takes the object. 0 or -ENOMEM. */
static int item_upsert(k8sattr_table *t, item *it) {
  int rc = it->pod ? k8sattr_table_upsert(t, it->pod) : k8sattr_table_obj_upsert(t, it->kind, it->obj);
  it->pod = NULL;
  it->obj = NULL;
  return rc;
}

static void item_delete(k8sattr_table *t, item *it) {
  const char *key = item_key(it);
  if (it->pod) k8sattr_table_delete(t, key, strlen(key));
  else k8sattr_table_obj_delete(t, it->kind, key, strlen(key));
  item_free(it);
}

static void gen_begin(k8sattr_table *t, k8sattr_kind kind) {
  if (kind == KR_POD) k8sattr_table_begin(t);
  else k8sattr_table_obj_begin(t, kind);
}

static void gen_end(k8sattr_table *t, k8sattr_kind kind) {
  if (kind == KR_POD) k8sattr_table_end(t);
  else k8sattr_table_obj_end(t, kind);
}

static int list_items(k8sattr_table *t, const k8sattr_rules *r, k8sattr_kind kind, k8sattr_json *j) {
  k8sattr_jtok tok;
  k8sattr_jtype ty = k8sattr_json_next(j, &tok);
  if (ty == KJ_NULL) return 0;
  if (ty != KJ_ARR_BEGIN) return -EBADMSG;
  while ((ty = k8sattr_json_next(j, &tok)) == KJ_OBJ_BEGIN) {
    item it = {.kind = kind};
    int err = item_parse(j, r, &it);
    if (err) return err;
    if (!item_key(&it)) {
      item_free(&it);
      continue;
    }
    if (item_upsert(t, &it)) return -ENOMEM;
  }
  return ty == KJ_ARR_END ? 0 : -EBADMSG;
}

int k8sattr_apply_list_page(k8sattr_table *t, const k8sattr_rules *r, k8sattr_json *j, const char *body,
                            size_t len, bool first, char **rv, char **cont) {
  return k8sattr_apply_kind_list_page(t, r, KR_POD, j, body, len, first, rv, cont);
}

int k8sattr_apply_kind_list_page(k8sattr_table *t, const k8sattr_rules *r, k8sattr_kind kind, k8sattr_json *j,
                                 const char *body, size_t len, bool first, char **rv, char **cont) {
  k8sattr_json_init(j, body, len);
  k8sattr_jtok tok;
  if (k8sattr_json_next(j, &tok) != KJ_OBJ_BEGIN) return -EBADMSG;
  if (first) gen_begin(t, kind);
  k8sattr_jtype ty;
  int rc = 0;
  while (rc == 0 && (ty = k8sattr_json_next(j, &tok)) == KJ_KEY) {
    if (KJ_IS(&tok, "metadata")) rc = list_metadata(j, rv, cont);
    else if (KJ_IS(&tok, "items")) rc = list_items(t, r, kind, j);
    else if (k8sattr_json_next(j, &tok) == KJ_ERROR || k8sattr_json_skip(j, &tok)) rc = -EBADMSG;
  }
  if (rc == 0 && (ty != KJ_OBJ_END || k8sattr_json_next(j, &tok) != KJ_END)) rc = -EBADMSG;
  if (rc && cont) {
    free(*cont);
    *cont = NULL;
  }
  /* the last page ends the generation; a broken page removes nothing */
  if (rc == 0 && !(cont && *cont)) gen_end(t, kind);
  return rc;
}

int k8sattr_apply_list(k8sattr_table *t, const k8sattr_rules *r, k8sattr_json *j, const char *body,
                       size_t len, char **rv) {
  return k8sattr_apply_list_page(t, r, j, body, len, true, rv, NULL);
}

typedef enum { EV_NONE, EV_ADDED, EV_MODIFIED, EV_DELETED, EV_BOOKMARK, EV_ERROR } ev_type;

static ev_type ev_parse(const k8sattr_jtok *t) {
  if (KJ_IS(t, "ADDED")) return EV_ADDED;
  if (KJ_IS(t, "MODIFIED")) return EV_MODIFIED;
  if (KJ_IS(t, "DELETED")) return EV_DELETED;
  if (KJ_IS(t, "BOOKMARK")) return EV_BOOKMARK;
  if (KJ_IS(t, "ERROR")) return EV_ERROR;
  return EV_NONE;
}

static int apply(k8sattr_table *t, ev_type ev, item *it, char **rv) {
  if (ev == EV_ERROR) {
    int code = item_status(it);
    item_free(it);
    return code == 410 ? K8SATTR_EV_GONE : -EPROTO;
  }
  if (set_rv(rv, item_rv(it))) {
    item_free(it);
    return -ENOMEM;
  }
  if (item_key(it) && (ev == EV_ADDED || ev == EV_MODIFIED)) return item_upsert(t, it);
  if (item_key(it) && ev == EV_DELETED) item_delete(t, it);
  item_free(it);
  return 0;
}

int k8sattr_apply_event(k8sattr_table *t, const k8sattr_rules *r, k8sattr_json *j, const char *line,
                        size_t len, char **rv) {
  return k8sattr_apply_kind_event(t, r, KR_POD, j, line, len, rv);
}

int k8sattr_apply_kind_event(k8sattr_table *t, const k8sattr_rules *r, k8sattr_kind kind, k8sattr_json *j,
                             const char *line, size_t len, char **rv) {
  k8sattr_json_init(j, line, len);
  k8sattr_jtok tok;
  if (k8sattr_json_next(j, &tok) != KJ_OBJ_BEGIN) return -EBADMSG;
  ev_type ev = EV_NONE;
  item it = {.kind = kind};
  bool have = false;
  k8sattr_jtype ty;
  int rc = 0;
  while (rc == 0 && (ty = k8sattr_json_next(j, &tok)) == KJ_KEY) {
    if (KJ_IS(&tok, "type")) {
      if (k8sattr_json_next(j, &tok) != KJ_STRING) rc = -EBADMSG;
      else ev = ev_parse(&tok);
    } else if (KJ_IS(&tok, "object") && !have) {
      if (k8sattr_json_next(j, &tok) != KJ_OBJ_BEGIN) rc = -EBADMSG;
      else have = (rc = item_parse(j, r, &it)) == 0;
    } else if (k8sattr_json_next(j, &tok) == KJ_ERROR || k8sattr_json_skip(j, &tok)) {
      rc = -EBADMSG;
    }
  }
  if (rc == 0 && (ty != KJ_OBJ_END || k8sattr_json_next(j, &tok) != KJ_END)) rc = -EBADMSG;
  if (rc == 0 && (ev == EV_NONE || !have)) rc = -EBADMSG;
  if (rc) {
    item_free(&it);
    return rc;
  }
  return apply(t, ev, &it, rv);
}
