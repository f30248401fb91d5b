#!/usr/bin/env node
'use strict';
// Sends known traces, metrics and logs to an OTLP/HTTP endpoint with the
// official OpenTelemetry JS SDK exporters, and writes what it sent (in the
// canonical form of canon.js) to a file for check_output.js.
//
// usage: send_http.js <protobuf|json|protobuf-gzip> <base-url> <expected.json>
//
// The SDK builds the telemetry (providers, tracers, meters, loggers, with
// in-memory exporters so nothing is sent early); then the OTLP exporters are
// called directly so that every export's result is seen: any failure exits 1.

const api = require('@opentelemetry/api');
const { SpanKind, SpanStatusCode, ValueType, TraceFlags, ROOT_CONTEXT } = api;
const { SeverityNumber } = require('@opentelemetry/api-logs');
const { TraceState, ExportResultCode } = require('@opentelemetry/core');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, SimpleSpanProcessor, InMemorySpanExporter } =
    require('@opentelemetry/sdk-trace-base');
const { MeterProvider, MetricReader, AggregationType, AggregationTemporality, DataPointType } =
    require('@opentelemetry/sdk-metrics');
const { LoggerProvider, SimpleLogRecordProcessor, InMemoryLogRecordExporter } =
    require('@opentelemetry/sdk-logs');
const fs = require('fs');
const C = require('./canon');

const [mode, baseUrl, expectedPath] = process.argv.slice(2);
if (!['protobuf', 'json', 'protobuf-gzip'].includes(mode) || !baseUrl || !expectedPath) {
  console.error('usage: send_http.js <protobuf|json|protobuf-gzip> <base-url> <expected.json>');
  process.exit(2);
}

api.diag.setLogger(new api.DiagConsoleLogger(), api.DiagLogLevel.WARN);

function exporters() {
  const proto = mode !== 'json';
  const pkg = (sig) => `@opentelemetry/exporter-${sig}-otlp-${proto ? 'proto' : 'http'}`;
  const opts = (path) => ({
    url: baseUrl.replace(/\/$/, '') + path,
    timeoutMillis: 10000,
    ...(mode === 'protobuf-gzip' ? { compression: 'gzip' } : {}),
  });
  return {
    traces: new (require(pkg('trace')).OTLPTraceExporter)(opts('/v1/traces')),
    metrics: new (require(pkg('metrics')).OTLPMetricExporter)(opts('/v1/metrics')),
    logs: new (require(pkg('logs')).OTLPLogExporter)(opts('/v1/logs')),
  };
}

// Fixed instants with nanosecond digits, so precision loss shows.
const T0 = 1700000000;
const at = (ms, ns = 0) => [T0 + Math.floor(ms / 1000), (ms % 1000) * 1e6 + ns];

// Attribute values of every type the API allows, including text that needs
// JSON escaping and numbers at the edges of exact representation. (No double
// beyond 2^53: the JS SDK sends every integral number as intValue.)
const EVERY_TYPE = {
  'str': 'GET /api/v1/orders?id=42',
  'str.empty': '',
  'str.escapes': 'quote " backslash \\ newline \n tab \t ctl \u0001 slash /',
  'str.unicode': 'héllo wörld ✓ 日本語 🚀',
  'int': 42,
  'int.negative': -7,
  'int.zero': 0,
  'int.max_safe': Number.MAX_SAFE_INTEGER,
  'int.min_safe': Number.MIN_SAFE_INTEGER,
  'double': 0.1 + 0.2,
  'double.negative': -1234.5678,
  'double.tiny': 5e-324,
  'double.precise': 123456.78901234567, // 17 significant digits
  'double.neg_exp': -1.5e-300,
  'bool.true': true,
  'bool.false': false,
  'arr.str': ['a', 'b', ''],
  'arr.int': [1, -2, 3000000000],
  'arr.double': [1.5, -2.25],
  'arr.bool': [true, false],
  'arr.empty': [],
};

function resource(name, extra, schemaUrl) {
  return resourceFromAttributes({ 'service.name': name, ...extra }, schemaUrl ? { schemaUrl } : undefined);
}

