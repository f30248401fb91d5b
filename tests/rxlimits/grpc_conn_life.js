// Opens one plaintext HTTP/2 connection to an OTLP/gRPC receiver, makes
// a valid trace Export call, then either stays idle (mode "idle") or keeps
// making a call every 200 ms (mode "busy"), and reports whether the server
// sent GOAWAY or closed the connection within <wait> seconds:
//   node grpc_conn_life.js <port> idle|busy <wait s>
// prints "goaway" / "closed" / "open" and the number of calls that got OK.
'use strict';
const http2 = require('http2');

function request() {
  const tid = Buffer.from('0102030405060708090a0b0c0d0e0f12', 'hex');
  const sid = Buffer.from('0102030405060708', 'hex');
  const name = Buffer.from('conn-life');
  const span = Buffer.concat([Buffer.from([0x0a, 16]), tid, Buffer.from([0x12, 8]), sid,
    Buffer.from([0x2a, name.length]), name]);
  const scope = Buffer.concat([Buffer.from([0x12, span.length]), span]);
  const rs = Buffer.concat([Buffer.from([0x12, scope.length]), scope]);
  const msg = Buffer.concat([Buffer.from([0x0a, rs.length]), rs]);
  const frame = Buffer.alloc(5);
  frame.writeUInt32BE(msg.length, 1);
  return Buffer.concat([frame, msg]);
}

const [port, mode, wait] = process.argv.slice(2);
const client = http2.connect(`http://127.0.0.1:${port}`);
let outcome = 'open', ok = 0, done = false;
const finish = () => {
  if (done) return;
  done = true;
  console.log(`${outcome} ${ok}`);
  process.exit(0);
};
client.on('goaway', () => { outcome = 'goaway'; finish(); });
client.on('close', () => { if (outcome === 'open') outcome = 'closed'; finish(); });
client.on('error', () => {});
function call() {
  if (done || client.closed || client.destroyed) return;
  let req;
  try {
    req = client.request({ ':method': 'POST', ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      'content-type': 'application/grpc', te: 'trailers' });
  } catch (e) { return; }
  req.on('trailers', (h) => { if (h['grpc-status'] === '0') ok++; });
  req.on('response', (h) => { if (h['grpc-status'] === '0') ok++; });
  req.on('data', () => {});
  req.on('error', () => {});
  req.on('end', () => { if (mode === 'busy') setTimeout(call, 200); });
  req.end(request());
}
call();
setTimeout(finish, Number(wait) * 1000);
