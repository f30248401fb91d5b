// Sends one OTLP/gRPC trace Export whose message is gzip-compressed by
// hand (grpc-encoding: gzip), over plaintext HTTP/2 with node's http2
// module, and prints the grpc-status and grpc-message it got back.
//   node grpc_gzip_bomb.js <port> <inflated MiB>   (zeros: a "gzip bomb")
//   node grpc_gzip_bomb.js <port> valid            (a small real request)
'use strict';
const http2 = require('http2');
const zlib = require('zlib');

function validRequest() {
  // ExportTraceServiceRequest{resource_spans{scope_spans{spans{trace_id,span_id,name}}}}
  const tid = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
  const sid = Buffer.from('0102030405060708', 'hex');
  const name = Buffer.from('gzip-valid');
  const span = Buffer.concat([Buffer.from([0x0a, 16]), tid, Buffer.from([0x12, 8]), sid,
    Buffer.from([0x2a, name.length]), name]);
  const scope = Buffer.concat([Buffer.from([0x12, span.length]), span]);
  const rs = Buffer.concat([Buffer.from([0x12, scope.length]), scope]);
  return Buffer.concat([Buffer.from([0x0a, rs.length]), rs]);
}

const [port, what] = process.argv.slice(2);
const raw = what === 'valid' ? validRequest() : Buffer.alloc(Number(what) * 1024 * 1024);
const gz = zlib.gzipSync(raw, { level: 9 });
const frame = Buffer.alloc(5);
frame[0] = 1;
frame.writeUInt32BE(gz.length, 1);
const client = http2.connect(`http://127.0.0.1:${port}`);
client.on('error', (e) => { console.log(`error ${e.message}`); process.exit(2); });
const req = client.request({
  ':method': 'POST',
  ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  'content-type': 'application/grpc',
  te: 'trailers',
  'grpc-encoding': 'gzip',
  'grpc-accept-encoding': 'identity,gzip',
});
let status = null, message = '';
const take = (h) => {
  if (h['grpc-status'] !== undefined) status = h['grpc-status'];
  if (h['grpc-message'] !== undefined) message = decodeURIComponent(h['grpc-message']);
};
req.on('response', take);
req.on('trailers', take);
req.on('data', () => {});
req.on('end', () => { console.log(`status ${status} ${message}`); client.close(); });
req.on('error', (e) => { console.log(`error ${e.message}`); process.exit(2); });
req.end(Buffer.concat([frame, gz]));
setTimeout(() => { console.log('timeout'); process.exit(3); }, 30000).unref();
