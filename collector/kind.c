#include "otlpd/component.h"

static const char *const kind_names[OTLPD_KIND_COUNT] = {"receiver", "processor", "exporter", "extension"};
static const char *const kind_sections[OTLPD_KIND_COUNT] = {"receivers", "processors", "exporters", "extensions"};

const char *otlpd_kind_name(otlpd_kind k) { return (unsigned)k < OTLPD_KIND_COUNT ? kind_names[k] : "?"; }
const char *otlpd_kind_section(otlpd_kind k) { return (unsigned)k < OTLPD_KIND_COUNT ? kind_sections[k] : "?"; }
