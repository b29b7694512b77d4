// The endpoint core through endpoint.handle() and the simulator: dispatch, status codes, signatures, deadline, logging.
import test from 'ava'
import {
  createFlowClient,
  createFlowEndpoint,
  decryptRequest,
  loadPrivateKey,
  FlowTokenError,
  FlowDecryptionError,
  parseFlowCompletion,
} from '../dist/index.js'
import { captureLogger, makeKeys, signature } from './helpers/endpoint.mjs'

const keys = makeKeys()
const other = makeKeys()
const SECRET = 'app-secret-1'
const MARKER = 'SECRET-MARKER-7f3a'

function setup(options = {}) {
  const log = captureLogger()
  const endpoint = createFlowEndpoint({ privateKey: keys.privatePem, appSecret: SECRET, logger: log.logger, ...options })
  const client = createFlowClient({ endpoint, publicKey: keys.publicPem, appSecret: SECRET, flowToken: `tok-${MARKER}` })
  return { endpoint, client, log }
}

test('ping is answered automatically with status active', async (t) => {
  const { client } = setup()
  t.deepEqual(await client.ping().then((r) => [r.status, r.response]), [200, { data: { status: 'active' } }])
})

test('INIT, BACK, data_exchange by screen and the catch-all are dispatched with typed context', async (t) => {
  const { endpoint, client } = setup()
  const seen = []
  endpoint
    .on('INIT', (req, ctx) => {
      seen.push(['INIT', req.action, ctx.flowToken, ctx.version, ctx.signal.aborted])
      return { screen: 'FIRST', data: { hello: 'init' } }
    })
    .on('BACK', (req) => ({ screen: req.screen, data: { back: true } }))
    .on('data_exchange', 'FIRST', (req) => ({ screen: 'SECOND', data: { echo: req.data.value } }))
    .on('data_exchange', (req) => ({ screen: 'CATCH', data: { from: req.screen } }))

  t.deepEqual((await client.init()).response, { screen: 'FIRST', data: { hello: 'init' } })
  t.deepEqual(seen, [['INIT', 'INIT', client.flowToken, '3.0', false]])
  t.deepEqual((await client.back('FIRST')).response, { screen: 'FIRST', data: { back: true } })
  t.deepEqual((await client.dataExchange('FIRST', { value: 42 })).response, { screen: 'SECOND', data: { echo: 42 } })
  t.deepEqual((await client.dataExchange('OTHER', {})).response, { screen: 'CATCH', data: { from: 'OTHER' } })
})

test('the completion response is encrypted as returned', async (t) => {
  const { endpoint, client } = setup()
  endpoint.on('data_exchange', 'LAST', (req, ctx) => ({
    screen: 'SUCCESS',
    data: { extension_message_response: { params: { flow_token: ctx.flowToken, order: req.data.order } } },
  }))
  const r = await client.dataExchange('LAST', { order: 7 })
  t.is(r.status, 200)
  t.deepEqual(r.response, {
    screen: 'SUCCESS',
    data: { extension_message_response: { params: { flow_token: client.flowToken, order: 7 } } },
  })
})

test('error notifications reach the hook, then are acknowledged (also when the hook throws)', async (t) => {
  const { endpoint, client, log } = setup()
  const got = []
  endpoint.on('data_exchange', () => t.fail('a notification must not reach data_exchange handlers'))
  endpoint.onErrorNotification((n, ctx) => {
    got.push([n.action, n.data.error, n.data.error_message, ctx.flowToken === client.flowToken])
  })
  const r = await client.notifyError('INVALID_SCREEN', 'bad data', { screen: 'FIRST' })
  t.deepEqual([r.status, r.response], [200, { data: { acknowledged: true } }])
  t.deepEqual(got, [['data_exchange', 'INVALID_SCREEN', 'bad data', true]])

  endpoint.onErrorNotification(() => {
    throw new Error(`hook failure ${MARKER}`)
  })
  const r2 = await client.notifyError('X', 'y', { action: 'INIT' })
  t.deepEqual([r2.status, r2.response], [200, { data: { acknowledged: true } }])
  t.true(log.messages('error').some((m) => m.includes('error notification hook threw')))
  t.false(log.text().includes(MARKER))
})

test('error notifications without a hook are acknowledged', async (t) => {
  const { client } = setup()
  t.deepEqual((await client.notifyError('E', 'm')).response, { data: { acknowledged: true } })
})

