'use strict';
// Canonical form shared by send_http.js (built from the SDK's own objects)
// and check_output.js (built from otlpd's OTLP-JSON output), so that the two
// sides can be compared with one deep-equal.
//
// proto3 JSON may omit default values, so every field is filled with its
// default here; 64-bit integers become decimal strings, ids lowercase hex,
// AnyValues small tagged objects ({s}, {i}, {d}, {b}, {y}, {a}, {kv}).

// --- scalars ---------------------------------------------------------------

// fixed64/int64 arrive as JSON strings (spec) or numbers (accepted on input).
function i64(x) {
  if (x === undefined || x === null) return '0';
  if (typeof x === 'string') {
    if (!/^-?[0-9]+$/.test(x)) return `INVALID_INT64(${JSON.stringify(x)})`;
    return BigInt(x).toString();
  }
  if (typeof x === 'number') {
    if (!Number.isSafeInteger(x)) return `PRECISION_LOST(${x})`;
    return String(x);
  }
  if (typeof x === 'bigint') return x.toString();
  return `INVALID_INT64(${JSON.stringify(x)})`;
}

function hrToNanos(hr) {
  return (BigInt(hr[0]) * 1000000000n + BigInt(hr[1])).toString();
}

// OTLP-JSON writes non-finite doubles as strings.
function dbl(x) {
  if (x === undefined || x === null) return 0;
  if (typeof x === 'number') return Number.isFinite(x) ? x : String(x);
  if (x === 'NaN' || x === 'Infinity' || x === '-Infinity') return x;
  if (typeof x === 'string' && x.trim() !== '' && !Number.isNaN(Number(x))) return Number(x);
  return `INVALID_DOUBLE(${JSON.stringify(x)})`;
}

function hexId(x) {
  if (x === undefined || x === null) return '';
  if (typeof x !== 'string') return `INVALID_ID(${JSON.stringify(x)})`;
  return x.toLowerCase();
}

function str(x) {
  return x === undefined || x === null ? '' : x;
}

function num(x) {
  return x === undefined || x === null ? 0 : x;
}

function b64(x) {
  return Buffer.from(x, 'base64').toString('base64');
}

// --- AnyValue / attributes from JS values (what the SDK was given) -----------

// The JS SDK maps integral numbers to intValue and the rest to doubleValue.
function anyFromJs(v) {
  if (v === undefined || v === null) return { empty: true };
  if (typeof v === 'string') return { s: v };
  if (typeof v === 'boolean') return { b: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { i: String(v) } : { d: dbl(v) };
  if (v instanceof Uint8Array) return { y: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return { a: v.map(anyFromJs) };
  if (typeof v === 'object') return { kv: attrsFromJs(v) };
  return { empty: true };
}

function attrsFromJs(obj) {
  const out = {};
  for (const k of Object.keys(obj || {}).sort()) out[k] = anyFromJs(obj[k]);
  return out;
}

// --- AnyValue / attributes from OTLP-JSON ------------------------------------

function anyFromJson(v) {
  if (v === undefined || v === null) return { empty: true };
  if ('stringValue' in v) return { s: str(v.stringValue) };
  if ('boolValue' in v) return { b: v.boolValue === true };
  if ('intValue' in v) return { i: i64(v.intValue) };
  if ('doubleValue' in v) return { d: dbl(v.doubleValue) };
  if ('bytesValue' in v) return { y: b64(str(v.bytesValue)) };
  if ('arrayValue' in v) return { a: ((v.arrayValue || {}).values || []).map(anyFromJson) };
  if ('kvlistValue' in v) return { kv: attrsFromJson((v.kvlistValue || {}).values) };
  return { empty: true };
}

function attrsFromJson(kvs) {
  const pairs = (kvs || []).map((kv) => [str(kv.key), anyFromJson(kv.value)]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out = {};
  for (const [k, v] of pairs) {
    // A key present twice is a defect of its own; keep both so it shows.
    if (k in out) out[k] = { duplicated: [].concat(out[k].duplicated || [out[k]], [v]) };
    else out[k] = v;
  }
  return out;
}

// --- stable stringify and diff -------------------------------------------------

function stable(v) {
  if (Array.isArray(v)) return '[' + v.map(stable).join(',') + ']';
  if (v && typeof v === 'object') {
    return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + stable(v[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}

// Paths where a and b differ, each "path: expected X, got Y".
function diff(exp, got, path = '', out = []) {
  if (stable(exp) === stable(got)) return out;
  const bothObj = exp && got && typeof exp === 'object' && typeof got === 'object' &&
      Array.isArray(exp) === Array.isArray(got);
  if (!bothObj) {
    out.push(`${path || '.'}: expected ${stable(exp)}, got ${stable(got)}`);
    return out;
  }
  if (Array.isArray(exp) && exp.length !== got.length) {
    out.push(`${path}: expected ${exp.length} elements, got ${got.length}: expected ${stable(exp)}, got ${stable(got)}`);
    return out;
  }
  const keys = new Set([...Object.keys(exp), ...Object.keys(got)]);
  for (const k of [...keys].sort()) {
    const p = Array.isArray(exp) ? `${path}[${k}]` : `${path}.${k}`;
    if (!(k in got)) out.push(`${p}: missing (expected ${stable(exp[k])})`);
    else if (!(k in exp)) out.push(`${p}: unexpected ${stable(got[k])}`);
    else diff(exp[k], got[k], p, out);
  }
  return out;
}

module.exports = {
  i64, hrToNanos, dbl, hexId, str, num, b64,
  anyFromJs, attrsFromJs, anyFromJson, attrsFromJson,
  stable, diff,
};
