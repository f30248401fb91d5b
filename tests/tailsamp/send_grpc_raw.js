'use strict';
// Sends ready-made ExportTraceServiceRequest bytes over OTLP/gRPC with the
// official gRPC client (@grpc/grpc-js), one unary Export call per file, in
// order; exits non-zero unless every call succeeds. The response must not
// report rejected spans (sampled-out spans are not refusals).
//
//   node send_grpc_raw.js 127.0.0.1:4317 file.pb...
const fs = require('fs');
const path = require('path');

const modDir = path.join(__dirname, '..', 'interop', 'node_modules');
const grpc = require(require.resolve('@grpc/grpc-js', { paths: [modDir] }));

const [target, ...files] = process.argv.slice(2);
const client = new grpc.Client(target, grpc.credentials.createInsecure());
const method = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const id = (b) => b;

function send(body) {
  return new Promise((resolve, reject) => {
    const deadline = new Date(Date.now() + 20000);
    client.makeUnaryRequest(method, id, id, body, { deadline }, (err, resp) => {
      if (err) reject(err);
      else resolve(resp);
    });
  });
}

(async () => {
  for (const f of files) {
    const resp = await send(fs.readFileSync(f));
    // ExportTraceServiceResponse: field 1 partial_success; empty when all accepted
    if (resp.length !== 0) throw new Error(`${f}: response has a partial_success (${resp.toString('hex')})`);
  }
  client.close();
})().catch((e) => {
  console.error(`send_grpc_raw: ${e.message}`);
  process.exit(1);
});
