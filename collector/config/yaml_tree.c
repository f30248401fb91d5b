/* YAML text -> otlpd_node tree, with libyaml's event API.
 *
 * Aliases are expanded into deep copies so the result is a plain tree that
 * is freed in one call; a node budget stops "billion laughs" documents.
 * Merge keys (`<<: *base`) are honoured as in go-yaml, which otelcol uses. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "internal.h"

/* Far beyond any real config, small enough to bound memory. */
#define YAML_NODE_BUDGET 200000

typedef struct frame {
  otlpd_node *node;
  char *key;          /* MAP: key awaiting its value */
  bool key_is_merge;  /* the pending key is a plain `<<` */
  otlpd_node *merges; /* MAP: `<<` sources, applied at the end */
} frame;

typedef struct anchor {
  char *name;
  otlpd_node *node;
  bool open; /* still being built: an alias to it would recurse */
} anchor;

typedef struct parse_state {
  const char *name;
  otlpd_errors *errs;
  frame stack[OTLPD_YAML_MAX_DEPTH];
  size_t depth;
  anchor *anchors;
  size_t n_anchors;
  otlpd_node *graveyard; /* detached nodes anchors may still point into */
  otlpd_node *root;
  size_t budget;
  int docs;
  bool failed; /* the result is unusable */
  bool stop;   /* and the event stream can no longer be followed */
} parse_state;

/* Structural problems stop the parse: the tree no longer matches events. */
static void fail(parse_state *st, int line, const char *what, const char *detail) {
  otlpd_errorf(st->errs, "%s:%d: %s%s", st->name, line, what, detail ? detail : "");
  st->failed = st->stop = true;
}

static void oom(parse_state *st, int line) { fail(st, line, "out of memory", NULL); }

/* Key path of the map at the top of the stack, for duplicate messages. */
static void stack_path(const parse_state *st, const char *last, char *out) {
  char tmp[OTLPD_PATH_MAX];
  out[0] = '\0';
  for (size_t i = 0; i < st->depth; i++) {
    const frame *f = &st->stack[i];
    char idx[32];
    const char *k = f->key;
    if (f->node->kind == OTLPD_NODE_SEQ) {
      snprintf(idx, sizeof(idx), "%zu", f->node->n);
      k = idx;
    }
    if (!k)
      continue;
    otlpd_path_join(tmp, out, k);
    memcpy(out, tmp, OTLPD_PATH_MAX);
  }
  otlpd_path_join(tmp, out, last);
  memcpy(out, tmp, OTLPD_PATH_MAX);
}

static void bury(parse_state *st, otlpd_node *n) {
  if (!n)
    return;
  if (!st->graveyard)
    st->graveyard = otlpd_node_new(OTLPD_NODE_SEQ);
  if (!st->graveyard || otlpd_node_append(st->graveyard, NULL, n) != 0)
    otlpd_node_free(n); /* no anchor can be used after a failure anyway */
}

static void add_key(parse_state *st, frame *f, otlpd_node *n) {
  if (n->kind == OTLPD_NODE_MAP || n->kind == OTLPD_NODE_SEQ) {
    fail(st, n->line, "a map key must be a scalar", NULL);
    bury(st, n);
    return;
  }
  const char *text = n->scalar ? n->scalar : "";
  f->key_is_merge = n->kind == OTLPD_NODE_SCALAR && !n->quoted && !strcmp(text, "<<");
  f->key = otlpd_strndup0(text, strlen(text));
  if (!f->key)
    oom(st, n->line);
  bury(st, n); /* an anchor may name the key */
}

static void add_merge(parse_state *st, frame *f, otlpd_node *n) {
  bool ok = n->kind == OTLPD_NODE_MAP;
  for (size_t i = 0; n->kind == OTLPD_NODE_SEQ && i < n->n; i++)
    ok = n->items[i]->kind == OTLPD_NODE_MAP;
  if (!ok)
    fail(st, n->line, "a merge key (<<) needs a map or a list of maps", NULL);
  if (!f->merges)
    f->merges = otlpd_node_new(OTLPD_NODE_SEQ);
  if (!f->merges || otlpd_node_append(f->merges, NULL, n) != 0) {
    oom(st, n->line);
    bury(st, n);
  }
}