const RES_A = resource('checkout', {
  'service.version': '1.4.2',
  'host.name': 'web-1',
  'deployment.environment.name': 'prod',
  'process.pid': 4242,
  'host.cpu.ratio': 0.75,
  'feature.enabled': true,
  'cloud.availability_zones': ['eu-west-1a', 'eu-west-1b'],
}, 'https://opentelemetry.io/schemas/1.26.0');
const RES_B = resource('payments', { 'k8s.pod.uid': '9f0c2a64-1b7e-4a8e-9b0e-2f6d3c1a7e55' });

// ---- traces -------------------------------------------------------------------

function tracerProvider(res) {
  const mem = new InMemorySpanExporter();
  const tp = new BasicTracerProvider({ resource: res, spanProcessors: [new SimpleSpanProcessor(mem)] });
  return { tp, mem };
}

function makeSpans() {
  const a = tracerProvider(RES_A);
  const b = tracerProvider(RES_B);
  const http = a.tp.getTracer('http-server', '2.1.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.24.0' });
  const db = a.tp.getTracer('db-client');
  const queue = b.tp.getTracer('queue', '0.9.1');

  // A remote parent (as if propagated in) with a trace state.
  const remote = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: new TraceState('vendor1=opaque,vendor2=x-y'),
  };
  const remoteCtx = api.trace.setSpanContext(ROOT_CONTEXT, remote);

  const server = http.startSpan('GET /api/v1/orders', {
    kind: SpanKind.SERVER, startTime: at(0, 123), attributes: EVERY_TYPE,
  }, remoteCtx);
  const serverCtx = api.trace.setSpan(ROOT_CONTEXT, server);
  server.addEvent('request.received', { 'net.peer.port': 51234, 'msg': 'hi' }, at(1, 5));
  server.addEvent('no.attributes', at(2, 999999));

  const query = db.startSpan('SELECT orders', {
    kind: SpanKind.CLIENT, startTime: at(3, 1),
    attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM orders WHERE id = $1' },
  }, serverCtx);
  query.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock detected; retrying' });
  query.recordException(Object.assign(new Error('deadlock'), { name: 'PgError' }), at(4, 2));
  query.end(at(9, 7));

  const internal = http.startSpan('render', { kind: SpanKind.INTERNAL, startTime: at(10) }, serverCtx);
  internal.setStatus({ code: SpanStatusCode.OK });
  internal.end(at(11, 1));

  const produce = http.startSpan('orders publish', {
    kind: SpanKind.PRODUCER, startTime: at(12),
    links: [
      { context: query.spanContext(), attributes: { 'link.reason': 'caused-by', 'link.n': 1 } },
      { context: remote },
    ],
  }, serverCtx);
  produce.end(at(13));

  server.setStatus({ code: SpanStatusCode.UNSET });
  server.end(at(20, 456));

  // A separate trace in the other resource, consumer side.
  const consume = queue.startSpan('orders process', {
    kind: SpanKind.CONSUMER, startTime: at(30),
    links: [{ context: produce.spanContext(), attributes: { 'messaging.message.id': 'm-1' } }],
  }, ROOT_CONTEXT);
  consume.end(at(31));

  // Bulk spans so batching splits and joins requests.
  const bulk = [];
  for (let i = 0; i < 300; i++) {
    const s = queue.startSpan(`job ${i}`, {
      kind: i % 2 ? SpanKind.INTERNAL : SpanKind.CLIENT,
      startTime: at(100 + i, i), attributes: { 'job.index': i, 'job.ratio': i + 0.5, 'job.name': `job-${i}` },
    }, ROOT_CONTEXT);
    s.end(at(100 + i, i + 500));
    bulk.push(s);
  }

  return {
    first: [...a.mem.getFinishedSpans(), ...b.mem.getFinishedSpans().slice(0, 1)],
    rest: b.mem.getFinishedSpans().slice(1),
    all: [...a.mem.getFinishedSpans(), ...b.mem.getFinishedSpans()],
  };
}

function expectedResource(res) {
  return { attributes: C.attrsFromJs(res.attributes), droppedAttributesCount: 0, schemaUrl: C.str(res.schemaUrl) };
}

function expectedScope(sc, attrs) {
  return {
    name: C.str(sc.name), version: C.str(sc.version),
    attributes: C.attrsFromJs(attrs || sc.attributes || {}), droppedAttributesCount: 0,
    schemaUrl: C.str(sc.schemaUrl),
  };
}

