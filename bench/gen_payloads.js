#!/usr/bin/env node
'use strict';
// Encodes, once, the request bodies the benchmark sends: OTLP/protobuf
// ExportTraceServiceRequest and ExportLogsServiceRequest files made by the
// official OpenTelemetry JS SDK serializers, so what otlpd decodes is what
// real SDKs send.
//
// usage: gen_payloads.js <out-dir> [requests per signal (default 64)] [items per request (default 100)]
// Writes traces-NNN.pb, logs-NNN.pb and manifest.txt ("<file> <items>").
//
// Each span looks like an HTTP server span of a typical web service
// (~450 bytes encoded); every trace and span id is unique across files.

const path = require('path');
const fs = require('fs');
const { createRequire } = require('module');

// The SDK is installed (pinned) by tests/interop/setup.sh.
const sdkRequire = createRequire(path.join(__dirname, '..', 'tests', 'interop', 'package.json'));
const api = sdkRequire('@opentelemetry/api');
const { SpanKind, SpanStatusCode, ROOT_CONTEXT } = api;
const { SeverityNumber } = sdkRequire('@opentelemetry/api-logs');
const { resourceFromAttributes } = sdkRequire('@opentelemetry/resources');
const { BasicTracerProvider, SimpleSpanProcessor, InMemorySpanExporter } =
    sdkRequire('@opentelemetry/sdk-trace-base');
const { LoggerProvider, SimpleLogRecordProcessor, InMemoryLogRecordExporter } =
    sdkRequire('@opentelemetry/sdk-logs');
const { ProtobufTraceSerializer, ProtobufLogsSerializer } = sdkRequire('@opentelemetry/otlp-transformer');

const [outDir, nReqArg, perReqArg] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: gen_payloads.js <out-dir> [requests per signal] [items per request]');
  process.exit(2);
}
const N_REQ = Number(nReqArg || 64);
const PER_REQ = Number(perReqArg || 100);

const RESOURCE = resourceFromAttributes({
  'service.name': 'checkout-api',
  'service.version': '2.31.4',
  'service.namespace': 'shop',
  'service.instance.id': '627cc493-f310-47de-96bd-71410b7dec09',
  'deployment.environment.name': 'production',
  'host.name': 'ip-10-0-3-17.eu-west-1.compute.internal',
  'k8s.namespace.name': 'shop',
  'k8s.pod.name': 'checkout-api-7d9f8b6c5-x2x9q',
  'k8s.node.name': 'node-17',
  'cloud.provider': 'aws',
  'cloud.region': 'eu-west-1',
  'telemetry.sdk.name': 'opentelemetry',
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.version': '2.12.1',
});

const ROUTES = [
  ['GET', '/api/v1/orders/{id}', (i) => `/api/v1/orders/${100000 + i}`],
  ['POST', '/api/v1/cart/items', () => '/api/v1/cart/items'],
  ['GET', '/api/v1/products', (i) => `/api/v1/products?page=${i % 17}&sort=price`],
  ['PUT', '/api/v1/users/{id}/address', (i) => `/api/v1/users/${7000 + (i % 900)}/address`],
];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'okhttp/4.12.0',
];
const STATUS = [200, 200, 200, 200, 201, 204, 304, 404, 500];
const T0 = 1718000000;

function httpAttributes(i) {
  const [method, route, url] = ROUTES[i % ROUTES.length];
  const status = STATUS[i % STATUS.length];
  return {
    method, route, status,
    attributes: {
      'http.request.method': method,
      'http.route': route,
      'url.full': `https://shop.example.com${url(i)}`,
      'http.response.status_code': status,
      'server.address': 'shop.example.com',
      'client.address': `10.1.${(i >> 8) & 255}.${i & 255}`,
      'user_agent.original': AGENTS[i % AGENTS.length],
      'http.response.body.size': 512 + (i % 4096),
    },
  };
}