test('non-POST methods get 405 with Allow: POST', async (t) => {
  const { endpoint } = setup()
  for (const method of ['GET', 'PUT', 'DELETE', 'OPTIONS']) {
    const r = await endpoint.handle({ method, body: '' })
    t.is(r.status, 405)
    t.is(r.headers.allow, 'POST')
  }
})

async function sealedBody(request = { version: '3.0', action: 'ping' }) {
  let captured
  const client = createFlowClient({
    endpoint: { handle: async (req) => ((captured = req.body), { status: 500, headers: {}, body: '' }) },
    publicKey: keys.publicPem,
  })
  await client.send(request)
  return captured
}

test('432: signature missing, malformed, wrong; rotation accepts the second secret', async (t) => {
  const { endpoint } = setup({ appSecret: ['old-secret', 'new-secret'] })
  const body = await sealedBody()
  const status = async (headers) => (await endpoint.handle({ body, headers })).status
  t.is(await status({}), 432)
  t.is(await status({ 'x-hub-signature-256': 'sha1=abc' }), 432)
  t.is(await status({ 'x-hub-signature-256': `sha256=zz${'a'.repeat(62)}` }), 432)
  t.is(await status({ 'x-hub-signature-256': signature('nope', body) }), 432)
  t.is(await status({ 'X-Hub-Signature-256': signature('new-secret', body) }), 200)
  t.is(await status(new Headers({ 'x-hub-signature-256': signature('old-secret', body) })), 200)
})

test('the signature covers the raw bytes: unusual whitespace verifies, re-serialised JSON does not', async (t) => {
  const { endpoint } = setup()
  const compact = JSON.parse(await sealedBody())
  const spaced = `\n  {  "encrypted_flow_data" :"${compact.encrypted_flow_data}",\t"encrypted_aes_key":  "${compact.encrypted_aes_key}" ,\r\n "initial_vector":"${compact.initial_vector}"  }  \n`
  const ok = await endpoint.handle({
    body: new TextEncoder().encode(spaced),
    headers: { 'x-hub-signature-256': signature(SECRET, spaced) },
  })
  t.is(ok.status, 200)
  const reserialised = await endpoint.handle({
    body: JSON.stringify(compact),
    headers: { 'x-hub-signature-256': signature(SECRET, spaced) },
  })
  t.is(reserialised.status, 432)
})

test('400 for a body that is not JSON or lacks fields', async (t) => {
  const { endpoint } = setup({ appSecret: undefined, logger: false })
  for (const body of [
    'not json',
    '[]',
    '{"encrypted_flow_data":"AAAA"}',
    '{"encrypted_flow_data":"AA","encrypted_aes_key":"AA","initial_vector":"AAAA"}',
  ]) {
    t.is((await endpoint.handle({ body })).status, 400, body)
  }
})

test('413 for a body just over maxBodyBytes', async (t) => {
  const { endpoint } = setup({ maxBodyBytes: 100 })
  t.is((await endpoint.handle({ body: 'x'.repeat(101) })).status, 413)
  t.not((await endpoint.handle({ body: 'x'.repeat(100) })).status, 413)
})

test('421 when the request was encrypted for another key, or tampered with', async (t) => {
  const { endpoint } = setup({ appSecret: undefined })
  const wrongKey = createFlowClient({ endpoint, publicKey: other.publicPem })
  t.is((await wrongKey.ping()).status, 421)
  const body = JSON.parse(await sealedBody())
  const data = Buffer.from(body.encrypted_flow_data, 'base64')
  data[0] ^= 1
  body.encrypted_flow_data = data.toString('base64')
  t.is((await endpoint.handle({ body: JSON.stringify(body) })).status, 421)
})

test('427 with {"error_msg"} (plain JSON) when a handler throws FlowTokenError', async (t) => {
  const { endpoint, client } = setup()
  endpoint.on('INIT', () => {
    throw new FlowTokenError('This order was already placed')
  })
  const r = await client.init()
  t.is(r.status, 427)
  t.is(r.headers['content-type'], 'application/json')
  t.deepEqual(r.response, { error_msg: 'This order was already placed' })
})