// OTLP Span.flags: W3C trace flags plus "parent is-remote known" (0x100) and
// "parent is remote" (0x200).
function spanFlags(traceFlags, isRemote) {
  return (traceFlags & 0xff) | 0x100 | (isRemote ? 0x200 : 0);
}

function expectedSpan(s) {
  const ctx = s.spanContext();
  return {
    resource: expectedResource(s.resource),
    scope: expectedScope(s.instrumentationScope),
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: C.str(s.parentSpanContext && s.parentSpanContext.spanId),
    traceState: ctx.traceState ? ctx.traceState.serialize() : '',
    name: s.name,
    kind: s.kind + 1, // the API has no UNSPECIFIED, OTLP does
    startTimeUnixNano: C.hrToNanos(s.startTime),
    endTimeUnixNano: C.hrToNanos(s.endTime),
    attributes: C.attrsFromJs(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({
      name: e.name, timeUnixNano: C.hrToNanos(e.time),
      attributes: C.attrsFromJs(e.attributes), droppedAttributesCount: C.num(e.droppedAttributesCount),
    })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => ({
      traceId: l.context.traceId, spanId: l.context.spanId,
      traceState: l.context.traceState ? l.context.traceState.serialize() : '',
      attributes: C.attrsFromJs(l.attributes), droppedAttributesCount: C.num(l.droppedAttributesCount),
      flags: spanFlags(l.context.traceFlags, l.context.isRemote),
    })),
    droppedLinksCount: s.droppedLinksCount,
    status: { code: s.status.code, message: C.str(s.status.message) },
    flags: spanFlags(ctx.traceFlags, s.parentSpanContext && s.parentSpanContext.isRemote),
  };
}

// ---- metrics ------------------------------------------------------------------

// Pull-only reader: collect() hands us the SDK's ResourceMetrics to export.
class ManualReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

async function makeMetrics() {
  const out = [];
  {
    const reader = new ManualReader();
    const mp = new MeterProvider({
      resource: RES_A, readers: [reader],
      views: [{ instrumentName: 'http.server.request.body.size',
        aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
    });
    const m = mp.getMeter('http-server', '2.1.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.24.0' });
    const requests = m.createCounter('http.server.requests', {
      description: 'Requests served', unit: '{request}', valueType: ValueType.INT });
    requests.add(1, { 'http.route': '/orders', 'http.response.status_code': 200 });
    requests.add(41, { 'http.route': '/orders', 'http.response.status_code': 200 });
    requests.add(3, { 'http.route': '/pay', 'http.response.status_code': 503, 'retry': true });
    const active = m.createUpDownCounter('http.server.active_requests', { valueType: ValueType.INT });
    active.add(5);
    active.add(-12);
    const dur = m.createHistogram('http.server.request.duration', {
      unit: 's', description: 'Duration of HTTP server requests.',
      advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.1, 1] } });
    for (const v of [0.001, 0.004, 0.02, 0.5, 0.5, 7.25]) dur.record(v, { 'http.route': '/orders' });
    const body = m.createHistogram('http.server.request.body.size', { unit: 'By' });
    for (const v of [0, 12, 100, 1000, 12345]) body.record(v, { 'http.route': '/pay' });
    const temp = m.createGauge('hw.temperature', { unit: 'Cel' });
    temp.record(71.5, { 'hw.id': 'cpu0' });
    temp.record(-3.25, { 'hw.id': 'sensor-outside' });
    const bytes = m.createCounter('network.io', { unit: 'By' }); // double by default
    bytes.add(1.5, { 'network.io.direction': 'receive' });
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length) throw new Error(`metric collection: ${errors}`);
    out.push(resourceMetrics);
  }
  {
    const reader = new ManualReader();
    const mp = new MeterProvider({ resource: RES_B, readers: [reader] });
    const m = mp.getMeter('queue', '0.9.1');
    m.createObservableGauge('queue.depth', { valueType: ValueType.INT })
        .addCallback((r) => { r.observe(17, { queue: 'orders' }); r.observe(0, { queue: 'refunds' }); });
    const jobs = m.createCounter('queue.jobs', { valueType: ValueType.INT });
    for (let i = 0; i < 20; i++) jobs.add(i + 1, { 'queue.shard': i });
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length) throw new Error(`metric collection: ${errors}`);
    out.push(resourceMetrics);
  }
  return out;
}