static void add_value(parse_state *st, frame *f, otlpd_node *n) {
  char *key = f->key;
  f->key = NULL;
  if (!key) {
    bury(st, n);
    return;
  }
  if (f->key_is_merge) {
    add_merge(st, f, n);
  } else if (otlpd_node_find(f->node, key) >= 0) {
    /* keep going: every duplicate of the file is worth reporting */
    char path[OTLPD_PATH_MAX];
    stack_path(st, key, path);
    otlpd_errorf(st->errs, "%s:%d: duplicate key \"%s\"", st->name, n->line, path);
    st->failed = true;
    bury(st, n);
  } else if (otlpd_node_append(f->node, key, n) != 0) {
    oom(st, n->line);
    bury(st, n);
  }
  free(key);
}

/* Attach a finished node to its parent (or make it the document root). */
static void attach(parse_state *st, otlpd_node *n) {
  frame *top = st->depth ? &st->stack[st->depth - 1] : NULL;
  if (!top || top->node->kind == OTLPD_NODE_SEQ || top->key)
    otlpd_node_retype(n); /* a value, not a key: plain `null` means null */
  if (st->depth == 0) {
    if (st->root)
      bury(st, st->root);
    st->root = n;
    return;
  }
  frame *f = &st->stack[st->depth - 1];
  if (f->node->kind == OTLPD_NODE_SEQ) {
    if (otlpd_node_append(f->node, NULL, n) != 0) {
      oom(st, n->line);
      bury(st, n);
    }
  } else if (!f->key) {
    add_key(st, f, n);
  } else {
    add_value(st, f, n);
  }
}

static void remember_anchor(parse_state *st, const yaml_char_t *name, otlpd_node *n, bool open) {
  if (!name)
    return;
  anchor *a = realloc(st->anchors, (st->n_anchors + 1) * sizeof(*a));
  if (!a) {
    oom(st, n->line);
    return;
  }
  st->anchors = a;
  a[st->n_anchors].name = otlpd_strndup0((const char *)name, strlen((const char *)name));
  a[st->n_anchors].node = n;
  a[st->n_anchors].open = open;
  if (!a[st->n_anchors].name)
    oom(st, n->line);
  else
    st->n_anchors++;
}

static void close_anchor(parse_state *st, otlpd_node *n) {
  for (size_t i = 0; i < st->n_anchors; i++)
    if (st->anchors[i].node == n)
      st->anchors[i].open = false;
}

static void on_alias(parse_state *st, const char *name, int line) {
  for (size_t i = st->n_anchors; i-- > 0;) {
    if (strcmp(st->anchors[i].name, name) != 0)
      continue;
    if (st->anchors[i].open) {
      fail(st, line, "alias refers to a node that contains it: *", name);
      return;
    }
    otlpd_node *c = otlpd_node_copy(st->anchors[i].node, &st->budget);
    if (!c) {
      fail(st, line, "document too large (alias expansion?) at *", name);
      return;
    }
    c->line = line;
    attach(st, c);
    return;
  }
  fail(st, line, "unknown alias *", name);
}

static bool scalar_is_quoted(const yaml_event_t *ev) {
  const char *tag = (const char *)ev->data.scalar.tag;
  if (tag && !strcmp(tag, YAML_STR_TAG))
    return true;
  return ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE &&
         ev->data.scalar.style != YAML_ANY_SCALAR_STYLE;
}

static void on_scalar(parse_state *st, const yaml_event_t *ev, int line) {
  if (st->budget == 0) {
    fail(st, line, "document too large", NULL);
    return;
  }
  st->budget--;
  otlpd_node *n = otlpd_node_new(OTLPD_NODE_SCALAR);
  if (n)
    n->scalar = otlpd_strndup0((const char *)ev->data.scalar.value, ev->data.scalar.length);
  if (!n || !n->scalar) {
    otlpd_node_free(n);
    oom(st, line);
    return;
  }
  n->line = line;
  n->quoted = scalar_is_quoted(ev);
  remember_anchor(st, ev->data.scalar.anchor, n, false);
  attach(st, n);
}

static void on_start(parse_state *st, otlpd_node_kind kind, const yaml_char_t *anchor_name,
                     int line) {
  if (st->depth == OTLPD_YAML_MAX_DEPTH) {
    fail(st, line, "nesting too deep", NULL);
    return;
  }
  otlpd_node *n = st->budget ? otlpd_node_new(kind) : NULL;
  if (!n) {
    fail(st, line, st->budget ? "out of memory" : "document too large", NULL);
    return;
  }
  st->budget--;
  n->line = line;
  remember_anchor(st, anchor_name, n, true);
  st->stack[st->depth++] = (frame){.node = n};
}

