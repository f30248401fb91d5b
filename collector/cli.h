/* Command-line parsing and the commands that need no daemon. */
#ifndef OTLPD_CLI_H
#define OTLPD_CLI_H

#include <stdio.h>

#include "otlpd/config.h"

typedef enum {
  OTLPD_CMD_RUN = 0,
  OTLPD_CMD_VALIDATE,
  OTLPD_CMD_COMPONENTS,
  OTLPD_CMD_VERSION,
  OTLPD_CMD_HELP,
} otlpd_command;

typedef struct otlpd_cli {
  otlpd_command command;
  const char **configs; /* points into argv */
  size_t n_configs;
  const char **sets;
  size_t n_sets;
} otlpd_cli;

/* 0 ok, 1 help/usage printed already (exit 0), -1 bad usage (printed). */
int otlpd_cli_parse(otlpd_cli *cli, int argc, char **argv);
void otlpd_cli_free(otlpd_cli *cli);
void otlpd_cli_usage(FILE *f);
void otlpd_cli_components(FILE *f);
/* Load, merge, --set and build. 0 or -EINVAL with errs filled. */
int otlpd_cli_load_config(const otlpd_cli *cli, otlpd_config *out, otlpd_errors *errs);

#endif
