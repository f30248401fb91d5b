// Checks tests/elasticsearch/es_server.py against the official
// Elasticsearch client (@elastic/elasticsearch, pinned in
// tests/interop/package.json): the client accepts its answers (product
// header, cluster info), sends gzip bulk bodies it can read, and reads
// the per-item results (statuses, errors flag, error type) in order;
// the create index API with a write alias, GET _alias (and its 404),
// writes through the alias, require_alias (per action and per request).
//   node es_client_check.js <port> <api key>
'use strict'
const assert = require('node:assert/strict')
const { Client, errors } = require('@elastic/elasticsearch')

async function main () {
  const [port, apiKey] = process.argv.slice(2)
  const node = `http://127.0.0.1:${port}`
  const client = new Client({ node, auth: { apiKey }, compression: true })

  const info = await client.info()
  assert.equal(info.cluster_name, 'otlpd-test')

  const ops = [
    { create: { _index: 'logs-check-default' } }, { '@timestamp': '2024-01-01T00:00:00Z', n: 1 },
    { index: { _index: 'logs-check-default' } }, { '@timestamp': '2024-01-01T00:00:00Z', n: 2 },
    { index: { _index: 'plain' } }, { text: 'caf\u00e9 "quoted"\n', n: 3 }
  ]
  const r1 = await client.bulk({ operations: ops })
  assert.equal(r1.errors, true)
  assert.equal(r1.items.length, 3)
  assert.equal(r1.items[0].create.status, 201)
  assert.equal(r1.items[1].index.status, 400)
  assert.equal(r1.items[1].index.error.type, 'illegal_argument_exception')
  assert.equal(r1.items[2].index.status, 201)

  // Every other item refused with 429, as a loaded cluster does.
  let res = await fetch(`${node}/_es_fault`, { method: 'POST', body: JSON.stringify({ item_status: 429, fraction: 0.5, times: 1 }) })
  assert.equal(res.status, 200)
  const many = []
  for (let i = 0; i < 6; i++) many.push({ create: { _index: 'traces-check-default' } }, { i })
  const r2 = await client.bulk({ operations: many })
  assert.equal(r2.errors, true)
  assert.deepEqual(r2.items.map(it => it.create.status), [429, 201, 429, 201, 429, 201])
  assert.equal(r2.items[0].create.error.type, 'es_rejected_execution_exception')

  // What was stored is what the client sent (gzip decoded, UTF-8 intact).
  res = await fetch(`${node}/_docs`)
  const docs = await res.json()
  const plain = docs.filter(d => d._index === 'plain')
  assert.equal(plain.length, 1)
  assert.equal(plain[0].source.text, 'caf\u00e9 "quoted"\n')
  assert.equal(docs.filter(d => d._index === 'traces-check-default').length, 3)
  res = await fetch(`${node}/_stats`)
  const stats = await res.json()
  assert.ok(stats.requests.some(r => r.content_encoding === 'gzip'), 'the client sent gzip bodies')

  // Rollover bootstrap: no alias yet (404); require_alias refuses the
  // write with a per-item 404 instead of auto-creating an index.
  await assert.rejects(client.indices.getAlias({ name: 'roll' }), err =>
    err instanceof errors.ResponseError && err.meta.statusCode === 404)
  const r3 = await client.bulk({ operations: [{ index: { _index: 'roll', require_alias: true } }, { n: 4 }] })
  assert.equal(r3.errors, true)
  assert.equal(r3.items[0].index.status, 404)
  assert.equal(r3.items[0].index.error.type, 'index_not_found_exception')
  assert.match(r3.items[0].index.error.reason, /\[require_alias\] request flag is \[true\] and \[roll\] is not an alias/)
  const created = await client.indices.create({ index: 'roll-000001', aliases: { roll: { is_write_index: true } } })
  assert.equal(created.acknowledged, true)
  assert.equal(created.index, 'roll-000001')
  await assert.rejects(client.indices.create({ index: 'roll-000001', aliases: { roll: { is_write_index: true } } }),
    err => err instanceof errors.ResponseError && err.meta.statusCode === 400 &&
      err.body.error.type === 'resource_already_exists_exception')
  const alias = await client.indices.getAlias({ name: 'roll' })
  assert.deepEqual(alias, { 'roll-000001': { aliases: { roll: { is_write_index: true } } } })
  const r4 = await client.bulk({ require_alias: true, operations: [{ index: { _index: 'roll' } }, { n: 5 }] })
  assert.equal(r4.errors, false)
  assert.equal(r4.items[0].index.status, 201)
  assert.equal(r4.items[0].index._index, 'roll-000001')
  // An alias cannot take the name of an existing index ('plain', auto-created above).
  await assert.rejects(client.indices.create({ index: 'plain-000001', aliases: { plain: {} } }),
    err => err instanceof errors.ResponseError && err.body.error.type === 'invalid_alias_name_exception')
  res = await fetch(`${node}/_es_indices`)
  const indices = await res.json()
  assert.equal(indices.roll, undefined, 'require_alias must not auto-create an index')
  assert.equal(indices['roll-000001'].docs, 1)

  // Wrong credentials: the client surfaces the 401.
  const bad = new Client({ node, auth: { apiKey: 'wrong' } })
  await assert.rejects(bad.bulk({ operations: ops.slice(0, 2) }), err =>
    err instanceof errors.ResponseError && err.meta.statusCode === 401)

  console.log('es_server.py answers the official client as Elasticsearch does')
}

main().catch(err => { console.error(err); process.exit(1) })