function spansFor(req) {
  const mem = new InMemorySpanExporter();
  const tp = new BasicTracerProvider({ resource: RESOURCE, spanProcessors: [new SimpleSpanProcessor(mem)] });
  const tracer = tp.getTracer('@opentelemetry/instrumentation-http', '0.52.1');
  let root = null;
  for (let k = 0; k < PER_REQ; k++) {
    const i = req * PER_REQ + k;
    const h = httpAttributes(i);
    const start = [T0 + req, k * 1000000 + 123];
    // Every other span is a child of the previous one: realistic parent ids.
    const parent = k % 2 ? api.trace.setSpan(ROOT_CONTEXT, root) : ROOT_CONTEXT;
    const span = tracer.startSpan(`${h.method} ${h.route}`, { kind: SpanKind.SERVER, startTime: start,
      attributes: h.attributes }, parent);
    if (h.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end([start[0], start[1] + 250000 + (i % 1000) * 1000]);
    if (!(k % 2)) root = span;
  }
  return mem.getFinishedSpans();
}

function logsFor(req) {
  const mem = new InMemoryLogRecordExporter();
  const lp = new LoggerProvider({ resource: RESOURCE, processors: [new SimpleLogRecordProcessor({ exporter: mem })] });
  const logger = lp.getLogger('checkout-api.access', '2.31.4');
  for (let k = 0; k < PER_REQ; k++) {
    const i = req * PER_REQ + k;
    const h = httpAttributes(i);
    const ts = [T0 + req, k * 1000000 + 77];
    // Unique 16/8-byte ids, as a log correlated with a span would carry.
    const ctx = api.trace.setSpanContext(ROOT_CONTEXT, {
      traceId: i.toString(16).padStart(8, '0') + 'a3ce929d0e0e4736'.padStart(24, '0'),
      spanId: (i + 1).toString(16).padStart(16, '0'),
      traceFlags: 1,
    });
    logger.emit({
      timestamp: ts, observedTimestamp: [ts[0], ts[1] + 1000],
      severityNumber: h.status >= 500 ? SeverityNumber.ERROR : SeverityNumber.INFO,
      severityText: h.status >= 500 ? 'ERROR' : 'INFO',
      body: `${h.attributes['client.address']} "${h.method} ${h.attributes['url.full']} HTTP/1.1" ${h.status} ` +
          `${h.attributes['http.response.body.size']} "${h.attributes['user_agent.original']}"`,
      attributes: {
        'http.request.method': h.method, 'http.route': h.route,
        'http.response.status_code': h.status, 'client.address': h.attributes['client.address'],
        'log.file.name': 'access.log',
      },
      context: ctx,
    });
  }
  return mem.getFinishedLogRecords();
}

function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const manifest = [];
  let spanBytes = 0;
  let logBytes = 0;
  for (let r = 0; r < N_REQ; r++) {
    const t = ProtobufTraceSerializer.serializeRequest(spansFor(r));
    const l = ProtobufLogsSerializer.serializeRequest(logsFor(r));
    const tn = `traces-${String(r).padStart(3, '0')}.pb`;
    const ln = `logs-${String(r).padStart(3, '0')}.pb`;
    fs.writeFileSync(path.join(outDir, tn), t);
    fs.writeFileSync(path.join(outDir, ln), l);
    manifest.push(`${tn} ${PER_REQ}`, `${ln} ${PER_REQ}`);
    spanBytes += t.length;
    logBytes += l.length;
  }
  // Written last: its presence means the set is complete.
  fs.writeFileSync(path.join(outDir, 'manifest.txt'), manifest.join('\n') + '\n');
  const per = (b) => Math.round(b / (N_REQ * PER_REQ));
  console.log(`gen_payloads: ${N_REQ} trace + ${N_REQ} log requests of ${PER_REQ} items ` +
      `(~${per(spanBytes)} B/span, ~${per(logBytes)} B/log record) in ${outDir}`);
}

main();
