/* Node tree -> otlpd_config: component sections through their factories'
 * settings tables, then the service section (service.c, pipelines.c). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const top_sections[] = {"receivers",  "processors", "exporters",
                                           "extensions", "service",    NULL};

static void check_top_level(const otlpd_node *root, otlpd_errors *errs) {
  for (size_t i = 0; i < root->n; i++) {
    const char *k = root->keys[i];
    size_t j = 0;
    while (top_sections[j] && strcmp(top_sections[j], k) != 0)
      j++;
    if (top_sections[j])
      continue;
    if (!strcmp(k, "connectors"))
      otlpd_errorf(errs, "connectors: connectors are not supported by otlpd");
    else {
      const char *near = otlpd_suggest(k, top_sections, j);
      otlpd_errorf(errs,
                   "%s: unknown top-level section%s%s%s (expected receivers, processors, "
                   "exporters, extensions or service)",
                   k, near ? " (did you mean \"" : "", near ? near : "", near ? "\"?)" : "");
    }
  }
}

/* "type" or "type/name", as otelcol's component.ID; 0 with the type's
 * length, or -EINVAL after reporting. */
static int parse_id(const char *id, const char *path, size_t *type_len, otlpd_errors *errs) {
  const char *slash = strchr(id, '/');
  size_t tlen = slash ? (size_t)(slash - id) : strlen(id);
  bool type_ok = tlen > 0 && isalpha((unsigned char)id[0]);
  for (size_t i = 1; type_ok && i < tlen; i++)
    type_ok = isalnum((unsigned char)id[i]) || id[i] == '_';
  if (!type_ok) {
    otlpd_errorf(errs,
                 "%s: invalid component id: the type must be a letter followed by "
                 "letters, digits or _",
                 path);
    return -EINVAL;
  }
  if (slash && !slash[1]) {
    otlpd_errorf(errs, "%s: invalid component id: the name after \"/\" must not be empty", path);
    return -EINVAL;
  }
  for (const char *p = slash; p && *p; p++)
    if ((unsigned char)*p <= ' ') {
      otlpd_errorf(errs, "%s: invalid component id: the name must not contain spaces", path);
      return -EINVAL;
    }
  *type_len = tlen;
  return 0;
}

/* Names the types that exist, and the nearest one to a misspelling. */
static void report_unknown_type(otlpd_kind kind, const char *id, size_t tlen, const char *path,
                                otlpd_errors *errs) {
  size_t nf;
  const otlpd_factory *const *fs = otlpd_factories(&nf);
  const char *names[64];
  size_t n = 0;
  char known[512] = "";
  size_t kl = 0;
  for (size_t i = 0; i < nf && n < 64; i++) {
    if (fs[i]->kind != kind) continue;
    names[n++] = fs[i]->type;
    int w = snprintf(known + kl, sizeof known - kl, "%s%s", kl ? ", " : "", fs[i]->type);
    if (w > 0 && (size_t)w < sizeof known - kl) kl += (size_t)w;
  }
  char type[128];
  snprintf(type, sizeof type, "%.*s", (int)tlen, id);
  const char *near = otlpd_suggest(type, names, n);
  if (near)
    otlpd_errorf(errs, "%s: unknown %s type \"%s\" (did you mean \"%s\"? known: %s)", path,
                 otlpd_kind_name(kind), type, near, known);
  else
    otlpd_errorf(errs, "%s: unknown %s type \"%s\" (known: %s)", path, otlpd_kind_name(kind), type,
                 n ? known : "none");
}

