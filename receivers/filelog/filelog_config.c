/* filelog receiver settings, with otelcol-contrib's key names and defaults. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "filelog.h"
#include "otlpd/config.h"
#include "otlpd/storage.h"

static const char *const start_at_choices[] = {"end", "beginning", NULL};

static const otlpd_setting multiline_settings[] = {
    OTLPD_S_STRING(fl_multiline_cfg, "line_start_pattern", line_start_pattern, NULL,
                   "a line matching this regex (PCRE2) starts a new entry"),
    OTLPD_S_STRING(fl_multiline_cfg, "line_end_pattern", line_end_pattern, NULL,
                   "a line matching this regex (PCRE2) ends the entry"),
    OTLPD_S_IGNORED("omit_pattern", "accepted for otelcol compatibility"),
    OTLPD_S_END,
};

static const otlpd_setting retry_settings[] = {
    OTLPD_S_BOOL(fl_retry_cfg, "enabled", enabled, "false",
                 "back off exponentially while the pipeline refuses (else retry every poll_interval)"),
    OTLPD_S_DURATION(fl_retry_cfg, "initial_interval", initial_interval, "1s", "first wait after a refusal"),
    OTLPD_S_DURATION(fl_retry_cfg, "max_interval", max_interval, "30s", "longest wait between attempts"),
    OTLPD_S_DURATION(fl_retry_cfg, "max_elapsed_time", max_elapsed_time, "5m",
                     "give up on a batch (skip it) after this long refused (0 = never)"),
    OTLPD_S_END,
};

static const otlpd_setting sub_time_settings[] = {
    OTLPD_S_STRING(fl_sub_time_cfg, "parse_from", parse_from, NULL, "field holding the time"),
    OTLPD_S_STRING(fl_sub_time_cfg, "layout", layout, NULL, "strptime or Go layout, or epoch unit"),
    OTLPD_S_STRING(fl_sub_time_cfg, "layout_type", layout_type, "strptime", "strptime, gotime or epoch"),
    OTLPD_S_STRING(fl_sub_time_cfg, "location", location, NULL, "accepted; times without a zone are UTC"),
    OTLPD_S_END,
};

static const otlpd_setting sub_sev_settings[] = {
    OTLPD_S_STRING(fl_sub_sev_cfg, "parse_from", parse_from, NULL, "field holding the severity"),
    OTLPD_S_MAP(fl_sub_sev_cfg, "mapping", mapping, "severity name -> value matched (case-insensitive)"),
    OTLPD_S_IGNORED("preset", "accepted; the default preset is always used"),
    OTLPD_S_IGNORED("overwrite_text", "accepted for otelcol compatibility"),
    OTLPD_S_END,
};

static const otlpd_setting op_settings[] = {
    OTLPD_S_STRING(fl_op_cfg, "type", type, NULL,
                   "container, json_parser, regex_parser, move, add, remove, severity_parser, time_parser"),
    OTLPD_S_STRING(fl_op_cfg, "id", id, NULL, "operator id"),
    OTLPD_S_IGNORED("output", "accepted; operators run in order"),
    OTLPD_S_STRING(fl_op_cfg, "parse_from", parse_from, NULL, "field parsed (default body)"),
    OTLPD_S_STRING(fl_op_cfg, "parse_to", parse_to, NULL, "where parsed fields go (default attributes)"),
    OTLPD_S_STRING(fl_op_cfg, "on_error", on_error, "send", "send, send_quiet, drop or drop_quiet"),
    OTLPD_S_STRING(fl_op_cfg, "regex", regex, NULL, "regex_parser: PCRE2 with named groups"),
    OTLPD_S_STRING(fl_op_cfg, "format", format, NULL, "container: docker, crio, containerd (empty = detect)"),
    OTLPD_S_BOOL(fl_op_cfg, "add_metadata_from_filepath", add_metadata_from_filepath, "true",
                 "container: k8s.* resource attributes from the /var/log/pods path"),
    OTLPD_S_STRING(fl_op_cfg, "field", field, NULL, "add/remove: the field"),
    OTLPD_S_STRING(fl_op_cfg, "from", from, NULL, "move: source field"),
    OTLPD_S_STRING(fl_op_cfg, "to", to, NULL, "move: destination field"),
    OTLPD_S_VALUE(fl_op_cfg, "value", value, "add: the value"),
    OTLPD_S_STRING(fl_op_cfg, "layout", layout, NULL, "time_parser: layout"),
    OTLPD_S_STRING(fl_op_cfg, "layout_type", layout_type, "strptime", "time_parser: strptime, gotime or epoch"),
    OTLPD_S_STRING(fl_op_cfg, "location", location, NULL, "time_parser: accepted; zoneless times are UTC"),
    OTLPD_S_MAP(fl_op_cfg, "mapping", mapping, "severity_parser: severity name -> value"),
    OTLPD_S_IGNORED("preset", "severity_parser: accepted; the default preset is always used"),
    OTLPD_S_SECTION_P(fl_op_cfg, "timestamp", timestamp, has_timestamp, sub_time_settings,
                      "parsers: parse the record time from a field"),
    OTLPD_S_SECTION_P(fl_op_cfg, "severity", severity, has_severity, sub_sev_settings,
                      "parsers: parse the severity from a field"),
    OTLPD_S_SIZE(fl_op_cfg, "max_log_size", max_log_size, "0", "container: largest joined entry (0 = receiver's)"),
    OTLPD_S_END,
};

const otlpd_setting filelog_settings[] = {
    OTLPD_S_STRINGS(filelog_cfg, "include", include, "globs of files to read (required; ** spans directories)"),
    OTLPD_S_STRINGS(filelog_cfg, "exclude", exclude, "globs of files not to read"),
    OTLPD_S_ENUM(filelog_cfg, "start_at", start_at, "end", start_at_choices,
                 "where files present at the first poll start (later files: beginning)"),
    OTLPD_S_DURATION(filelog_cfg, "poll_interval", poll_interval, "200ms", "how often files are checked"),
    OTLPD_S_SIZE(filelog_cfg, "max_log_size", max_log_size, "1MiB", "longest entry; longer ones are split"),
    OTLPD_S_INT(filelog_cfg, "max_concurrent_files", max_concurrent_files, "1024", 1, 1e6,
                "files kept open at most"),
    OTLPD_S_SIZE(filelog_cfg, "fingerprint_size", fingerprint_size, "1kb",
                 "bytes at a file's start that identify it"),
    OTLPD_S_BOOL(filelog_cfg, "include_file_name", include_file_name, "true", "attribute log.file.name"),
    OTLPD_S_BOOL(filelog_cfg, "include_file_path", include_file_path, "false", "attribute log.file.path"),
    OTLPD_S_BOOL(filelog_cfg, "include_file_name_resolved", include_file_name_resolved, "false",
                 "attribute log.file.name_resolved (symlinks resolved)"),
    OTLPD_S_BOOL(filelog_cfg, "include_file_path_resolved", include_file_path_resolved, "false",
                 "attribute log.file.path_resolved (symlinks resolved)"),
    OTLPD_S_IGNORED("include_file_owner_name", "accepted for otelcol compatibility"),
    OTLPD_S_IGNORED("include_file_owner_group_name", "accepted for otelcol compatibility"),
    OTLPD_S_STRING(filelog_cfg, "encoding", encoding, "utf-8", "utf-8, utf8-raw, ascii, nop, utf-16le or utf-16be"),
    OTLPD_S_SECTION_P(filelog_cfg, "multiline", multiline, has_multiline, multiline_settings,
                      "join lines into entries by pattern"),
    OTLPD_S_DURATION(filelog_cfg, "force_flush_period", force_flush_period, "500ms",
                     "emit an unterminated last entry after the file stayed unchanged this long"),
    OTLPD_S_STRING(filelog_cfg, "storage", storage, NULL, "file_storage extension id: offsets survive restarts"),
    OTLPD_S_STRING(filelog_cfg, "compression", compression, NULL, "gzip (every file) or auto (files ending in .gz)"),
    OTLPD_S_SECTION(filelog_cfg, "retry_on_failure", retry_on_failure, retry_settings,
                    "waits while the pipeline refuses (the file is the buffer)"),
    OTLPD_S_MAP(filelog_cfg, "attributes", attributes, "attributes added to every record"),
    OTLPD_S_MAP(filelog_cfg, "resource", resource, "resource attributes added to every record"),
    OTLPD_S_SECTIONS(filelog_cfg, "operators", operators, fl_op_cfg, op_settings, "operators applied in order"),
    OTLPD_S_IGNORED("max_batches", "accepted for otelcol compatibility"),
    OTLPD_S_IGNORED("delete_after_read", "accepted for otelcol compatibility"),
    OTLPD_S_IGNORED("exclude_older_than", "accepted for otelcol compatibility"),
    OTLPD_S_IGNORED("polls_to_archive", "accepted for otelcol compatibility"),
    OTLPD_S_END,
};

static int check_regex(const char *re, const char *p, const char *key, otlpd_errors *errs) {
  int code;
  PCRE2_SIZE at;
  pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0, &code, &at, NULL);
  if (c) {
    pcre2_code_free(c);
    return 0;
  }
  PCRE2_UCHAR msg[160];
  pcre2_get_error_message(code, msg, sizeof(msg));
  otlpd_errorf(errs, "%s::%s: bad regex at %zu: %s", p, key, (size_t)at, (char *)msg);
  return -EINVAL;
}

static const char *const raw_encodings[] = {"utf-8", "utf8", "utf8-raw", "ascii", "nop", "", NULL};

/* FL_ENC_*, or -EINVAL for an encoding not supported. */
int fl_encoding_parse(const char *s) {
  if (!s) return FL_ENC_RAW;
  for (size_t i = 0; raw_encodings[i]; i++)
    if (!strcasecmp(s, raw_encodings[i])) return FL_ENC_RAW;
  if (!strcasecmp(s, "utf-16le") || !strcasecmp(s, "utf16le")) return FL_ENC_UTF16LE;
  if (!strcasecmp(s, "utf-16be") || !strcasecmp(s, "utf16be")) return FL_ENC_UTF16BE;
  return -EINVAL;
}

