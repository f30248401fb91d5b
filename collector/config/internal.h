/* Helpers shared by the files of collector/config only. */
#ifndef OTLPD_CONFIG_INTERNAL_H
#define OTLPD_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "otlpd/config.h"

/* Paths in messages ("exporters::file/x::rotation") are informational, so a
 * fixed buffer that truncates absurdly deep paths is good enough. */
#define OTLPD_PATH_MAX 512

/* Deepest YAML nesting accepted: the tree helpers below recurse. */
#define OTLPD_YAML_MAX_DEPTH 64

/* Node tree (node.c). */
char *otlpd_strndup0(const char *s, size_t n);
/* Appends value under key (MAP, key copied) or as an item (SEQ, key NULL).
 * Takes value on success only. 0 or -ENOMEM. */
int otlpd_node_append(otlpd_node *parent, const char *key, otlpd_node *value);
otlpd_node *otlpd_node_scalar(const char *text, bool quoted, int line);
/* Deep copy; *budget counts down the nodes it may create (NULL = no limit).
 * NULL on ENOMEM or exhausted budget. */
otlpd_node *otlpd_node_copy(const otlpd_node *n, size_t *budget);
/* Deep-merge src into dst (both consumed): maps merge key by key, anything
 * else from src replaces. Returns the merged node. */
otlpd_node *otlpd_node_merge(otlpd_node *dst, otlpd_node *src);
/* Index of key in a map, or -1. */
long otlpd_node_find(const otlpd_node *map, const char *key);
/* A plain scalar spelled as YAML null ("", "~", "null") becomes a NULL node. */
void otlpd_node_retype(otlpd_node *n);
/* "a map", "a sequence", "null" or the quoted scalar, for messages. */
const char *otlpd_node_describe(const otlpd_node *n, char *buf, size_t len);
void otlpd_path_join(char *out, const char *path, const char *key);

/* Environment expansion (env_expand.c) over every scalar of the tree;
 * name is the file for messages. 0 or -EINVAL with errors added. */
int otlpd_env_expand_tree(otlpd_node *n, const char *name, otlpd_errors *errs);

/* Endpoint check with a reason for messages (endpoint.c). */
int otlpd_endpoint_check(const char *s, char *host, size_t hostlen, int *port, const char **why);

/* Settings engine internals (settings*.c). */
#define OTLPD_FIELD(base, r, T) ((T *)(void *)((char *)(base) + (r)->offset))
void otlpd_setting_type_error(const otlpd_setting *r, const char *path, const otlpd_node *v,
                              otlpd_errors *errs);
/* Apply a non-null value node to row r of the struct at base. */
void otlpd_setting_scalar(const otlpd_setting *r, void *base, const otlpd_node *v, const char *path,
                          otlpd_errors *errs);
void otlpd_setting_strings(const otlpd_setting *r, void *base, const otlpd_node *v,
                           const char *path, otlpd_errors *errs);
void otlpd_setting_map(const otlpd_setting *r, void *base, const otlpd_node *v, const char *path,
                       otlpd_errors *errs);
/* A sequence of maps, each element defaulted then filled by r->sub. */
void otlpd_setting_sections(const otlpd_setting *r, void *base, const otlpd_node *v,
                            const char *path, otlpd_errors *errs);
void otlpd_sections_clear(const otlpd_setting *r, otlpd_sections *l);
void otlpd_strings_clear(otlpd_strings *l);
void otlpd_strmap_clear(otlpd_strmap *m);

/* Build stages (build.c, pipelines.c, service.c). */
/* Lists of component ids in a pipeline or service::extensions: a sequence
 * of ids (a single scalar is a one-item list). Returns items found via
 * out/n (pointers into the node), or -EINVAL after reporting. */
int otlpd_cfg_id_list(const otlpd_node *n, const char *path, const char ***out, size_t *count,
                      otlpd_errors *errs);
int otlpd_cfg_build_pipelines(otlpd_config *c, const otlpd_node *pipelines, otlpd_errors *errs);
int otlpd_cfg_build_service(otlpd_config *c, const otlpd_node *service, otlpd_errors *errs);

#endif