test('500 without any of the error in the body when a handler throws; only name/code logged', async (t) => {
  const { endpoint, client, log } = setup()
  endpoint.on('data_exchange', 'S', () => {
    const e = new TypeError(`database said ${MARKER}`)
    e.code = 'ERR_DB'
    throw e
  })
  const r = await client.dataExchange('S', { x: 1 })
  t.is(r.status, 500)
  t.false(JSON.stringify(r).includes(MARKER))
  t.false(JSON.stringify(r).includes('database'))
  const line = log.calls.find((c) => c.args[0] === 'handler threw')
  t.deepEqual(line.args[1], { action: 'data_exchange', screen: 'S', error: 'TypeError', code: 'ERR_DB' })
})

test('501 and a log line naming the action and screen when no handler matches', async (t) => {
  const { endpoint, client, log } = setup()
  endpoint.on('data_exchange', 'KNOWN', () => ({ screen: 'A', data: {} }))
  t.is((await client.dataExchange('UNKNOWN_SCREEN', {})).status, 501)
  t.is((await client.init()).status, 501)
  const lines = log.calls.filter((c) => c.level === 'error' && c.args[0].includes('no handler'))
  t.deepEqual(
    lines.map((c) => c.args[1]),
    [{ action: 'data_exchange', screen: 'UNKNOWN_SCREEN' }, { action: 'INIT' }],
  )
})

test('500 when a handler returns no response object', async (t) => {
  const { endpoint, client } = setup()
  endpoint.on('INIT', () => undefined)
  t.is((await client.init()).status, 500)
})

test('deadline: the signal aborts, the endpoint answers 504 in time and logs it', async (t) => {
  const { endpoint, client, log } = setup({ timeoutMs: 150 })
  let abortedWith
  endpoint.on(
    'INIT',
    (req, ctx) =>
      new Promise((resolve) => {
        ctx.signal.addEventListener('abort', () => {
          abortedWith = ctx.signal.reason
          setTimeout(() => resolve({ screen: 'LATE', data: {} }), 4000)
        })
      }),
  )
  const start = Date.now()
  const r = await client.init()
  t.is(r.status, 504)
  // Answered at the deadline, long before the handler's late result (4 s after the abort).
  t.true(Date.now() - start < 3000)
  t.is(abortedWith?.name, 'TimeoutError')
  t.true(log.messages('warn').includes('handler missed the deadline'))
})

test('deadline: onTimeout supplies an encrypted 200 answer instead', async (t) => {
  const { endpoint, client } = setup({
    timeoutMs: 100,
    onTimeout: (req) => ({ screen: req.screen, data: { error_message: 'Still working, please try again' } }),
  })
  endpoint.on('data_exchange', () => new Promise(() => {}))
  const r = await client.dataExchange('PAY', {})
  t.deepEqual([r.status, r.response], [200, { screen: 'PAY', data: { error_message: 'Still working, please try again' } }])
})

test('deadline: an onTimeout that never answers still yields a 504 shortly after the deadline', async (t) => {
  const { endpoint, client, log } = setup({ timeoutMs: 100, onTimeout: () => new Promise(() => {}) })
  endpoint.on('data_exchange', () => new Promise(() => {}))
  const start = Date.now()
  const r = await client.dataExchange('PAY', {})
  t.is(r.status, 504)
  t.true(Date.now() - start < 2000)
  t.true(log.messages('error').includes('onTimeout missed its own deadline'))
})

test('deadline: a handler that rejects after the deadline causes no unhandled rejection', async (t) => {
  const { endpoint, client } = setup({ timeoutMs: 50 })
  endpoint.on('INIT', () => new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 120)))
  t.is((await client.init()).status, 504)
  await new Promise((r) => setTimeout(r, 150))
  t.pass()
})

// Screen and action names are logged (identifier-like only); everything else decrypted never is.
test('the logger never receives decrypted data or the flow token', async (t) => {
  const { endpoint, client, log } = setup({ timeoutMs: 80 })
  endpoint
    .on('INIT', () => ({ screen: 'A', data: { secret: MARKER } }))
    .on('data_exchange', 'THROW', () => {
      throw new Error(MARKER)
    })
    .on('data_exchange', 'SLOW', () => new Promise(() => {}))
    .on('data_exchange', 'TOKEN', () => {
      throw new FlowTokenError(`expired ${MARKER}`)
    })
  const data = { note: MARKER, nested: [{ value: MARKER }] }
  await client.init({ marker: MARKER })
  await client.dataExchange('THROW', data)
  await client.dataExchange('SLOW', data)
  await client.dataExchange('TOKEN', data)
  await client.dataExchange('NOBODY', data)
  await client.send({ version: '3.0', action: 'BACK', flow_token: client.flowToken, screen: 'PREVIOUS', data: { m: MARKER } })
  await client.notifyError(MARKER, MARKER)
  await createFlowClient({ endpoint, publicKey: other.publicPem, appSecret: SECRET }).dataExchange('X', data)
  t.true(log.calls.length >= 6)
  t.false(log.text().includes(MARKER))
  t.false(log.text().includes('7f3a'))
})

