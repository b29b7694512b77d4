// The WhatsApp-side simulator: key formats, encryption as WhatsApp does it, signatures, transports, answer handling.
import { createPrivateKey, createHmac, webcrypto } from 'node:crypto'
import test from 'ava'
import { createFlowClient, decryptRequest, loadPrivateKey, FlowDecryptionError, FlowKeyError } from '../dist/index.js'
import { listenFixed, makeKeys } from './helpers/endpoint.mjs'

const keys = makeKeys()

/** A handle() target that decrypts what it receives with the private key and answers with `answer(request)`. */
async function recorder(answer = () => ({ ok: true })) {
  const key = await loadPrivateKey(keys.privatePem)
  const seen = []
  return {
    seen,
    async handle({ method, body, headers }) {
      const decrypted = await decryptRequest(body, key)
      seen.push({ method, body, headers, request: decrypted.request, aesKey: decrypted.aesKey, iv: decrypted.iv })
      return { status: 200, headers: { 'content-type': 'text/plain' }, body: await decrypted.encryptResponse(answer(decrypted.request)) }
    },
  }
}

test('requests are what WhatsApp sends: action, version, flow_token, screen, data (INIT/BACK with screen "" and data {})', async (t) => {
  const target = await recorder()
  const client = createFlowClient({ endpoint: target, publicKey: keys.publicPem, flowToken: 'ft-1', version: '3.0' })
  await client.ping()
  await client.init()
  await client.init({ a: 1 })
  await client.dataExchange('SCREEN_A', { field: 'v' })
  await client.back('SCREEN_A')
  await client.back()
  await client.notifyError('INVALID', 'why', { action: 'INIT', screen: 'SCREEN_A' })
  await client.send({ version: '3.0', action: 'data_exchange', screen: 'RAW', data: {}, flow_token: 'other' })
  t.deepEqual(
    target.seen.map((s) => s.request),
    [
      { version: '3.0', action: 'ping' },
      { version: '3.0', flow_token: 'ft-1', action: 'INIT', screen: '', data: {} },
      { version: '3.0', flow_token: 'ft-1', action: 'INIT', screen: '', data: { a: 1 } },
      { version: '3.0', flow_token: 'ft-1', action: 'data_exchange', screen: 'SCREEN_A', data: { field: 'v' } },
      { version: '3.0', flow_token: 'ft-1', action: 'BACK', screen: 'SCREEN_A', data: {} },
      { version: '3.0', flow_token: 'ft-1', action: 'BACK', screen: '', data: {} },
      { version: '3.0', flow_token: 'ft-1', action: 'INIT', data: { error: 'INVALID', error_message: 'why' }, screen: 'SCREEN_A' },
      { version: '3.0', action: 'data_exchange', screen: 'RAW', data: {}, flow_token: 'other' },
    ],
  )
  t.true(target.seen.every((s) => s.method === 'POST' && s.headers['content-type'] === 'application/json'))
})

test('a fresh 16-byte AES key and 16-byte IV per request; a random flow token by default', async (t) => {
  const target = await recorder()
  const client = createFlowClient({ endpoint: target, publicKey: keys.publicPem })
  for (let i = 0; i < 4; i++) await client.ping()
  const hex = (b) => Buffer.from(b).toString('hex')
  t.true(target.seen.every((s) => s.aesKey.length === 16 && s.iv.length === 16))
  t.is(new Set(target.seen.map((s) => hex(s.aesKey))).size, 4)
  t.is(new Set(target.seen.map((s) => hex(s.iv))).size, 4)
  t.regex(client.flowToken, /^flow-token-[0-9a-f]{24}$/)
  t.not(createFlowClient({ endpoint: target, publicKey: keys.publicPem }).flowToken, client.flowToken)
})

test('the answer is decrypted with the same key and the inverted IV', async (t) => {
  const target = await recorder((req) => ({ screen: 'NEXT', data: { action: req.action } }))
  const client = createFlowClient({ endpoint: target, publicKey: keys.publicPem })
  const r = await client.dataExchange('S', {})
  t.deepEqual([r.status, r.response], [200, { screen: 'NEXT', data: { action: 'data_exchange' } }])
})

