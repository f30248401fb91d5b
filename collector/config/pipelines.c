/* service::pipelines -> otlpd_pipeline_cfg, resolving component ids. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int otlpd_cfg_id_list(const otlpd_node *n, const char *path, const char ***out, size_t *count,
                      otlpd_errors *errs) {
  char buf[256];
  *out = NULL;
  *count = 0;
  if (otlpd_node_is_null(n))
    return 0;
  if (n->kind == OTLPD_NODE_MAP) {
    otlpd_errorf(errs, "%s: expected a list of component ids, got a map", path);
    return -EINVAL;
  }
  size_t len = n->kind == OTLPD_NODE_SEQ ? n->n : 1;
  const char **ids = calloc(len + 1, sizeof(*ids));
  if (!ids) {
    otlpd_errorf(errs, "%s: out of memory", path);
    return -EINVAL;
  }
  for (size_t i = 0; i < len; i++) {
    const otlpd_node *it = n->kind == OTLPD_NODE_SEQ ? n->items[i] : n;
    if (it->kind != OTLPD_NODE_SCALAR) {
      otlpd_errorf(errs, "%s: item %zu: expected a component id, got %s", path, i + 1,
                   otlpd_node_describe(it, buf, sizeof(buf)));
      free(ids);
      return -EINVAL;
    }
    ids[i] = it->scalar;
  }
  *out = ids;
  *count = len;
  return 0;
}

typedef struct role {
  const char *key;
  otlpd_kind kind;
  bool required;
} role;

static const role roles[] = {
    {"receivers", OTLPD_RECEIVER, true},
    {"processors", OTLPD_PROCESSOR, false},
    {"exporters", OTLPD_EXPORTER, true},
};

static bool listed_before(const char **ids, size_t i) {
  for (size_t j = 0; j < i; j++)
    if (!strcmp(ids[j], ids[i]))
      return true;
  return false;
}

/* One of receivers/processors/exporters of a pipeline. */
static void resolve_role(otlpd_config *c, otlpd_pipeline_cfg *p, const role *r, const otlpd_node *n,
                         const char *pipe_path, otlpd_errors *errs) {
  char path[OTLPD_PATH_MAX];
  otlpd_path_join(path, pipe_path, r->key);
  const char **ids;
  size_t n_ids;
  if (otlpd_cfg_id_list(n, path, &ids, &n_ids, errs) != 0)
    return;
  const char *kname = otlpd_kind_name(r->kind);
  if (n_ids == 0 && r->required)
    otlpd_errorf(errs, "%s: at least one %s is required", path, kname);
  otlpd_component_cfg **list = calloc(n_ids + 1, sizeof(*list));
  size_t used = 0;
  if (!list)
    otlpd_errorf(errs, "%s: out of memory", path);
  for (size_t i = 0; list && i < n_ids; i++) {
    otlpd_component_cfg *comp = otlpd_config_find(c, r->kind, ids[i]);
    if (!comp) {
      otlpd_errorf(errs, "%s: %s \"%s\" is not defined", path, kname, ids[i]);
    } else if (listed_before(ids, i)) {
      otlpd_errorf(errs, "%s: %s \"%s\" is listed more than once", path, kname, ids[i]);
    } else if (comp->factory && !(comp->factory->signals & OTLPD_SIGNAL_BIT(p->signal))) {
      otlpd_errorf(errs, "%s: %s \"%s\" does not support %s", path, kname, ids[i],
                   otlpd_signal_name(p->signal));
    } else {
      comp->signals_used |= OTLPD_SIGNAL_BIT(p->signal);
      list[used++] = comp;
    }
  }
  free(ids);
  if (r->kind == OTLPD_RECEIVER) {
    p->receivers = list;
    p->n_receivers = used;
  } else if (r->kind == OTLPD_PROCESSOR) {
    p->processors = list;
    p->n_processors = used;
  } else {
    p->exporters = list;
    p->n_exporters = used;
  }
}

/* "traces", "metrics/x": the signal before the optional "/name". */
static int parse_pipeline_id(const char *id, const char *path, otlpd_signal *sig,
                             otlpd_errors *errs) {
  const char *slash = strchr(id, '/');
  size_t len = slash ? (size_t)(slash - id) : strlen(id);
  if (otlpd_signal_parse(id, len, sig) != 0) {
    otlpd_errorf(errs, "%s: unknown signal \"%.*s\" (expected traces, metrics or logs)", path,
                 (int)len, id);
    return -EINVAL;
  }
  if (slash && !slash[1]) {
    otlpd_errorf(errs, "%s: invalid pipeline id: the name after \"/\" must not be empty", path);
    return -EINVAL;
  }
  return 0;
}

static void build_pipeline(otlpd_config *c, const char *id, const otlpd_node *n,
                           otlpd_errors *errs) {
  char path[OTLPD_PATH_MAX], buf[256];
  otlpd_path_join(path, "service::pipelines", id);
  otlpd_signal sig;
  if (parse_pipeline_id(id, path, &sig, errs) != 0)
    return;
  if (!otlpd_node_is_null(n) && n->kind != OTLPD_NODE_MAP) {
    otlpd_errorf(errs, "%s: expected a map, got %s", path,
                 otlpd_node_describe(n, buf, sizeof(buf)));
    return;
  }
  otlpd_pipeline_cfg *p = &c->pipelines[c->n_pipelines];
  if (!(p->id = otlpd_strndup0(id, strlen(id)))) {
    otlpd_errorf(errs, "%s: out of memory", path);
    return;
  }
  p->signal = sig;
  c->n_pipelines++;
  for (size_t i = 0; n && i < n->n; i++) {
    size_t r = 0;
    while (r < 3 && strcmp(roles[r].key, n->keys[i]) != 0)
      r++;
    if (r == 3) {
      static const char *const role_keys[] = {"receivers", "processors", "exporters"};
      const char *near = otlpd_suggest(n->keys[i], role_keys, 3);
      otlpd_errorf(errs, "%s::%s: unknown key%s%s%s", path, n->keys[i], near ? " (did you mean \"" : "",
                   near ? near : "", near ? "\"?)" : "");
    }
  }
  for (size_t r = 0; r < 3; r++)
    resolve_role(c, p, &roles[r], otlpd_node_get(n, roles[r].key), path, errs);
}

int otlpd_cfg_build_pipelines(otlpd_config *c, const otlpd_node *pipes, otlpd_errors *errs) {
  char buf[256];
  if (otlpd_node_is_null(pipes) || (pipes->kind == OTLPD_NODE_MAP && pipes->n == 0)) {
    otlpd_errorf(errs, "service::pipelines: at least one pipeline is required");
    return -EINVAL;
  }
  if (pipes->kind != OTLPD_NODE_MAP) {
    otlpd_errorf(errs, "service::pipelines: expected a map of pipelines, got %s",
                 otlpd_node_describe(pipes, buf, sizeof(buf)));
    return -EINVAL;
  }
  if (!(c->pipelines = calloc(pipes->n, sizeof(*c->pipelines)))) {
    otlpd_errorf(errs, "service::pipelines: out of memory");
    return -EINVAL;
  }
  for (size_t i = 0; i < pipes->n; i++)
    build_pipeline(c, pipes->keys[i], pipes->items[i], errs);
  return 0;
}
