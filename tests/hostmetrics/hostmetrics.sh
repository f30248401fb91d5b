#!/usr/bin/env bash
# hostmetrics end to end: the daemon scrapes the fixture tree (root_path)
# into a JSON file exporter, and the output carries otelcol's names, units,
# attributes and the fixture's exact values (check_fixture.py); then a
# smoke run on the real /proc with every scraper (check_real.py).
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib/daemon.sh"
daemon_init hostmetrics
require_cmds python3

config() { # <telemetry port> <root_path or ""> <out>
  cat <<YAML
receivers:
  hostmetrics:
    collection_interval: 1s
    initial_delay: 0s
YAML
  [[ -n $2 ]] && printf '    root_path: %s\n' "$2"
  cat <<YAML
    scrapers:
      cpu:
      memory:
        metrics:
          system.memory.limit: {enabled: true}
      load:
      disk:
      filesystem:
      network:
      paging:
      processes:
exporters:
  file:
    path: $3
    flush_interval: 100ms
service:
  telemetry:
    metrics:
      address: 127.0.0.1:$1
  pipelines:
    metrics: {receivers: [hostmetrics], exporters: [file]}
YAML
}

# at least n lines (one per scrape) in the output
lines_at_least() { [[ -f $1 ]] && (($(wc -l <"$1") >= $2)); }

OUT=$WORK/fixture.json
daemon_instance fixture
daemon_start_config config "$HERE/fixture" "$OUT"
poll_until lines_at_least "$OUT" 2 || fail "no scrape of the fixture written to $OUT"
daemon_stop
python3 "$HERE/check_fixture.py" "$OUT" || check_fail "fixture scrape: wrong metrics (above)"

OUT=$WORK/real.json
daemon_instance real
daemon_start_config config "" "$OUT"
poll_until lines_at_least "$OUT" 2 || fail "no scrape of /proc written to $OUT"
daemon_stop
python3 "$HERE/check_real.py" "$OUT" || check_fail "real /proc scrape: implausible metrics (above)"
grep -q "totals hostmetrics: accepted" "$DAEMON_LOG" || check_fail "no accepted totals for hostmetrics in the log"

finish_checks hostmetrics_e2e
