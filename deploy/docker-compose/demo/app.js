'use strict';
// demo-shop: a pretend web shop that emits a trace per "order" (a server
// span with a database and a payment child, one in ten failing), a
// request counter and a latency histogram, and one log line per order,
// through the official OpenTelemetry JS SDK over OTLP/HTTP to otlpd
// (OTEL_EXPORTER_OTLP_ENDPOINT, default http://localhost:4318).
const api = require('@opentelemetry/api');
const { SeverityNumber } = require('@opentelemetry/api-logs');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-http');
const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-http');

const base = (process.env.OTEL_EXPORTER_OTLP_ENDPOINT || 'http://localhost:4318').replace(/\/$/, '');
const resource = resourceFromAttributes({
  'service.name': process.env.OTEL_SERVICE_NAME || 'demo-shop',
  'service.version': '1.0.0',
  'deployment.environment.name': 'local',
});

const tracerProvider = new BasicTracerProvider({
  resource,
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: base + '/v1/traces' }))],
});
const meterProvider = new MeterProvider({
  resource,
  readers: [new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: base + '/v1/metrics' }), exportIntervalMillis: 10000,
  })],
});
const loggerProvider = new LoggerProvider({
  resource,
  processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: base + '/v1/logs' }) })],
});

const tracer = tracerProvider.getTracer('demo-shop');
const meter = meterProvider.getMeter('demo-shop');
const logger = loggerProvider.getLogger('demo-shop');
const orders = meter.createCounter('shop.orders', { description: 'orders placed' });
const latency = meter.createHistogram('shop.order.duration', { unit: 'ms' });

let n = 0;
function placeOrder() {
  n++;
  const failed = n % 10 === 0;
  const started = Date.now();
  tracer.startActiveSpan('POST /orders', { kind: api.SpanKind.SERVER }, (span) => {
    span.setAttribute('http.request.method', 'POST');
    span.setAttribute('order.id', n);
    const ctx = api.context.active();
    tracer.startSpan('SELECT stock', { kind: api.SpanKind.CLIENT, attributes: { 'db.system': 'postgresql' } }, ctx).end();
    const pay = tracer.startSpan('charge card', { kind: api.SpanKind.CLIENT }, ctx);
    if (failed) pay.setStatus({ code: api.SpanStatusCode.ERROR, message: 'card declined' });
    pay.end();
    span.setAttribute('http.response.status_code', failed ? 402 : 201);
    if (failed) span.setStatus({ code: api.SpanStatusCode.ERROR });
    logger.emit({
      severityNumber: failed ? SeverityNumber.WARN : SeverityNumber.INFO,
      severityText: failed ? 'WARN' : 'INFO',
      body: failed ? `order ${n} declined` : `order ${n} placed`,
      attributes: { 'order.id': n },
      context: api.trace.setSpan(api.context.active(), span),
    });
    span.end();
  });
  orders.add(1, { outcome: failed ? 'declined' : 'placed' });
  latency.record(Date.now() - started + Math.random() * 50);
}

setInterval(placeOrder, 500);
console.log(`demo-shop sending to ${base}`);
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, async () => {
    await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
    process.exit(0);
  });
}
