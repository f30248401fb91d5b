'use strict';
// Sends spans, metric data points and log records with known content to an
// OTLP/gRPC endpoint through the official OpenTelemetry JS exporters, and
// writes what was sent (canonical form, see grpc_canon.js) to a manifest.
// Exits non-zero if any export fails.
//
//   node send_grpc.js --url http://127.0.0.1:4317 --count 40 --manifest m.json [--gzip]
//                     [--signals traces,metrics,logs] [--timeout MS]
// TLS: use an https:// url and set OTEL_EXPORTER_OTLP_CERTIFICATE (and
// OTEL_EXPORTER_OTLP_CLIENT_KEY / _CLIENT_CERTIFICATE for mTLS).

const fs = require('fs');
const path = require('path');
const canon = require('./grpc_canon');

const modDir = path.join(__dirname, '..', 'interop', 'node_modules');
const req = (m) => require(require.resolve(m, { paths: [modDir] }));
const api = req('@opentelemetry/api');
const { resourceFromAttributes } = req('@opentelemetry/resources');
const { BasicTracerProvider, SimpleSpanProcessor, InMemorySpanExporter } = req('@opentelemetry/sdk-trace-base');
const { MeterProvider, MetricReader } = req('@opentelemetry/sdk-metrics');
const { LoggerProvider, SimpleLogRecordProcessor, InMemoryLogRecordExporter } = req('@opentelemetry/sdk-logs');
const { OTLPTraceExporter } = req('@opentelemetry/exporter-trace-otlp-grpc');
const { OTLPMetricExporter } = req('@opentelemetry/exporter-metrics-otlp-grpc');
const { OTLPLogExporter } = req('@opentelemetry/exporter-logs-otlp-grpc');

function parseArgs(argv) {
  const o = { count: 20, signals: 'traces,metrics,logs', gzip: false, chunk: 7, timeout: 20000 };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--gzip') o.gzip = true;
    else if (a.startsWith('--')) o[a.slice(2)] = argv[++i];
  }
  if (!o.url || !o.manifest) throw new Error('usage: send_grpc.js --url URL --manifest FILE [--count N] [--gzip]');
  o.count = Number(o.count);
  o.chunk = Number(o.chunk);
  o.timeout = Number(o.timeout);
  o.signals = o.signals.split(',');
  return o;
}

const BASE_SEC = 1700000000;
const scopeName = 'otlpd-grpc-test';
const scopeVersion = '1.2.3';

function exportOnce(exporter, items) {
  return new Promise((resolve, reject) => {
    exporter.export(items, (res) => {
      if (res.code === 0) resolve();
      else reject(res.error || new Error(`export failed with code ${res.code}`));
    });
  });
}

// Several concurrent export calls (up to 8, under the exporter's own limit
// of concurrent exports), so the receiver sees overlapping RPCs.
async function exportChunks(exporter, items, chunk) {
  const chunks = [];
  for (let i = 0; i < items.length; i += chunk) chunks.push(items.slice(i, i + chunk));
  const worker = async () => {
    while (chunks.length) await exportOnce(exporter, chunks.shift());
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

function exporterOptions(o) {
  return { url: o.url, compression: o.gzip ? 'gzip' : 'none', timeoutMillis: o.timeout };
}

function makeSpans(resource, n) {
  const mem = new InMemorySpanExporter();
  const tp = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(mem)] });
  const tracer = tp.getTracer(scopeName, scopeVersion);
  let parent = null;
  for (let i = 0; i < n; i++) {
    const ctx = parent && i % 2 === 1 ? api.trace.setSpan(api.ROOT_CONTEXT, parent) : api.ROOT_CONTEXT;
    const span = tracer.startSpan(
      `span-${i}`,
      {
        kind: i % 5,
        startTime: [BASE_SEC + i, 123456789],
        attributes: {
          'test.index': i,
          'test.ratio': i + 0.25,
          'test.flag': i % 2 === 0,
          'test.text': `héllo ✓ ${i}`,
          'test.list': [`a${i}`, `b${i}`],
          'test.ints': [i, i * 1000000007],
        },
      },
      ctx,
    );
    span.addEvent(`event-${i}`, { 'event.index': i }, [BASE_SEC + i, 500000000]);
    if (i % 3 === 2) span.setStatus({ code: api.SpanStatusCode.ERROR, message: `failure ${i}` });
    else if (i % 3 === 1) span.setStatus({ code: api.SpanStatusCode.OK });
    span.end([BASE_SEC + i, 987654321]);
    parent = span;
  }
  return mem.getFinishedSpans();
}

class ManualReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

async function makeMetrics(resource, n) {
  const reader = new ManualReader();
  const mp = new MeterProvider({ resource, readers: [reader] });
  const meter = mp.getMeter(scopeName, scopeVersion);
  const counter = meter.createCounter('otlpd.test.requests', {
    unit: '{request}',
    description: 'requests seen',
    valueType: api.ValueType.INT,
  });
  for (let i = 0; i < n; i++) counter.add(i + 1, { 'test.index': i, route: `/r/${i % 3}` });
  const hist = meter.createHistogram('otlpd.test.latency', { unit: 'ms', description: 'latency' });
  for (let i = 0; i < n; i++) hist.record(i * 1.5, { 'test.kind': 'all' });
  const gauge = meter.createGauge('otlpd.test.temperature', { unit: 'Cel' });
  gauge.record(21.5, { room: 'lab' });
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length) throw errors[0];
  return resourceMetrics;
}

async function makeLogs(resource, n, spans) {
  const mem = new InMemoryLogRecordExporter();
  const lp = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: mem })] });
  const logger = lp.getLogger(scopeName, scopeVersion);
  for (let i = 0; i < n; i++) {
    const span = spans[i % spans.length];
    logger.emit({
      body: `log-${i} ✓`,
      severityNumber: 1 + (i % 24),
      severityText: ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'][i % 6],
      attributes: { 'test.index': i, 'test.map': { inner: `v${i}`, n: i } },
      timestamp: [BASE_SEC + i, 42],
      observedTimestamp: [BASE_SEC + i, 43],
      context: span ? api.trace.setSpanContext(api.ROOT_CONTEXT, span.spanContext()) : api.ROOT_CONTEXT,
    });
  }
  await lp.forceFlush();
  return mem.getFinishedLogRecords();
}

async function main() {
  const o = parseArgs(process.argv);
  const resource = resourceFromAttributes({
    'service.name': 'otlpd-grpc-interop',
    'service.instance.id': `run-${process.pid}-${Date.now()}`,
    'test.resource.number': 7,
  });
  const manifest = { spans: [], logs: [], points: [] };
  // Spans are always made: logs borrow their trace context.
  const spans = makeSpans(resource, o.count);
  if (o.signals.includes('traces')) {
    const exp = new OTLPTraceExporter(exporterOptions(o));
    await exportChunks(exp, spans, o.chunk);
    await exp.shutdown();
    manifest.spans = spans.map(canon.sdkSpan);
  }
  if (o.signals.includes('metrics')) {
    const rm = await makeMetrics(resource, o.count);
    const exp = new OTLPMetricExporter(exporterOptions(o));
    await exportOnce(exp, rm);
    await exp.shutdown();
    manifest.points = canon.sdkPoints(rm);
  }
  if (o.signals.includes('logs')) {
    const logs = await makeLogs(resource, o.count, spans);
    const exp = new OTLPLogExporter(exporterOptions(o));
    await exportChunks(exp, logs, o.chunk);
    await exp.shutdown();
    manifest.logs = logs.map(canon.sdkLog);
  }
  fs.writeFileSync(o.manifest, JSON.stringify(manifest));
  console.log(`sent ${manifest.spans.length} spans, ${manifest.points.length} data points, ${manifest.logs.length} logs`);
}

main().catch((e) => {
  console.error(`send_grpc: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
