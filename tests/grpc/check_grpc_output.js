'use strict';
// Compares the file exporter's OTLP-JSON output with send_grpc.js's manifest:
// every item sent must appear exactly once, field for field, and nothing
// else may appear.
//
//   node check_grpc_output.js OUTPUT.jsonl MANIFEST.json [MANIFEST2.json ...]

const fs = require('fs');
const canon = require('./grpc_canon');

function readOutput(file) {
  const got = { spans: [], logs: [], points: [] };
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  lines.forEach((line, i) => {
    let req;
    try {
      req = JSON.parse(line);
    } catch (e) {
      throw new Error(`${file}:${i + 1}: not JSON: ${e.message}`);
    }
    canon.fileSpans(req, got.spans);
    canon.fileLogs(req, got.logs);
    canon.filePoints(req, got.points);
  });
  return got;
}

// An identity for reporting which item differs.
const ident = {
  spans: (x) => `span ${x.name} ${x.traceId}/${x.spanId}`,
  logs: (x) => `log ${JSON.stringify(x.body)} at ${x.time}`,
  points: (x) => `point ${x.name} ${canon.canonJSON(x.attributes)}`,
};

function compare(kind, want, got, problems) {
  const counts = new Map();
  for (const g of got) {
    const k = canon.canonJSON(g);
    counts.set(k, (counts.get(k) || 0) + 1);
  }
  for (const w of want) {
    const k = canon.canonJSON(w);
    const n = counts.get(k) || 0;
    if (n === 1) continue;
    if (n > 1) {
      problems.push(`${ident[kind](w)} arrived ${n} times`);
      continue;
    }
    const near = got.find((g) => ident[kind](g) === ident[kind](w));
    problems.push(
      near
        ? `${ident[kind](w)} arrived altered:\n  sent:     ${k}\n  received: ${canon.canonJSON(near)}`
        : `${ident[kind](w)} is missing`,
    );
  }
  const wantedIds = new Set(want.map(ident[kind]));
  for (const g of got) if (!wantedIds.has(ident[kind](g))) problems.push(`unexpected ${ident[kind](g)}`);
  if (got.length !== want.length) problems.push(`${kind}: sent ${want.length}, received ${got.length}`);
}

function main() {
  const [out, ...manifests] = process.argv.slice(2);
  if (!out || manifests.length === 0) {
    console.error('usage: check_grpc_output.js OUTPUT MANIFEST...');
    process.exit(2);
  }
  const want = { spans: [], logs: [], points: [] };
  for (const m of manifests) {
    const j = JSON.parse(fs.readFileSync(m, 'utf8'));
    for (const k of Object.keys(want)) want[k].push(...j[k]);
  }
  const got = readOutput(out);
  const problems = [];
  for (const k of Object.keys(want)) compare(k, want[k], got[k], problems);
  if (problems.length) {
    console.error(`${problems.length} problem(s):\n${problems.slice(0, 20).join('\n')}`);
    process.exit(1);
  }
  console.log(`ok: ${got.spans.length} spans, ${got.points.length} data points, ${got.logs.length} logs, all intact and once`);
}

main();