// Indexed by the SDK's DataPointType.
const METRIC_TYPE = { [DataPointType.HISTOGRAM]: 'histogram',
  [DataPointType.EXPONENTIAL_HISTOGRAM]: 'exponentialHistogram',
  [DataPointType.GAUGE]: 'gauge', [DataPointType.SUM]: 'sum' };

function expectedPoints(rm) {
  const points = [];
  for (const sm of rm.scopeMetrics) {
    for (const md of sm.metrics) {
      const type = METRIC_TYPE[md.dataPointType];
      const metric = {
        name: md.descriptor.name, description: C.str(md.descriptor.description),
        unit: C.str(md.descriptor.unit), type,
        aggregationTemporality: type === 'gauge' ? 0 : (md.aggregationTemporality === AggregationTemporality.DELTA ? 1 : 2),
        isMonotonic: type === 'sum' ? md.isMonotonic : false,
      };
      for (const dp of md.dataPoints) {
        const p = {
          attributes: C.attrsFromJs(dp.attributes),
          startTimeUnixNano: C.hrToNanos(dp.startTime),
          timeUnixNano: C.hrToNanos(dp.endTime),
          flags: 0,
        };
        if (type === 'gauge' || type === 'sum') {
          if (md.descriptor.valueType === ValueType.INT) p.asInt = String(dp.value);
          else p.asDouble = C.dbl(dp.value);
        } else if (type === 'histogram') {
          const h = dp.value;
          Object.assign(p, {
            count: String(h.count), sum: C.dbl(h.sum), min: C.dbl(h.min), max: C.dbl(h.max),
            bucketCounts: h.buckets.counts.map(String), explicitBounds: h.buckets.boundaries.map(C.dbl),
          });
        } else {
          const h = dp.value;
          Object.assign(p, {
            count: String(h.count), sum: C.dbl(h.sum), min: C.dbl(h.min), max: C.dbl(h.max),
            scale: h.scale, zeroCount: String(h.zeroCount), zeroThreshold: 0,
            positive: { offset: h.positive.offset, bucketCounts: h.positive.bucketCounts.map(String) },
            negative: { offset: h.negative.offset, bucketCounts: h.negative.bucketCounts.map(String) },
          });
        }
        points.push({ resource: expectedResource(rm.resource), scope: expectedScope(sm.scope), metric, point: p });
      }
    }
  }
  return points;
}

// ---- logs ---------------------------------------------------------------------

