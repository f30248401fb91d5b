'use strict';
// A fault-injecting OTLP/gRPC server (@grpc/grpc-js) for the otlp exporter's
// tests: the three Export services, answering each call with the next
// fault of a list given at start, then with OK.
//
//   node fault_server.js --faults '[{"code": 14, "times": 2}, ...]' [--port N]
//
// A fault: {"code": N, "message": "...", "times": K (default 1),
//           "retry_delay_ms": D (attach google.rpc.RetryInfo),
//           "delay_ms": D (answer after D ms),
//           "partial": R (OK with partial_success rejecting R items)}.
// Calls answered with an error are not counted as received. The first line
// on stdout is the gRPC port, the second the control port (HTTP):
//   GET /_items  {"spans": [names], "logs": n, "metric_requests": n,
//                 "calls": n, "metadata": [{key: value}...]}
const http = require('http');
const path = require('path');

const modDir = path.join(__dirname, '..', 'interop', 'node_modules');
const grpc = require(require.resolve('@grpc/grpc-js', { paths: [modDir] }));

function arg(name, def) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : def;
}

const faults = [];
for (const f of JSON.parse(arg('faults', '[]'))) for (let i = 0; i < (f.times || 1); i++) faults.push(f);

// ---- protobuf wire: just enough to read and write the few fields we need ----
function readVarint(b, p) {
  let v = 0, mul = 1;
  for (;;) {
    const x = b[p.i++];
    v += (x & 0x7f) * mul;
    if (!(x & 0x80)) return v;
    mul *= 128;
  }
}
function* fields(b) {
  const p = { i: 0 };
  while (p.i < b.length) {
    const tag = readVarint(b, p), num = Math.floor(tag / 8), wt = tag & 7;
    if (wt === 0) yield [num, readVarint(b, p)];
    else if (wt === 1) { yield [num, b.subarray(p.i, p.i + 8)]; p.i += 8; }
    else if (wt === 5) { yield [num, b.subarray(p.i, p.i + 4)]; p.i += 4; }
    else if (wt === 2) { const n = readVarint(b, p); yield [num, b.subarray(p.i, p.i + n)]; p.i += n; }
    else throw new Error('wire type ' + wt);
  }
}
const sub = (b, n) => [...fields(b)].filter(([k]) => k === n).map(([, v]) => v);
function varint(v) {
  const out = [];
  while (v >= 0x80) { out.push((v % 128) | 0x80); v = Math.floor(v / 128); }
  out.push(v);
  return Buffer.from(out);
}
const fieldVarint = (n, v) => Buffer.concat([varint(n * 8), varint(v)]);
const fieldBytes = (n, b) => Buffer.concat([varint(n * 8 + 2), varint(b.length), Buffer.from(b)]);

function retryInfoStatus(code, message, delayMs) {
  const duration = Buffer.concat([fieldVarint(1, Math.floor(delayMs / 1000)), fieldVarint(2, (delayMs % 1000) * 1e6)]);
  const retryInfo = fieldBytes(1, duration);
  const any = Buffer.concat([fieldBytes(1, 'type.googleapis.com/google.rpc.RetryInfo'), fieldBytes(2, retryInfo)]);
  return Buffer.concat([fieldVarint(1, code), fieldBytes(2, message), fieldBytes(3, any)]);
}

// ---- state ----
const got = { spans: [], logs: 0, metric_requests: 0, calls: 0, metadata: [] };

function record(kind, req) {
  if (kind === 'traces')
    for (const rs of sub(req, 1)) for (const ss of sub(rs, 2)) for (const sp of sub(ss, 2))
      got.spans.push(sub(sp, 5).map((x) => x.toString())[0] || '');
  else if (kind === 'logs')
    for (const rl of sub(req, 1)) for (const sl of sub(rl, 2)) got.logs += sub(sl, 2).length;
  else got.metric_requests++;
}

function handler(kind) {
  return (call, callback) => {
    got.calls++;
    got.metadata.push(call.metadata.getMap());
    const f = faults.shift();
    const answer = () => {
      if (call.cancelled) return; // the client gave up: nothing was received
      if (!f || !f.code) {
        record(kind, call.request);
        if (!f || f.partial === undefined) return callback(null, Buffer.alloc(0));
        // Export*ServiceResponse {partial_success = 1 {rejected = 1, error_message = 2}}
        const ps = Buffer.concat([fieldVarint(1, f.partial), fieldBytes(2, f.message || 'some items rejected')]);
        return callback(null, fieldBytes(1, ps));
      }
      const md = new grpc.Metadata();
      if (f.retry_delay_ms !== undefined)
        md.set('grpc-status-details-bin', retryInfoStatus(f.code, f.message || 'fault', f.retry_delay_ms));
      callback({ code: f.code, details: f.message || 'injected fault', metadata: md });
    };
    if (f && f.delay_ms) setTimeout(answer, f.delay_ms); else answer();
  };
}

const raw = { serialize: (b) => b, deserialize: (b) => b };
function method(svc) {
  return {
    path: `/opentelemetry.proto.collector.${svc}.v1.${svc === 'trace' ? 'Trace' : svc === 'metrics' ? 'Metrics' : 'Logs'}Service/Export`,
    requestStream: false, responseStream: false,
    requestSerialize: raw.serialize, requestDeserialize: raw.deserialize,
    responseSerialize: raw.serialize, responseDeserialize: raw.deserialize,
  };
}

const server = new grpc.Server();
server.addService({ Export: method('trace') }, { Export: handler('traces') });
server.addService({ Export: method('metrics') }, { Export: handler('metrics') });
server.addService({ Export: method('logs') }, { Export: handler('logs') });

server.bindAsync(`127.0.0.1:${arg('port', '0')}`, grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) { console.error(err.message); process.exit(1); }
  const ctl = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(got));
  });
  ctl.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${port}\n${ctl.address().port}\n`);
  });
});
process.on('SIGTERM', () => process.exit(0));
