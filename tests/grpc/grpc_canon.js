'use strict';
// One canonical form for what the JS SDK sent (built from its own span, log
// and metric objects) and what otlpd wrote (OTLP-JSON lines of the file
// exporter), so both sides compare with a plain string equality.
// Defaults that proto3 JSON may omit are filled in; 64-bit integers are
// decimal strings; ids are lowercase hex; AnyValues are tagged objects.

function sortKeys(o) {
  if (Array.isArray(o)) return o.map(sortKeys);
  if (o && typeof o === 'object') {
    const out = {};
    for (const k of Object.keys(o).sort()) out[k] = sortKeys(o[k]);
    return out;
  }
  return o;
}
const canonJSON = (o) => JSON.stringify(sortKeys(o));

function i64(x) {
  if (x === undefined || x === null) return '0';
  if (typeof x === 'bigint') return x.toString();
  if (typeof x === 'number') return Number.isSafeInteger(x) ? String(x) : `UNSAFE(${x})`;
  if (typeof x === 'string' && /^-?[0-9]+$/.test(x)) return BigInt(x).toString();
  return `BAD_INT(${JSON.stringify(x)})`;
}
const hr = (t) => (BigInt(t[0]) * 1000000000n + BigInt(t[1])).toString();
const hex = (x) => (x ? String(x).toLowerCase() : '');

// ---- SDK side ---------------------------------------------------------------

