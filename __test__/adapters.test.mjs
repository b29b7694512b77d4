// The adapters over real loopback HTTP (node:http, Express with/without express.raw, Fastify, Hono) and endpoint.fetch.
import http from 'node:http'
import test from 'ava'
import { createFlowClient, createFlowEndpoint, FlowTokenError } from '../dist/index.js'
import { captureLogger, listenExpress, listenFastify, listenHono, listenNode, makeKeys, signature } from './helpers/endpoint.mjs'

const keys = makeKeys()
const other = makeKeys()
const SECRET = 'adapter-secret'
const MAX = 64 * 1024

function makeEndpoint(log = captureLogger()) {
  return createFlowEndpoint({ privateKey: keys.privatePem, appSecret: SECRET, maxBodyBytes: MAX, logger: log.logger })
    .on('INIT', () => ({ screen: 'WELCOME', data: { n: 1 } }))
    .on('data_exchange', 'FORM', (req) => ({ screen: 'NEXT', data: { echo: req.data.v } }))
    .on('data_exchange', (req) => {
      if (req.screen === 'EXPIRED') throw new FlowTokenError('Session expired')
      return { screen: 'ANY', data: { from: req.screen } }
    })
}

/** A sealed, signed body with unusual whitespace, built by the simulator then re-spaced. */
async function spacedBody() {
  let body
  const spy = createFlowClient({
    endpoint: { handle: async (r) => ((body = r.body), { status: 500, headers: {}, body: '' }) },
    publicKey: keys.publicPem,
  })
  await spy.ping()
  const o = JSON.parse(body)
  return ` {\n "initial_vector" : "${o.initial_vector}",\t"encrypted_aes_key":"${o.encrypted_aes_key}",  "encrypted_flow_data":\r\n"${o.encrypted_flow_data}" }\n`
}

/** Streams `total` bytes (one reused 64 KiB chunk) and resolves with the status and how much was written by then. */
function upload(url, total, declareLength) {
  return new Promise((resolve) => {
    const chunk = Buffer.alloc(64 * 1024, 0x7b)
    const u = new URL(url)
    const headers = {
      'content-type': 'application/json',
      ...(declareLength ? { 'content-length': String(total) } : { 'transfer-encoding': 'chunked' }),
    }
    const req = http.request({ hostname: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers })
    let written = 0
    req.on('response', (res) => {
      const at = written
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode, writtenWhenAnswered: at }))
    })
    req.on('error', (e) => resolve({ status: 0, error: e.code, writtenWhenAnswered: written }))
    const pump = () => {
      while (written < total) {
        written += chunk.length
        if (!req.write(chunk)) return void req.once('drain', pump)
      }
      req.end()
    }
    pump()
  })
}

const servers = {
  'node:http': listenNode,
  express: (e) => listenExpress(e, 'plain'),
  'express + express.raw()': (e) => listenExpress(e, 'raw'),
  fastify: listenFastify,
  'hono (@hono/node-server)': listenHono,
}

for (const [name, listen] of Object.entries(servers)) {
  test(`${name}: ping, INIT, screen and catch-all dispatch over HTTP`, async (t) => {
    const s = await listen(makeEndpoint())
    t.teardown(s.close)
    const client = createFlowClient({ url: s.url, publicKey: keys.publicPem, appSecret: SECRET })
    const ping = await client.ping()
    t.deepEqual([ping.status, ping.response], [200, { data: { status: 'active' } }])
    t.regex(ping.headers['content-type'], /^text\/plain/)
    t.deepEqual((await client.init()).response, { screen: 'WELCOME', data: { n: 1 } })
    t.deepEqual((await client.dataExchange('FORM', { v: 'x' })).response, { screen: 'NEXT', data: { echo: 'x' } })
    t.deepEqual((await client.dataExchange('ELSE', {})).response, { screen: 'ANY', data: { from: 'ELSE' } })
    t.deepEqual((await client.notifyError('E', 'm')).response, { data: { acknowledged: true } })
  })

  test(`${name}: 405, 432, 400, 421, 427 and raw-byte signatures`, async (t) => {
    const s = await listen(makeEndpoint())
    t.teardown(s.close)
    const get = await fetch(s.url)
    t.is(get.status, 405)
    t.is(get.headers.get('allow'), 'POST')

    const body = await spacedBody()
    const post = (b, headers = {}) => fetch(s.url, { method: 'POST', body: b, headers: { 'content-type': 'application/json', ...headers } })
    t.is((await post(body)).status, 432)
    t.is((await post(body, { 'x-hub-signature-256': 'sha256=xyz' })).status, 432)
    t.is((await post(body, { 'x-hub-signature-256': signature('wrong', body) })).status, 432)
    t.is((await post(body, { 'x-hub-signature-256': signature(SECRET, body) })).status, 200)
    t.is((await post('{not json', { 'x-hub-signature-256': signature(SECRET, '{not json') })).status, 400)
    t.is((await post('{"initial_vector":"AA"}', { 'x-hub-signature-256': signature(SECRET, '{"initial_vector":"AA"}') })).status, 400)

    const wrongKey = createFlowClient({ url: s.url, publicKey: other.publicPem, appSecret: SECRET })
    t.is((await wrongKey.ping()).status, 421)
    const client = createFlowClient({ url: s.url, publicKey: keys.publicPem, appSecret: SECRET })
    const expired = await client.dataExchange('EXPIRED', {})
    t.deepEqual([expired.status, expired.response], [427, { error_msg: 'Session expired' }])
  })

  // With express.raw() in front, the user's parser owns the stream (and its limit); see the test below.
  if (name.includes('express.raw')) continue
  test(`${name}: 413 for 50 MiB (streamed and declared) without reading it all`, async (t) => {
    const log = captureLogger()
    const s = await listen(makeEndpoint(log))
    t.teardown(s.close)
    const total = 50 * 1024 * 1024
    for (const declare of [false, true]) {
      const before = process.memoryUsage().arrayBuffers
      const start = Date.now()
      const r = await upload(s.url, total, declare)
      t.is(r.status, 413, `declared=${declare}`)
      t.true(r.writtenWhenAnswered < total / 2, `answered after ${r.writtenWhenAnswered} bytes`)
      t.true(Date.now() - start < 5000)
      t.true(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024)
    }
    // A body just over the limit is refused too; one under it reaches the core (432: unsigned).
    t.is((await fetch(s.url, { method: 'POST', body: 'x'.repeat(MAX + 1) })).status, 413)
    t.is((await fetch(s.url, { method: 'POST', body: 'x'.repeat(MAX - 1), headers: { 'content-type': 'application/json' } })).status, 432)
  })
}