test('public keys: PEM SPKI, PEM PKCS#1, DER SPKI and a CryptoKey all work', async (t) => {
  const target = await recorder()
  const cryptoKey = await webcrypto.subtle.importKey('spki', keys.publicDer, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt'])
  for (const publicKey of [keys.publicPem, keys.publicPkcs1Pem, keys.publicDer, new TextEncoder().encode(keys.publicPkcs1Pem), cryptoKey]) {
    const r = await createFlowClient({ endpoint: target, publicKey }).ping()
    t.deepEqual(r.response, { ok: true })
  }
})

test('bad public keys are refused', async (t) => {
  const target = await recorder()
  const privatePem = createPrivateKey(keys.privatePem).export({ type: 'pkcs8', format: 'pem' })
  await t.throwsAsync(() => createFlowClient({ endpoint: target, publicKey: privatePem }).ping(), { instanceOf: FlowKeyError })
  await t.throwsAsync(() => createFlowClient({ endpoint: target, publicKey: 'not a key' }).ping(), { instanceOf: FlowKeyError })
  await t.throwsAsync(() => createFlowClient({ endpoint: target, publicKey: new Uint8Array([1, 2, 3]) }).ping(), {
    instanceOf: FlowKeyError,
  })
  const sha1 = await webcrypto.subtle.importKey('spki', keys.publicDer, { name: 'RSA-OAEP', hash: 'SHA-1' }, false, ['encrypt'])
  await t.throwsAsync(() => createFlowClient({ endpoint: target, publicKey: sha1 }).ping(), { instanceOf: TypeError })
  await t.throwsAsync(() => createFlowClient({ endpoint: target, publicKey: 42 }).ping(), { instanceOf: TypeError })
})

test('X-Hub-Signature-256 over the exact body bytes when appSecret is set, absent otherwise', async (t) => {
  const target = await recorder()
  await createFlowClient({ endpoint: target, publicKey: keys.publicPem, appSecret: 'shh' }).ping()
  await createFlowClient({ endpoint: target, publicKey: keys.publicPem }).ping()
  const [signed, unsigned] = target.seen
  t.is(signed.headers['x-hub-signature-256'], `sha256=${createHmac('sha256', 'shh').update(signed.body).digest('hex')}`)
  t.false('x-hub-signature-256' in unsigned.headers)
  t.deepEqual(Object.keys(JSON.parse(signed.body)).sort(), ['encrypted_aes_key', 'encrypted_flow_data', 'initial_vector'])
})

test('over HTTP: non-200 bodies are returned parsed (JSON) or as text', async (t) => {
  const json = await listenFixed(427, '{"error_msg":"gone"}', 'application/json')
  const text = await listenFixed(500, 'Internal Server Error')
  t.teardown(json.close)
  t.teardown(text.close)
  const a = await createFlowClient({ url: json.url, publicKey: keys.publicPem }).init()
  t.deepEqual([a.status, a.response, a.headers['content-type']], [427, { error_msg: 'gone' }, 'application/json'])
  const b = await createFlowClient({ url: new URL(text.url), publicKey: keys.publicPem }).init()
  t.deepEqual([b.status, b.response], [500, 'Internal Server Error'])
})

test('over HTTP: a 200 that does not decrypt throws FlowDecryptionError', async (t) => {
  const garbage = await listenFixed(200, Buffer.alloc(48, 7).toString('base64'))
  const notBase64 = await listenFixed(200, '<html>ok</html>')
  t.teardown(garbage.close)
  t.teardown(notBase64.close)
  await t.throwsAsync(() => createFlowClient({ url: garbage.url, publicKey: keys.publicPem }).ping(), { instanceOf: FlowDecryptionError })
  await t.throwsAsync(() => createFlowClient({ url: notBase64.url, publicKey: keys.publicPem }).ping(), { instanceOf: FlowDecryptionError })
})

test('option guards', (t) => {
  const target = { handle: async () => ({ status: 200, headers: {}, body: '' }) }
  t.throws(() => createFlowClient(), { instanceOf: TypeError })
  t.throws(() => createFlowClient({ publicKey: keys.publicPem }), { instanceOf: TypeError })
  t.throws(() => createFlowClient({ url: 'http://x', endpoint: target, publicKey: keys.publicPem }), { instanceOf: TypeError })
  t.throws(() => createFlowClient({ endpoint: {}, publicKey: keys.publicPem }), { instanceOf: TypeError })
  t.throws(() => createFlowClient({ endpoint: target }), { instanceOf: TypeError })
  t.throws(() => createFlowClient({ endpoint: target, publicKey: keys.publicPem, appSecret: '' }), { instanceOf: TypeError })
  t.throws(() => createFlowClient({ url: 42, publicKey: keys.publicPem }), { instanceOf: TypeError })
  const client = createFlowClient({ endpoint: target, publicKey: keys.publicPem })
  t.throws(() => client.dataExchange('', {}), { instanceOf: TypeError })
  t.throws(() => client.dataExchange('S', null), { instanceOf: TypeError })
  t.throws(() => client.notifyError(1, 'x'), { instanceOf: TypeError })
  return t.throwsAsync(() => client.send([]), { instanceOf: TypeError })
})
