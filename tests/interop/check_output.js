#!/usr/bin/env node
'use strict';
// Compares otlpd's file exporter output (OTLP-JSON, one Export*ServiceRequest
// per line) with what send_http.js sent: every span, metric data point and
// log record must arrive exactly once, with its resource, scope and fields
// intact.
//
// usage: check_output.js <output.jsonl> <expected.json>
// Exit 0 when everything matches; 1 with a readable list of differences.

const fs = require('fs');
const C = require('./canon');

const [outPath, expectedPath] = process.argv.slice(2);
if (!outPath || !expectedPath) {
  console.error('usage: check_output.js <output.jsonl> <expected.json>');
  process.exit(2);
}

// Receivers accept enum names too; output should be integers, but a name is
// not wrong JSON, so map it rather than fail on form.
const ENUMS = {
  kind: ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT',
    'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'],
  status: ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'],
  temporality: ['AGGREGATION_TEMPORALITY_UNSPECIFIED', 'AGGREGATION_TEMPORALITY_DELTA',
    'AGGREGATION_TEMPORALITY_CUMULATIVE'],
};
function enumOf(table, v) {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const i = ENUMS[table] ? ENUMS[table].indexOf(v) : -1;
  if (i >= 0) return i;
  if (typeof v === 'string' && v.startsWith('SEVERITY_NUMBER_')) return `ENUM_NAME(${v})`;
  return `INVALID_ENUM(${JSON.stringify(v)})`;
}

function resourceOf(r, schemaUrl) {
  r = r || {};
  return { attributes: C.attrsFromJson(r.attributes), droppedAttributesCount: C.num(r.droppedAttributesCount),
    schemaUrl: C.str(schemaUrl) };
}

function scopeOf(s, schemaUrl) {
  s = s || {};
  return { name: C.str(s.name), version: C.str(s.version), attributes: C.attrsFromJson(s.attributes),
    droppedAttributesCount: C.num(s.droppedAttributesCount), schemaUrl: C.str(schemaUrl) };
}

function spanOf(resource, scope, s) {
  const st = s.status || {};
  return {
    resource, scope,
    traceId: C.hexId(s.traceId), spanId: C.hexId(s.spanId), parentSpanId: C.hexId(s.parentSpanId),
    traceState: C.str(s.traceState), name: C.str(s.name), kind: enumOf('kind', s.kind),
    startTimeUnixNano: C.i64(s.startTimeUnixNano), endTimeUnixNano: C.i64(s.endTimeUnixNano),
    attributes: C.attrsFromJson(s.attributes), droppedAttributesCount: C.num(s.droppedAttributesCount),
    events: (s.events || []).map((e) => ({
      name: C.str(e.name), timeUnixNano: C.i64(e.timeUnixNano),
      attributes: C.attrsFromJson(e.attributes), droppedAttributesCount: C.num(e.droppedAttributesCount),
    })),
    droppedEventsCount: C.num(s.droppedEventsCount),
    links: (s.links || []).map((l) => ({
      traceId: C.hexId(l.traceId), spanId: C.hexId(l.spanId), traceState: C.str(l.traceState),
      attributes: C.attrsFromJson(l.attributes), droppedAttributesCount: C.num(l.droppedAttributesCount),
      flags: C.num(l.flags),
    })),
    droppedLinksCount: C.num(s.droppedLinksCount),
    status: { code: enumOf('status', st.code), message: C.str(st.message) },
    flags: C.num(s.flags),
  };
}

function logOf(resource, scope, r) {
  return {
    resource, scope,
    timeUnixNano: C.i64(r.timeUnixNano), observedTimeUnixNano: C.i64(r.observedTimeUnixNano),
    severityNumber: enumOf('severity', r.severityNumber), severityText: C.str(r.severityText),
    body: C.anyFromJson(r.body), attributes: C.attrsFromJson(r.attributes),
    droppedAttributesCount: C.num(r.droppedAttributesCount), flags: C.num(r.flags),
    traceId: C.hexId(r.traceId), spanId: C.hexId(r.spanId), eventName: C.str(r.eventName),
  };
}

// proto3 `optional` doubles: absence differs from 0.
const optDbl = (o, k) => (k in o ? C.dbl(o[k]) : 'ABSENT');
const buckets = (b) => ({ offset: C.num((b || {}).offset), bucketCounts: ((b || {}).bucketCounts || []).map(C.i64) });

function pointsOf(resource, scope, m) {
  const type = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'].find((t) => t in m) || 'none';
  const data = m[type] || {};
  const metric = {
    name: C.str(m.name), description: C.str(m.description), unit: C.str(m.unit), type,
    aggregationTemporality: enumOf('temporality', data.aggregationTemporality),
    isMonotonic: data.isMonotonic === true,
  };
  return (data.dataPoints || []).map((dp) => {
    const p = {
      attributes: C.attrsFromJson(dp.attributes),
      startTimeUnixNano: C.i64(dp.startTimeUnixNano), timeUnixNano: C.i64(dp.timeUnixNano),
      flags: C.num(dp.flags),
    };
    if (type === 'gauge' || type === 'sum') {
      if ('asInt' in dp) p.asInt = C.i64(dp.asInt);
      else if ('asDouble' in dp) p.asDouble = C.dbl(dp.asDouble);
    } else if (type === 'histogram') {
      Object.assign(p, { count: C.i64(dp.count), sum: optDbl(dp, 'sum'), min: optDbl(dp, 'min'),
        max: optDbl(dp, 'max'), bucketCounts: (dp.bucketCounts || []).map(C.i64),
        explicitBounds: (dp.explicitBounds || []).map(C.dbl) });
    } else if (type === 'exponentialHistogram') {
      Object.assign(p, { count: C.i64(dp.count), sum: optDbl(dp, 'sum'), min: optDbl(dp, 'min'),
        max: optDbl(dp, 'max'), scale: C.num(dp.scale), zeroCount: C.i64(dp.zeroCount),
        zeroThreshold: C.dbl(dp.zeroThreshold), positive: buckets(dp.positive), negative: buckets(dp.negative) });
    } else {
      p.raw = dp;
    }
    return { resource, scope, metric, point: p };
  });
}