test('express.raw() with a larger limit in front: a buffered body over maxBodyBytes still gets 413 from the core', async (t) => {
  const log = captureLogger()
  const s = await listenExpress(makeEndpoint(log), 'raw-large')
  t.teardown(s.close)
  const r = await fetch(s.url, { method: 'POST', body: 'x'.repeat(MAX + 1), headers: { 'content-type': 'application/json' } })
  t.is(r.status, 413)
  t.true(log.messages('warn').includes('request body too large'))
})

test('express.json() before the handler: refused with 500 and a clear log line', async (t) => {
  const log = captureLogger()
  const s = await listenExpress(makeEndpoint(log), 'json')
  t.teardown(s.close)
  const client = createFlowClient({ url: s.url, publicKey: keys.publicPem, appSecret: SECRET })
  t.is((await client.ping()).status, 500)
  t.true(log.messages('error').some((m) => m.includes('already parsed') && m.includes('express.raw')))
})

test('fastify: the raw parser stays inside the plugin context', async (t) => {
  const s = await listenFastify(makeEndpoint())
  t.teardown(s.close)
  const r = await fetch(s.otherUrl, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } })
  t.deepEqual(await r.json(), { parsed: 'object' })
})

test('endpoint.fetch directly: dispatch, 405, Content-Length check and streamed cap', async (t) => {
  const endpoint = makeEndpoint()
  let fetchCalls = 0
  const client = createFlowClient({
    url: 'http://flow.test/endpoint',
    publicKey: keys.publicPem,
    appSecret: SECRET,
    fetch: (url, init) => (fetchCalls++, endpoint.fetch(new Request(url, init))),
  })
  t.deepEqual((await client.dataExchange('FORM', { v: 3 })).response, { screen: 'NEXT', data: { echo: 3 } })
  t.is(fetchCalls, 1)

  const get = await endpoint.fetch(new Request('http://flow.test/', { method: 'GET' }))
  t.deepEqual([get.status, get.headers.get('allow')], [405, 'POST'])

  const declared = await endpoint.fetch(
    new Request('http://flow.test/', { method: 'POST', body: 'x', headers: { 'content-length': String(50 * 1024 * 1024) } }),
  )
  t.is(declared.status, 413)

  let pulled = 0
  const chunk = new Uint8Array(16 * 1024)
  const stream = new ReadableStream({
    pull(controller) {
      pulled++
      if (pulled > 3200) controller.close()
      else controller.enqueue(chunk)
    },
  })
  const streamed = await endpoint.fetch(new Request('http://flow.test/', { method: 'POST', body: stream, duplex: 'half' }))
  t.is(streamed.status, 413)
  t.true(pulled < 20, `pulled ${pulled} chunks`)
  await t.throwsAsync(() => endpoint.fetch({}), { instanceOf: TypeError })
})

test('nodeHandler never calls next(): a stream that fails mid-body is dropped quietly (info), nothing is answered', async (t) => {
  const log = captureLogger()
  const endpoint = makeEndpoint(log)
  const handler = endpoint.nodeHandler()
  let destroyed = false
  const req = {
    method: 'POST',
    headers: {},
    on(event, fn) {
      if (event === 'error') setImmediate(() => fn(new Error('stream failed')))
    },
    removeListener() {},
    pause() {},
    resume() {},
    destroy() {
      destroyed = true
    },
  }
  const res = {
    writeHead() {
      t.fail('must not answer')
    },
    end() {},
    once() {},
  }
  handler(req, res, () => t.fail('next must not be called'))
  await new Promise((r) => setTimeout(r, 50))
  t.true(destroyed)
  t.deepEqual(log.messages('error'), [])
  t.true(log.messages('info').some((m) => m.includes('closed the connection')))
  t.throws(() => handler(null, res), { instanceOf: TypeError })
})

test('node:http: a middleware that left `req.body = {}` without reading the stream (body-parser 1.x) does not block the request', async (t) => {
  const endpoint = makeEndpoint()
  const handler = endpoint.nodeHandler()
  // What Express 4's body-parser does for a content type it does not handle: an empty object, stream untouched.
  const server = http.createServer((req, res) => {
    req.body = req.body || {}
    handler(req, res)
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise((r) => server.close(r)))
  const client = createFlowClient({ url: `http://127.0.0.1:${server.address().port}/`, publicKey: keys.publicPem, appSecret: SECRET })
  const ping = await client.ping()
  t.is(ping.status, 200)
  t.deepEqual(ping.response, { data: { status: 'active' } })
})

test('timeoutMs beyond what a timer can hold is refused', (t) => {
  t.throws(() => createFlowEndpoint({ privateKey: keys.privatePem, appSecret: SECRET, timeoutMs: 2 ** 31, logger: false }), {
    instanceOf: RangeError,
  })
})
