/* Command-line parsing, compatible with otelcol's flags. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void otlpd_cli_usage(FILE *f) {
  fputs("usage: otlpd [command] [--config FILE]... [--set KEY=VALUE]...\n"
        "\n"
        "commands:\n"
        "  (none)       run the collector\n"
        "  validate     check the configuration and exit (non-zero and every error on failure)\n"
        "  components   list the receivers, processors and exporters and their settings\n"
        "\n"
        "options:\n"
        "  --config FILE      YAML in the OpenTelemetry Collector schema; repeat to merge\n"
        "                     several files in order (\"file:\" prefix accepted)\n"
        "  --set KEY=VALUE    override one setting, e.g. --set processors::batch::timeout=1s\n"
        "  --version          print the version\n"
        "  --help             this text\n",
        f);
}

static int push(const char ***v, size_t *n, const char *s) {
  const char **nv = realloc(*v, (*n + 1) * sizeof(*nv));
  if (!nv) return -ENOMEM;
  nv[(*n)++] = s;
  *v = nv;
  return 0;
}

/* "--flag value", "--flag=value" or "-flag value" (Go-style, as otelcol). */
static const char *flag_value(const char *arg, const char *name, int *i, int argc, char **argv) {
  while (*arg == '-') arg++;
  size_t n = strlen(name);
  if (strncmp(arg, name, n) != 0) return NULL;
  if (arg[n] == '=') return arg + n + 1;
  if (arg[n] != '\0') return NULL;
  if (*i + 1 >= argc) return "";
  return argv[++*i];
}

int otlpd_cli_parse(otlpd_cli *cli, int argc, char **argv) {
  memset(cli, 0, sizeof(*cli));
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v;
    if (strcmp(a, "validate") == 0) {
      cli->command = OTLPD_CMD_VALIDATE;
    } else if (strcmp(a, "components") == 0) {
      cli->command = OTLPD_CMD_COMPONENTS;
    } else if (strcmp(a, "--version") == 0 || strcmp(a, "-v") == 0 || strcmp(a, "version") == 0) {
      cli->command = OTLPD_CMD_VERSION;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "help") == 0) {
      cli->command = OTLPD_CMD_HELP;
    } else if (a[0] == '-' && (v = flag_value(a, "config", &i, argc, argv))) {
      if (!*v) goto missing;
      if (strncmp(v, "file:", 5) == 0) v += 5;
      if (push(&cli->configs, &cli->n_configs, v)) return -1;
    } else if (a[0] == '-' && (v = flag_value(a, "set", &i, argc, argv))) {
      if (!*v) goto missing;
      if (push(&cli->sets, &cli->n_sets, v)) return -1;
    } else {
      fprintf(stderr, "otlpd: unknown argument \"%s\"\n", a);
      otlpd_cli_usage(stderr);
      otlpd_cli_free(cli);
      return -1;
    }
  }
  if ((cli->command == OTLPD_CMD_RUN || cli->command == OTLPD_CMD_VALIDATE) && !cli->n_configs) {
    fprintf(stderr, "otlpd: --config FILE is required\n");
    otlpd_cli_free(cli);
    return -1;
  }
  return 0;
missing:
  fprintf(stderr, "otlpd: %s needs a value\n", argv[argc - 1]);
  otlpd_cli_free(cli);
  return -1;
}

void otlpd_cli_free(otlpd_cli *cli) {
  free(cli->configs);
  free(cli->sets);
  cli->configs = cli->sets = NULL;
  cli->n_configs = cli->n_sets = 0;
}

void otlpd_cli_components(FILE *f) {
  size_t n;
  const otlpd_factory *const *all = otlpd_factories(&n);
  for (int k = 0; k < OTLPD_KIND_COUNT; k++) {
    int header = 0;
    for (size_t i = 0; i < n; i++) {
      const otlpd_factory *fa = all[i];
      if (fa->kind != (otlpd_kind)k) continue;
      if (!header++) fprintf(f, "%s:\n", otlpd_kind_section((otlpd_kind)k));
      fprintf(f, "  %s: %s\n    signals:", fa->type, fa->doc ? fa->doc : "");
      for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++)
        if (fa->signals & OTLPD_SIGNAL_BIT(s)) fprintf(f, " %s", otlpd_signal_name((otlpd_signal)s));
      fputs("\n    settings:\n", f);
      otlpd_settings_print(f, fa->settings, 6);
    }
  }
}

int otlpd_cli_load_config(const otlpd_cli *cli, otlpd_config *out, otlpd_errors *errs) {
  otlpd_node *root = otlpd_config_load(cli->configs, cli->n_configs, errs);
  if (!root) return -EINVAL;
  for (size_t i = 0; i < cli->n_sets; i++) otlpd_config_set(root, cli->sets[i], errs);
  if (errs->n) {
    otlpd_node_free(root);
    return -EINVAL;
  }
  return otlpd_config_build(root, out, errs);
}