static void build_component(otlpd_config *c, otlpd_kind kind, const char *id,
                            const otlpd_node *node, otlpd_errors *errs) {
  char path[OTLPD_PATH_MAX];
  otlpd_path_join(path, otlpd_kind_section(kind), id);
  otlpd_component_cfg *comp = &c->components[c->n_components];
  if (!(comp->id = otlpd_strndup0(id, strlen(id)))) {
    otlpd_errorf(errs, "%s: out of memory", path);
    return;
  }
  comp->kind = kind;
  c->n_components++;
  size_t tlen;
  if (parse_id(id, path, &tlen, errs) != 0)
    return;
  const otlpd_factory *f = otlpd_factory_find(kind, id, tlen);
  if (!f) {
    report_unknown_type(kind, id, tlen, path, errs);
    return;
  }
  comp->factory = f;
  if (!(comp->config = calloc(1, f->config_size ? f->config_size : 1))) {
    otlpd_errorf(errs, "%s: out of memory", path);
    return;
  }
  otlpd_settings_defaults(f->settings, comp->config);
  if (otlpd_settings_apply(f->settings, comp->config, node, path, errs) != 0)
    return; /* cross-field checks on a half-applied config only add noise */
  size_t before = errs->n;
  if (f->validate && f->validate(comp->config, path, errs) != 0 && errs->n == before)
    otlpd_errorf(errs, "%s: invalid configuration", path);
}

static void build_section(otlpd_config *c, const otlpd_node *root, otlpd_kind kind,
                          otlpd_errors *errs) {
  const char *name = otlpd_kind_section(kind);
  const otlpd_node *sec = otlpd_node_get(root, name);
  if (otlpd_node_is_null(sec))
    return;
  if (sec->kind != OTLPD_NODE_MAP) {
    char buf[256];
    otlpd_errorf(errs, "%s: expected a map of component ids, got %s", name,
                 otlpd_node_describe(sec, buf, sizeof(buf)));
    return;
  }
  for (size_t i = 0; i < sec->n; i++)
    build_component(c, kind, sec->keys[i], sec->items[i], errs);
}

static size_t count_components(const otlpd_node *root) {
  size_t n = 0;
  for (int k = 0; k < OTLPD_KIND_COUNT; k++) {
    const otlpd_node *sec = otlpd_node_get(root, otlpd_kind_section((otlpd_kind)k));
    if (sec && sec->kind == OTLPD_NODE_MAP)
      n += sec->n;
  }
  return n;
}

int otlpd_config_build(otlpd_node *root, otlpd_config *out, otlpd_errors *errs) {
  memset(out, 0, sizeof(*out));
  out->root = root;
  out->log_level = OTLPD_LOG_INFO;
  out->shutdown_timeout = OTLPD_DEFAULT_SHUTDOWN_TIMEOUT;
  size_t before = errs->n;
  if (!otlpd_node_is_null(root) && root->kind != OTLPD_NODE_MAP) {
    otlpd_errorf(errs, "the top level of the configuration must be a map of sections");
    goto fail;
  }
  if (root && root->kind == OTLPD_NODE_MAP)
    check_top_level(root, errs);
  /* sized once: pipelines keep pointers into this array */
  out->components = calloc(count_components(root) + 1, sizeof(*out->components));
  if (!out->components) {
    otlpd_errorf(errs, "out of memory");
    goto fail;
  }
  for (int k = 0; k < OTLPD_KIND_COUNT; k++)
    build_section(out, root, (otlpd_kind)k, errs);
  otlpd_cfg_build_service(out, otlpd_node_get(root, "service"), errs);
  if (errs->n == before)
    return 0;
fail:
  otlpd_config_free(out);
  return -EINVAL;
}

void otlpd_config_free(otlpd_config *c) {
  for (size_t i = 0; i < c->n_components; i++) {
    otlpd_component_cfg *comp = &c->components[i];
    if (comp->factory && comp->config)
      otlpd_settings_free(comp->factory->settings, comp->config);
    free(comp->config);
    free(comp->id);
  }
  free(c->components);
  for (size_t i = 0; i < c->n_pipelines; i++) {
    otlpd_pipeline_cfg *p = &c->pipelines[i];
    free(p->id);
    free(p->receivers);
    free(p->processors);
    free(p->exporters);
  }
  free(c->pipelines);
  otlpd_node_free(c->root);
  memset(c, 0, sizeof(*c));
}

otlpd_component_cfg *otlpd_config_find(const otlpd_config *c, otlpd_kind k, const char *id) {
  for (size_t i = 0; i < c->n_components; i++)
    if (c->components[i].kind == k && !strcmp(c->components[i].id, id))
      return &c->components[i];
  return NULL;
}