int fl_compression_parse(const char *s) {
  if (!s || !*s) return FL_GZ_NONE;
  if (!strcmp(s, "gzip")) return FL_GZ_ALL;
  if (!strcmp(s, "auto")) return FL_GZ_AUTO;
  return -EINVAL;
}

int filelog_validate(const void *config, const char *path, otlpd_errors *errs) {
  const filelog_cfg *c = config;
  size_t before = errs->n;
  if (c->include.n == 0) otlpd_errorf(errs, "%s::include: at least one glob is required", path);
  if (c->fingerprint_size < 16) otlpd_errorf(errs, "%s::fingerprint_size: at least 16 bytes", path);
  if (c->max_log_size < 64) otlpd_errorf(errs, "%s::max_log_size: at least 64 bytes", path);
  if (c->poll_interval <= 0) otlpd_errorf(errs, "%s::poll_interval: must be positive", path);
  if (fl_encoding_parse(c->encoding) < 0)
    otlpd_errorf(errs, "%s::encoding: \"%s\" is not supported (utf-8, ascii, nop, utf-16le, utf-16be)", path,
                 c->encoding);
  if (fl_compression_parse(c->compression) < 0)
    otlpd_errorf(errs, "%s::compression: \"%s\" is not supported (empty, gzip or auto)", path, c->compression);
  if (c->has_multiline) {
    const fl_multiline_cfg *m = &c->multiline;
    if (!!m->line_start_pattern == !!m->line_end_pattern)
      otlpd_errorf(errs, "%s::multiline: exactly one of line_start_pattern, line_end_pattern", path);
    if (m->line_start_pattern) check_regex(m->line_start_pattern, path, "multiline::line_start_pattern", errs);
    if (m->line_end_pattern) check_regex(m->line_end_pattern, path, "multiline::line_end_pattern", errs);
  }
  if (errs->n == before) {
    fl_ops ops;
    char why[256];
    if (fl_ops_build(c, &ops, why, sizeof(why)) < 0)
      otlpd_errorf(errs, "%s::operators: %s", path, why);
    else
      fl_ops_free(&ops);
  }
  return errs->n == before ? 0 : -EINVAL;
}

int filelog_validate_refs(const void *config, const char *path, const otlpd_config *cfg, otlpd_errors *errs) {
  const filelog_cfg *c = config;
  if (!c->storage) return 0;
  const otlpd_component_cfg *ext = NULL;
  for (size_t i = 0; i < cfg->n_components && !ext; i++)
    if (cfg->components[i].kind == OTLPD_EXTENSION && !strcmp(cfg->components[i].id, c->storage))
      ext = &cfg->components[i];
  if (!ext || !ext->factory || !otlpd_storage_type(ext->factory->type)) {
    otlpd_errorf(errs, "%s::storage: \"%s\" is not a file_storage extension defined under extensions", path,
                 c->storage);
    return -EINVAL;
  }
  if (!ext->signals_used) {
    otlpd_errorf(errs, "%s::storage: extension \"%s\" is not enabled (list it in service::extensions)", path,
                 c->storage);
    return -EINVAL;
  }
  return 0;
}
