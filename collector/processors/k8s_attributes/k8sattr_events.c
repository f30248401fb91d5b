/* The API's pod list and watch events applied to the table. */
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

static int list_items(k8sattr_table *t, const k8sattr_rules *r, k8sattr_json *j) {
  k8sattr_jtok tok;
  k8sattr_jtype ty = k8sattr_json_next(j, &tok);
  if (ty == KJ_NULL) return 0;
  if (ty != KJ_ARR_BEGIN) return -EBADMSG;
  while ((ty = k8sattr_json_next(j, &tok)) == KJ_OBJ_BEGIN) {
    int err = 0;
    k8sattr_pod *p = k8sattr_pod_parse(j, r, &err);
    if (!p) return err;
    if (!p->uid) {
      k8sattr_pod_free(p);
      continue;
    }
    if (k8sattr_table_upsert(t, p)) return -ENOMEM;
  }
  return ty == KJ_ARR_END ? 0 : -EBADMSG;
}

int k8sattr_apply_list_page(k8sattr_table *t, const k8sattr_rules *r, k8sattr_json *j, const char *body,
                            size_t len, bool first, char **rv, char **cont) {
  k8sattr_json_init(j, body, len);
  k8sattr_jtok tok;
  if (k8sattr_json_next(j, &tok) != KJ_OBJ_BEGIN) return -EBADMSG;
  if (first) k8sattr_table_begin(t);
  k8sattr_jtype ty;
  int rc = 0;
  while (rc == 0 && (ty = k8sattr_json_next(j, &tok)) == KJ_KEY) {
    if (KJ_IS(&tok, "metadata")) rc = list_metadata(j, rv, cont);
    else if (KJ_IS(&tok, "items")) rc = list_items(t, r, j);
    else if (k8sattr_json_next(j, &tok) == KJ_ERROR || k8sattr_json_skip(j, &tok)) rc = -EBADMSG;
  }
  if (rc == 0 && (ty != KJ_OBJ_END || k8sattr_json_next(j, &tok) != KJ_END)) rc = -EBADMSG;
  if (rc && cont) {
    free(*cont);
    *cont = NULL;
  }
  /* the last page ends the generation; a broken page removes nothing */
  if (rc == 0 && !(cont && *cont)) k8sattr_table_end(t);
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

static int apply(k8sattr_table *t, ev_type ev, k8sattr_pod *p, char **rv) {
  if (ev == EV_ERROR) {
    int code = p->status_code;
    k8sattr_pod_free(p);
    return code == 410 ? K8SATTR_EV_GONE : -EPROTO;
  }
  if (set_rv(rv, p->rv)) {
    k8sattr_pod_free(p);
    return -ENOMEM;
  }
  if (p->uid && (ev == EV_ADDED || ev == EV_MODIFIED)) return k8sattr_table_upsert(t, p);
  if (p->uid && ev == EV_DELETED) k8sattr_table_delete(t, p->uid, strlen(p->uid));
  k8sattr_pod_free(p);
  return 0;
}

int k8sattr_apply_event(k8sattr_table *t, const k8sattr_rules *r, k8sattr_json *j, const char *line,
                        size_t len, char **rv) {
  k8sattr_json_init(j, line, len);
  k8sattr_jtok tok;
  if (k8sattr_json_next(j, &tok) != KJ_OBJ_BEGIN) return -EBADMSG;
  ev_type ev = EV_NONE;
  k8sattr_pod *p = NULL;
  k8sattr_jtype ty;
  int rc = 0;
  while (rc == 0 && (ty = k8sattr_json_next(j, &tok)) == KJ_KEY) {
    if (KJ_IS(&tok, "type")) {
      if (k8sattr_json_next(j, &tok) != KJ_STRING) rc = -EBADMSG;
      else ev = ev_parse(&tok);
    } else if (KJ_IS(&tok, "object") && !p) {
      if (k8sattr_json_next(j, &tok) != KJ_OBJ_BEGIN) rc = -EBADMSG;
      else if (!(p = k8sattr_pod_parse(j, r, &rc)) && !rc) rc = -EBADMSG;
    } else if (k8sattr_json_next(j, &tok) == KJ_ERROR || k8sattr_json_skip(j, &tok)) {
      rc = -EBADMSG;
    }
  }
  if (rc == 0 && (ty != KJ_OBJ_END || k8sattr_json_next(j, &tok) != KJ_END)) rc = -EBADMSG;
  if (rc == 0 && (ev == EV_NONE || !p)) rc = -EBADMSG;
  if (rc) {
    k8sattr_pod_free(p);
    return rc;
  }
  return apply(t, ev, p, rv);
}