/* Keys of merge sources fill in what the map does not set itself; earlier
 * sources win over later ones, as in YAML's merge key spec. */
static void apply_merges(parse_state *st, frame *f) {
  otlpd_node *srcs = f->merges;
  for (size_t i = 0; srcs && i < srcs->n; i++) {
    otlpd_node *s = srcs->items[i];
    size_t n_maps = s->kind == OTLPD_NODE_SEQ ? s->n : 1;
    for (size_t m = 0; m < n_maps; m++) {
      otlpd_node *map = s->kind == OTLPD_NODE_SEQ ? s->items[m] : s;
      for (size_t k = 0; map->kind == OTLPD_NODE_MAP && k < map->n; k++) {
        if (otlpd_node_find(f->node, map->keys[k]) >= 0)
          continue;
        otlpd_node *c = otlpd_node_copy(map->items[k], &st->budget);
        if (!c || otlpd_node_append(f->node, map->keys[k], c) != 0) {
          otlpd_node_free(c);
          fail(st, f->node->line, "document too large", NULL);
          return;
        }
      }
    }
  }
}

static void on_end(parse_state *st) {
  if (st->depth == 0)
    return; /* the start overflowed the stack; already reported */
  frame f = st->stack[--st->depth];
  if (f.merges) {
    apply_merges(st, &f);
    bury(st, f.merges);
  }
  free(f.key);
  close_anchor(st, f.node);
  attach(st, f.node);
}

static void on_event(parse_state *st, const yaml_event_t *ev) {
  int line = (int)ev->start_mark.line + 1;
  switch (ev->type) {
  case YAML_DOCUMENT_START_EVENT:
    if (st->docs++ > 0)
      fail(st, line, "only one YAML document per file is supported", NULL);
    break;
  case YAML_SCALAR_EVENT: on_scalar(st, ev, line); break;
  case YAML_SEQUENCE_START_EVENT:
    on_start(st, OTLPD_NODE_SEQ, ev->data.sequence_start.anchor, line);
    break;
  case YAML_MAPPING_START_EVENT:
    on_start(st, OTLPD_NODE_MAP, ev->data.mapping_start.anchor, line);
    break;
  case YAML_SEQUENCE_END_EVENT:
  case YAML_MAPPING_END_EVENT: on_end(st); break;
  case YAML_ALIAS_EVENT: on_alias(st, (const char *)ev->data.alias.anchor, line); break;
  default: break;
  }
}

static void syntax_error(parse_state *st, const yaml_parser_t *p) {
  otlpd_errorf(st->errs, "%s:%zu:%zu: %s%s%s", st->name, p->problem_mark.line + 1,
               p->problem_mark.column + 1, p->problem ? p->problem : "invalid YAML",
               p->context ? " " : "", p->context ? p->context : "");
  st->failed = st->stop = true;
}

static void state_free(parse_state *st) {
  while (st->depth > 0) {
    frame *f = &st->stack[--st->depth];
    free(f->key);
    otlpd_node_free(f->merges);
    otlpd_node_free(f->node);
  }
  for (size_t i = 0; i < st->n_anchors; i++)
    free(st->anchors[i].name);
  free(st->anchors);
  otlpd_node_free(st->graveyard);
}

otlpd_node *otlpd_yaml_parse(const char *text, size_t len, const char *name, otlpd_errors *errs) {
  parse_state st = {.name = name ? name : "<config>", .errs = errs, .budget = YAML_NODE_BUDGET};
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p)) {
    otlpd_errorf(errs, "%s: out of memory", st.name);
    return NULL;
  }
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  for (bool done = false; !done && !st.stop;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&p, &ev)) {
      syntax_error(&st, &p);
      break;
    }
    on_event(&st, &ev);
    done = ev.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&p);
  otlpd_node *root = st.root;
  st.root = NULL;
  state_free(&st);
  if (st.failed) {
    otlpd_node_free(root);
    return NULL;
  }
  return root ? root : otlpd_node_new(OTLPD_NODE_NULL);
}