function jsAny(v) {
  if (typeof v === 'string') return { s: v };
  if (typeof v === 'boolean') return { b: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { i: String(v) } : { d: v };
  if (v instanceof Uint8Array) return { y: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return { a: v.map(jsAny) };
  if (v && typeof v === 'object') return { kv: jsAttrs(v) };
  return {};
}
function jsAttrs(a) {
  const out = {};
  for (const k of Object.keys(a || {})) out[k] = jsAny(a[k]);
  return out;
}
const jsScope = (s) => ({ name: s.name || '', version: s.version || '' });

function sdkSpan(s) {
  const ctx = s.spanContext();
  return {
    resource: jsAttrs(s.resource.attributes),
    scope: jsScope(s.instrumentationScope),
    traceId: hex(ctx.traceId),
    spanId: hex(ctx.spanId),
    parentSpanId: hex(s.parentSpanContext && s.parentSpanContext.spanId),
    name: s.name,
    kind: s.kind + 1, // SDK kinds start at INTERNAL = 0, OTLP's at UNSPECIFIED = 0
    start: hr(s.startTime),
    end: hr(s.endTime),
    attributes: jsAttrs(s.attributes),
    events: s.events.map((e) => ({ name: e.name, time: hr(e.time), attributes: jsAttrs(e.attributes) })),
    status: { code: s.status.code || 0, message: s.status.message || '' },
  };
}

function sdkLog(r) {
  const sc = r.spanContext;
  return {
    resource: jsAttrs(r.resource.attributes),
    scope: jsScope(r.instrumentationScope),
    time: hr(r.hrTime),
    observed: hr(r.hrTimeObserved),
    severityNumber: r.severityNumber || 0,
    severityText: r.severityText || '',
    body: jsAny(r.body),
    attributes: jsAttrs(r.attributes),
    traceId: hex(sc && sc.traceId),
    spanId: hex(sc && sc.spanId),
  };
}

// One entry per data point; the metric's own fields are repeated in each.
function sdkPoints(resourceMetrics) {
  const out = [];
  const resource = jsAttrs(resourceMetrics.resource.attributes);
  for (const sm of resourceMetrics.scopeMetrics) {
    for (const m of sm.metrics) {
      const kind = ['histogram', 'exponentialHistogram', 'gauge', 'sum'][m.dataPointType];
      for (const p of m.dataPoints) {
        const pt = {
          resource,
          scope: jsScope(sm.scope),
          name: m.descriptor.name,
          unit: m.descriptor.unit || '',
          description: m.descriptor.description || '',
          kind,
          attributes: jsAttrs(p.attributes),
          start: hr(p.startTime),
          time: hr(p.endTime),
        };
        if (kind === 'histogram') {
          const h = p.value;
          pt.count = i64(h.count);
          pt.sum = h.sum;
          pt.bucketCounts = h.buckets.counts.map(i64);
          pt.bounds = h.buckets.boundaries;
        } else {
          pt.value = m.descriptor.valueType === 0 ? { i: i64(p.value) } : { d: p.value };
        }
        if (kind === 'sum') pt.monotonic = !!m.isMonotonic;
        out.push(pt);
      }
    }
  }
  return out;
}

// ---- OTLP-JSON side ---------------------------------------------------------

function otlpAny(v) {
  if (!v) return {};
  if ('stringValue' in v) return { s: v.stringValue };
  if ('boolValue' in v) return { b: v.boolValue };
  if ('intValue' in v) return { i: i64(v.intValue) };
  if ('doubleValue' in v) return { d: Number(v.doubleValue) };
  if ('bytesValue' in v) return { y: Buffer.from(v.bytesValue, 'base64').toString('base64') };
  if ('arrayValue' in v) return { a: ((v.arrayValue && v.arrayValue.values) || []).map(otlpAny) };
  if ('kvlistValue' in v) return { kv: otlpAttrs(v.kvlistValue && v.kvlistValue.values) };
  return {};
}
function otlpAttrs(list) {
  const out = {};
  for (const kv of list || []) out[kv.key] = otlpAny(kv.value);
  return out;
}
const otlpScope = (s) => ({ name: (s && s.name) || '', version: (s && s.version) || '' });

function fileSpans(req, out) {
  for (const rs of req.resourceSpans || []) {
    const resource = otlpAttrs(rs.resource && rs.resource.attributes);
    for (const ss of rs.scopeSpans || []) {
      for (const s of ss.spans || []) {
        out.push({
          resource,
          scope: otlpScope(ss.scope),
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: s.name || '',
          kind: s.kind || 0,
          start: i64(s.startTimeUnixNano),
          end: i64(s.endTimeUnixNano),
          attributes: otlpAttrs(s.attributes),
          events: (s.events || []).map((e) => ({
            name: e.name || '',
            time: i64(e.timeUnixNano),
            attributes: otlpAttrs(e.attributes),
          })),
          status: { code: (s.status && s.status.code) || 0, message: (s.status && s.status.message) || '' },
        });
      }
    }
  }
}

function fileLogs(req, out) {
  for (const rl of req.resourceLogs || []) {
    const resource = otlpAttrs(rl.resource && rl.resource.attributes);
    for (const sl of rl.scopeLogs || []) {
      for (const r of sl.logRecords || []) {
        out.push({
          resource,
          scope: otlpScope(sl.scope),
          time: i64(r.timeUnixNano),
          observed: i64(r.observedTimeUnixNano),
          severityNumber: r.severityNumber || 0,
          severityText: r.severityText || '',
          body: otlpAny(r.body),
          attributes: otlpAttrs(r.attributes),
          traceId: hex(r.traceId),
          spanId: hex(r.spanId),
        });
      }
    }
  }
}

function filePoints(req, out) {
  for (const rm of req.resourceMetrics || []) {
    const resource = otlpAttrs(rm.resource && rm.resource.attributes);
    for (const sm of rm.scopeMetrics || []) {
      for (const m of sm.metrics || []) {
        const kind = ['sum', 'gauge', 'histogram', 'exponentialHistogram', 'summary'].find((k) => m[k]);
        for (const p of (m[kind] && m[kind].dataPoints) || []) {
          const pt = {
            resource,
            scope: otlpScope(sm.scope),
            name: m.name || '',
            unit: m.unit || '',
            description: m.description || '',
            kind,
            attributes: otlpAttrs(p.attributes),
            start: i64(p.startTimeUnixNano),
            time: i64(p.timeUnixNano),
          };
          if (kind === 'histogram') {
            pt.count = i64(p.count);
            pt.sum = p.sum === undefined ? 0 : Number(p.sum);
            pt.bucketCounts = (p.bucketCounts || []).map(i64);
            pt.bounds = (p.explicitBounds || []).map(Number);
          } else {
            pt.value = 'asInt' in p ? { i: i64(p.asInt) } : { d: Number(p.asDouble || 0) };
          }
          if (kind === 'sum') pt.monotonic = !!m.sum.isMonotonic;
          out.push(pt);
        }
      }
    }
  }
}

module.exports = { canonJSON, sdkSpan, sdkLog, sdkPoints, fileSpans, fileLogs, filePoints };