function makeLogs(spans) {
  const mk = (res) => {
    const mem = new InMemoryLogRecordExporter();
    return { lp: new LoggerProvider({ resource: res, processors: [new SimpleLogRecordProcessor({ exporter: mem })] }), mem };
  };
  const a = mk(RES_A);
  const b = mk(RES_B);
  const app = a.lp.getLogger('app', '3.0.0', {
    schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
    attributes: { 'logger.kind': 'structured', 'logger.level': 3 } });
  const audit = a.lp.getLogger('audit');
  const worker = b.lp.getLogger('worker', '0.9.1');
  let seq = 0;
  const emit = (lg, rec) => lg.emit({ ...rec, attributes: { ...(rec.attributes || {}), 'test.seq': seq++ } });

  const server = spans.find((s) => s.name === 'GET /api/v1/orders');
  const inSpan = api.trace.setSpanContext(ROOT_CONTEXT, server.spanContext());

  emit(app, { timestamp: at(0, 1), observedTimestamp: at(0, 2), severityNumber: SeverityNumber.INFO,
    severityText: 'INFO', body: 'order 42 accepted', attributes: EVERY_TYPE, context: inSpan });
  emit(app, { timestamp: at(1, 3), observedTimestamp: at(1, 4), severityNumber: SeverityNumber.ERROR2,
    severityText: 'ERROR', context: inSpan, body: {
      message: 'payment failed', code: 502, retryable: false, ratio: 0.25,
      detail: { upstream: ['psp-1', 'psp-2'], tries: [1, 2, 3], nested: { deep: { deeper: 'yes' } } },
      raw: new Uint8Array([0, 1, 2, 253, 254, 255]),
    } });
  emit(app, { timestamp: at(2), observedTimestamp: at(2, 1), severityNumber: SeverityNumber.WARN,
    severityText: 'WARN', body: ['list', 'body', 3, true] });
  emit(audit, { timestamp: at(3), observedTimestamp: at(3), eventName: 'user.login',
    body: { 'user.id': 'u-17' }, attributes: { 'session.new': true } });
  emit(audit, { timestamp: at(4), observedTimestamp: at(4), severityNumber: SeverityNumber.FATAL4,
    body: '' }); // empty body string
  emit(audit, { timestamp: at(5), observedTimestamp: at(5), severityNumber: SeverityNumber.TRACE,
    body: new Uint8Array([104, 105]) }); // bytes body
  emit(audit, { timestamp: at(6), observedTimestamp: at(6) }); // no body, no severity
  for (let i = 0; i < 200; i++) {
    emit(worker, { timestamp: at(1000 + i, i), observedTimestamp: at(1000 + i, i + 1),
      severityNumber: SeverityNumber.DEBUG + (i % 4), severityText: `DEBUG${(i % 4) + 1}`,
      body: `processed job ${i}`, attributes: { 'job.index': i } });
  }
  const recsA = a.mem.getFinishedLogRecords();
  const recsB = b.mem.getFinishedLogRecords();
  return { first: [...recsA, ...recsB.slice(0, 5)], rest: recsB.slice(5), all: [...recsA, ...recsB] };
}

function expectedLog(r) {
  const sc = r.spanContext;
  return {
    resource: expectedResource(r.resource),
    scope: expectedScope(r.instrumentationScope, r.instrumentationScope.attributes),
    timeUnixNano: C.hrToNanos(r.hrTime),
    observedTimeUnixNano: C.hrToNanos(r.hrTimeObserved),
    severityNumber: C.num(r.severityNumber),
    severityText: C.str(r.severityText),
    body: C.anyFromJs(r.body),
    attributes: C.attrsFromJs(r.attributes),
    droppedAttributesCount: C.num(r.droppedAttributesCount),
    flags: sc ? sc.traceFlags & 0xff : 0,
    traceId: sc ? sc.traceId : '',
    spanId: sc ? sc.spanId : '',
    eventName: C.str(r.eventName),
  };
}

// ---- sending ------------------------------------------------------------------

function exportOnce(exporter, items, what) {
  return new Promise((resolve, reject) => {
    exporter.export(items, (res) => {
      if (res.code === ExportResultCode.SUCCESS) resolve();
      else reject(new Error(`${what}: export failed: ${res.error ? res.error.message || res.error : 'unknown error'}`));
    });
  });
}

async function main() {
  const spans = makeSpans();
  const metrics = await makeMetrics();
  const logs = makeLogs(spans.all);

  const expected = {
    mode,
    traces: spans.all.map(expectedSpan),
    metrics: metrics.flatMap(expectedPoints),
    logs: logs.all.map(expectedLog),
  };
  fs.writeFileSync(expectedPath, JSON.stringify(expected, null, 1));

  const ex = exporters();
  // First requests carry two resources each; the rest one resource.
  await exportOnce(ex.traces, spans.first, 'traces #1');
  await exportOnce(ex.traces, spans.rest.slice(0, 150), 'traces #2');
  await exportOnce(ex.traces, spans.rest.slice(150), 'traces #3');
  for (const [i, rm] of metrics.entries()) await exportOnce(ex.metrics, rm, `metrics #${i + 1}`);
  await exportOnce(ex.logs, logs.first, 'logs #1');
  await exportOnce(ex.logs, logs.rest, 'logs #2');
  await Promise.all([ex.traces.shutdown(), ex.metrics.shutdown(), ex.logs.shutdown()]);
  console.log(`send_http (${mode}): sent ${expected.traces.length} spans, ` +
      `${expected.metrics.length} metric data points, ${expected.logs.length} log records`);
}

main().then(() => process.exit(0), (e) => {
  console.error(`send_http (${mode}): ${e.stack || e}`);
  process.exit(1);
});