test('warns once at creation without appSecret, not with one', (t) => {
  const a = captureLogger()
  createFlowEndpoint({ privateKey: keys.privatePem, logger: a.logger })
  t.is(a.messages('warn').filter((m) => m.includes('appSecret')).length, 1)
  const b = captureLogger()
  createFlowEndpoint({ privateKey: keys.privatePem, appSecret: 's', logger: b.logger })
  t.is(b.calls.length, 0)
})

test('a FlowPrivateKey from loadPrivateKey is accepted; a bad key is reported at creation and by every request', async (t) => {
  const key = await loadPrivateKey(keys.privatePem)
  const endpoint = createFlowEndpoint({ privateKey: key, logger: false })
  endpoint.on('INIT', () => ({ screen: 'A', data: {} }))
  const client = createFlowClient({ endpoint, publicKey: keys.publicPem })
  t.is((await client.init()).status, 200)
  // A broken PEM: ready() rejects at once (one error line at creation), and every request answers 500.
  const log = captureLogger()
  const broken = createFlowEndpoint({ privateKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', logger: log.logger })
  await t.throwsAsync(broken.ready(), { code: 'ERR_FLOW_KEY_INVALID' })
  const c2 = createFlowClient({ endpoint: broken, publicKey: keys.publicPem })
  t.is((await c2.ping()).status, 500)
  t.is((await c2.ping()).status, 500)
  t.deepEqual(log.messages('error'), [
    'the private key could not be loaded; every request will answer 500',
    'the private key could not be loaded',
    'the private key could not be loaded',
  ])
})

test('the decrypted request the handler sees is what the simulator sent', async (t) => {
  const body = await sealedBody({ version: '3.0', action: 'data_exchange', screen: 'S', flow_token: 'ft', data: { a: [1, 2] } })
  const { request } = await decryptRequest(body, await loadPrivateKey(keys.privatePem))
  t.deepEqual(request, { version: '3.0', action: 'data_exchange', screen: 'S', flow_token: 'ft', data: { a: [1, 2] } })
})

test('ctx.media finds items recursively and passes the deadline signal to the MediaApi', async (t) => {
  const { bindEndpoint } = await import('../dist/endpoint/index.js')
  const { runtime: __runtime } = await import('../dist/node/runtime.js')
  const calls = []
  const media = {
    decryptMedia: async () => new Uint8Array(0),
    createMediaDecryptor: () => new TransformStream(),
    downloadMedia: async (item, options) => (calls.push(['one', item.media_id, options]), new Uint8Array([9])),
    decryptMediaBatch: async (items, options) => (
      calls.push(['all', items.map((i) => i.media_id), options]), items.map((i) => ({ media_id: i.media_id, file_name: i.file_name }))
    ),
  }
  const { createFlowEndpoint: create } = bindEndpoint(__runtime, media)
  const endpoint = create({ privateKey: keys.privatePem, logger: false })
  const meta = { encryption_key: 'a', hmac_key: 'b', iv: 'c', plaintext_hash: 'd', encrypted_hash: 'e' }
  const item = (id) => ({ media_id: id, cdn_url: `https://cdn.example/${id}`, file_name: `${id}.jpg`, encryption_metadata: meta })
  endpoint.on('data_exchange', 'UPLOAD', async (req, ctx) => {
    const items = ctx.media.items()
    const bytes = await ctx.media.download(items[0], { maxBytes: 10 })
    const all = await ctx.media.downloadAll({ outDir: '/tmp/out', concurrency: 2 })
    t.throws(() => ctx.media.download(null), { instanceOf: TypeError })
    return {
      screen: 'DONE',
      data: {
        ids: items.map((i) => i.media_id),
        first: Array.from(bytes),
        all: all.length,
        signal: calls.every((c) => c[2].signal === ctx.signal),
      },
    }
  })
  const client = createFlowClient({ endpoint, publicKey: keys.publicPem })
  const r = await client.dataExchange('UPLOAD', { photos: [item('p1'), item('p2')], docs: { list: [item('d1')] }, other: 'x' })
  t.deepEqual(r.response, { screen: 'DONE', data: { ids: ['p1', 'p2', 'd1'], first: [9], all: 3, signal: true } })
  t.is(calls[0][2].maxBytes, 10)
  t.deepEqual(calls[1][1], ['p1', 'p2', 'd1'])
  t.is(calls[1][2].outDir, '/tmp/out')
})

test('option and registration guards throw TypeError', (t) => {
  const opts = { privateKey: keys.privatePem, logger: false }
  t.throws(() => createFlowEndpoint(null), { instanceOf: TypeError })
  t.throws(() => createFlowEndpoint({ privateKey: 42, logger: false }), { instanceOf: TypeError })
  // No key at all (and none in WA_FLOWS_PRIVATE_KEY / WA_FLOWS_PRIVATE_KEY_FILE): a key error naming both.
  t.throws(() => createFlowEndpoint({ logger: false }), {
    code: 'ERR_FLOW_KEY_INVALID',
    message: /WA_FLOWS_PRIVATE_KEY .*WA_FLOWS_PRIVATE_KEY_FILE/,
  })
  t.throws(() => createFlowEndpoint({ ...opts, appSecret: '' }), { instanceOf: TypeError })
  t.throws(() => createFlowEndpoint({ ...opts, appSecret: [] }), { instanceOf: TypeError })
  t.throws(() => createFlowEndpoint({ ...opts, maxBodyBytes: -1 }), { instanceOf: TypeError })
  t.throws(() => createFlowEndpoint({ ...opts, timeoutMs: 1.5 }), { instanceOf: TypeError })
  t.throws(() => createFlowEndpoint({ ...opts, logger: { info() {} } }), { instanceOf: TypeError })
  t.throws(() => createFlowEndpoint({ ...opts, passphrase: 1 }), { instanceOf: TypeError })
  t.throws(() => createFlowEndpoint({ ...opts, onTimeout: 'x' }), { instanceOf: TypeError })
  const e = createFlowEndpoint(opts)
  t.throws(() => e.on('ping', () => {}), { instanceOf: TypeError })
  t.throws(() => e.on('INIT'), { instanceOf: TypeError })
  t.throws(() => e.on('data_exchange', '', () => {}), { instanceOf: TypeError })
  t.throws(() => e.on('NAVIGATE', () => {}), { instanceOf: TypeError })
  t.throws(() => e.onErrorNotification(null), { instanceOf: TypeError })
  return Promise.all([
    t.throwsAsync(() => e.handle({ body: { parsed: true } }), { instanceOf: TypeError }),
    t.throwsAsync(() => e.handle(null), { instanceOf: TypeError }),
  ])
})

test('parseFlowCompletion reads the nfm_reply message', (t) => {
  const message = {
    from: '16505551234',
    id: 'wamid.X',
    type: 'interactive',
    interactive: { type: 'nfm_reply', nfm_reply: { name: 'flow', body: 'Sent', response_json: '{"flow_token":"ft-1","order":7}' } },
  }
  t.deepEqual(parseFlowCompletion(message), { flowToken: 'ft-1', response: { flow_token: 'ft-1', order: 7 }, name: 'flow', body: 'Sent' })
  t.throws(() => parseFlowCompletion({ type: 'text', text: { body: 'hi' } }), { code: 'ERR_FLOW_REQUEST_INVALID' })
  t.throws(() => parseFlowCompletion({ interactive: { type: 'nfm_reply', nfm_reply: { response_json: '{oops' } } }), {
    code: 'ERR_FLOW_REQUEST_INVALID',
  })
  t.throws(() => parseFlowCompletion('x'), { instanceOf: TypeError })
})

test('a 200 that does not decrypt is an error in the simulator', async (t) => {
  const client = createFlowClient({
    endpoint: { handle: async () => ({ status: 200, headers: {}, body: 'bm90IGNpcGhlcnRleHQgYXQgYWxs' }) },
    publicKey: keys.publicPem,
  })
  await t.throwsAsync(() => client.ping(), { instanceOf: FlowDecryptionError })
})