// Items must be identifiable without relying on their position.
const KEYS = {
  traces: (s) => `${s.traceId}/${s.spanId}`,
  logs: (r) => `test.seq=${C.stable(r.attributes['test.seq'])}`,
  metrics: (p) => `${C.stable(p.resource.attributes['service.name'])} ${p.metric.name} ${C.stable(p.point.attributes)}`,
};

function readOutput(path, problems) {
  const got = { traces: [], metrics: [], logs: [] };
  const text = fs.existsSync(path) ? fs.readFileSync(path, 'utf8') : null;
  if (text === null) {
    problems.push(`output file ${path} does not exist`);
    return got;
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else if (lines.length) problems.push(`output: last line is not terminated by a newline`);
  lines.forEach((line, i) => {
    let req;
    try {
      req = JSON.parse(line);
    } catch (e) {
      problems.push(`output line ${i + 1}: not JSON (${e.message}): ${line.slice(0, 200)}`);
      return;
    }
    for (const rs of req.resourceSpans || []) {
      const res = resourceOf(rs.resource, rs.schemaUrl);
      for (const ss of rs.scopeSpans || []) {
        const sc = scopeOf(ss.scope, ss.schemaUrl);
        for (const s of ss.spans || []) got.traces.push(spanOf(res, sc, s));
      }
    }
    for (const rm of req.resourceMetrics || []) {
      const res = resourceOf(rm.resource, rm.schemaUrl);
      for (const sm of rm.scopeMetrics || []) {
        const sc = scopeOf(sm.scope, sm.schemaUrl);
        for (const m of sm.metrics || []) got.metrics.push(...pointsOf(res, sc, m));
      }
    }
    for (const rl of req.resourceLogs || []) {
      const res = resourceOf(rl.resource, rl.schemaUrl);
      for (const sl of rl.scopeLogs || []) {
        const sc = scopeOf(sl.scope, sl.schemaUrl);
        for (const r of sl.logRecords || []) got.logs.push(logOf(res, sc, r));
      }
    }
    if (!req.resourceSpans && !req.resourceMetrics && !req.resourceLogs) {
      problems.push(`output line ${i + 1}: no resourceSpans/resourceMetrics/resourceLogs: ${line.slice(0, 200)}`);
    }
  });
  return got;
}

const MAX_SHOWN = 15;

function compare(signal, expected, got, problems) {
  const key = KEYS[signal];
  const found = new Map();
  for (const g of got) {
    const k = key(g);
    if (!found.has(k)) found.set(k, []);
    found.get(k).push(g);
  }
  if (expected.length === 0) problems.push(`${signal}: the expectation file lists nothing (sender defect)`);
  let shown = 0;
  const report = (msg) => {
    if (shown++ < MAX_SHOWN) problems.push(`${signal} ${msg}`);
  };
  let ok = 0;
  const seen = new Set();
  for (const e of expected) {
    const k = key(e);
    seen.add(k);
    const list = found.get(k) || [];
    if (list.length === 0) {
      report(`[${k}] missing (name ${JSON.stringify(e.name || (e.metric && e.metric.name) || e.body)})`);
    } else if (list.length > 1) {
      report(`[${k}] arrived ${list.length} times`);
    } else {
      const d = C.diff(e, list[0]);
      if (d.length) report(`[${k}] differs:\n      ${d.slice(0, 12).join('\n      ')}`);
      else ok++;
    }
  }
  for (const [k, list] of found) {
    if (!seen.has(k)) report(`[${k}] unexpected item (${list.length}x) not sent by the test`);
  }
  if (shown > MAX_SHOWN) problems.push(`${signal}: ... and ${shown - MAX_SHOWN} more problems`);
  return { ok, expected: expected.length, got: got.length };
}

function main() {
  const expected = JSON.parse(fs.readFileSync(expectedPath, 'utf8'));
  const problems = [];
  const got = readOutput(outPath, problems);
  const summary = [];
  for (const signal of ['traces', 'metrics', 'logs']) {
    const r = compare(signal, expected[signal], got[signal], problems);
    summary.push(`${signal}: ${r.ok}/${r.expected} intact (${r.got} in output)`);
  }
  const label = `check_output (${expected.mode})`;
  if (problems.length) {
    console.error(`${label}: FAILED\n  ${summary.join('\n  ')}\nproblems (expected vs got):\n  - ${problems.join('\n  - ')}`);
    process.exit(1);
  }
  console.log(`${label}: ok: ${summary.join('; ')}`);
}

main();
