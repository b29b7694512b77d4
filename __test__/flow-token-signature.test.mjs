// Data API 4.0: version 4.0 requests are served; with an app secret the flow_token_signature JWT is verified
// (HS256 only, constant-time, secret rotation, the flow_token claim equal to the request's) and a bad one is
// refused with 432 before any handler runs; ctx.flowTokenVerified tells handlers. JWTs here are made with
// node:crypto, independently of the library's WebCrypto code.
import { createHmac } from 'node:crypto'
import test from 'ava'
import { createFlowClient, createFlowEndpoint } from '../dist/index.js'
import { captureLogger, listenNode, makeKeys } from './helpers/endpoint.mjs'

const SECRET = 'meta-app-secret'
const keys = makeKeys()
const b64url = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url')

/** An independent JWT: header and payload as given, signed with HMAC-SHA256 (or another hash) of `secret`. */
function jwt(payload, { secret = SECRET, header = { alg: 'HS256', typ: 'JWT' }, hash = 'sha256' } = {}) {
  const input = `${b64url(header)}.${b64url(payload)}`
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`
}

async function served(t, options = {}) {
  const log = captureLogger()
  const endpoint = createFlowEndpoint({ privateKey: keys.privatePem, appSecret: SECRET, logger: log.logger, ...options })
  const seen = []
  endpoint.on('INIT', (req, ctx) => {
    seen.push({ version: ctx.version, verified: ctx.flowTokenVerified, signature: typeof req.flow_token_signature })
    return { screen: 'FIRST', data: {} }
  })
  const server = await listenNode(endpoint)
  t.teardown(server.close)
  return { url: server.url, seen, log }
}

const client = (url, extra = {}) =>
  createFlowClient({ url, publicKey: keys.publicPem, appSecret: SECRET, version: '4.0', flowToken: 'tok-4', ...extra })

test('a 4.0 request with the simulator signed token is served and ctx.flowTokenVerified is true', async (t) => {
  const s = await served(t)
  const r = await client(s.url).init()
  t.is(r.status, 200)
  t.deepEqual(r.response, { screen: 'FIRST', data: {} })
  t.deepEqual(s.seen, [{ version: '4.0', verified: true, signature: 'string' }])
})

test('an independently made HS256 token verifies; its claim must be flow_token and equal the request token', async (t) => {
  const s = await served(t)
  t.is((await client(s.url, { flowTokenSignature: jwt({ flow_token: 'tok-4', iat: Math.floor(Date.now() / 1000) }) }).init()).status, 200)
  t.is((await client(s.url, { flowTokenSignature: jwt({ flow_token: 'another-token' }) }).init()).status, 432)
  t.is((await client(s.url, { flowTokenSignature: jwt({ token: 'tok-4' }) }).init()).status, 432)
  t.is((await client(s.url, { flowTokenSignature: jwt({ flow_token: 'tok-4 ' }) }).init()).status, 432)
  t.is(s.seen.length, 1)
})

const forged = {
  'alg none, no signature': () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ flow_token: 'tok-4' })}.`,
  'alg none with an HS256 MAC': () => jwt({ flow_token: 'tok-4' }, { header: { alg: 'none' } }),
  'alg HS512': () => jwt({ flow_token: 'tok-4' }, { header: { alg: 'HS512' }, hash: 'sha512' }),
  'alg hs256 (case)': () => jwt({ flow_token: 'tok-4' }, { header: { alg: 'hs256' } }),
  'alg RS256 with an HMAC': () => jwt({ flow_token: 'tok-4' }, { header: { alg: 'RS256' } }),
  'a crit header': () => jwt({ flow_token: 'tok-4' }, { header: { alg: 'HS256', crit: ['exp'] } }),
  'another secret': () => jwt({ flow_token: 'tok-4' }, { secret: 'not-the-app-secret' }),
  'a flipped signature bit': () => {
    const token = jwt({ flow_token: 'tok-4' })
    const sig = Buffer.from(token.split('.')[2], 'base64url')
    sig[0] ^= 1
    return `${token.split('.').slice(0, 2).join('.')}.${sig.toString('base64url')}`
  },
  'a payload changed after signing': () => {
    const [h, , s] = jwt({ flow_token: 'other' }).split('.')
    return `${h}.${b64url({ flow_token: 'tok-4' })}.${s}`
  },
  'expired (exp an hour ago)': () => jwt({ flow_token: 'tok-4', exp: Math.floor(Date.now() / 1000) - 3600 }),
  'not valid yet (nbf in an hour)': () => jwt({ flow_token: 'tok-4', nbf: Math.floor(Date.now() / 1000) + 3600 }),
  'two parts only': () => jwt({ flow_token: 'tok-4' }).split('.').slice(0, 2).join('.'),
  'not base64url': () => 'a+b.c/d.e=f',
  'a JSON array payload': () => jwt(['tok-4']),
}

for (const [name, make] of Object.entries(forged)) {
  test(`flow_token_signature with ${name} is refused with 432 before any handler`, async (t) => {
    const s = await served(t)
    const r = await client(s.url, { flowTokenSignature: make() }).init()
    t.is(r.status, 432)
    t.is(r.response, 'Invalid Request Signature')
    t.deepEqual(s.seen, [])
    t.true(s.log.messages('warn').includes('flow token signature rejected (432)'))
    t.false(s.log.text().includes('tok-4'), 'the flow token is never logged')
  })
}

test('secret rotation: a token signed with the old secret verifies while both are configured', async (t) => {
  const s = await served(t, { appSecret: ['old-secret', SECRET] })
  const old = createFlowClient({ url: s.url, publicKey: keys.publicPem, appSecret: 'old-secret', version: '4.0', flowToken: 'tok-4' })
  t.is((await old.init()).status, 200)
  t.deepEqual(s.seen, [{ version: '4.0', verified: true, signature: 'string' }])
})

test('without a signature: verified false (3.0, or 4.0 from Flow JSON < 7.3), unless requireFlowTokenSignature', async (t) => {
  const s = await served(t)
  t.is((await client(s.url, { version: '3.0' }).init()).status, 200)
  t.is((await client(s.url, { flowTokenSignature: false }).init()).status, 200)
  t.deepEqual(s.seen, [
    { version: '3.0', verified: false, signature: 'undefined' },
    { version: '4.0', verified: false, signature: 'undefined' },
  ])
  const strict = await served(t, { requireFlowTokenSignature: true })
  t.is((await client(strict.url, { flowTokenSignature: false }).init()).status, 432)
  t.is((await client(strict.url).init()).status, 200)
  t.is((await client(strict.url).ping()).status, 200, 'ping carries no token and needs no signature')
  t.throws(() => createFlowEndpoint({ privateKey: keys.privatePem, requireFlowTokenSignature: true }), { instanceOf: TypeError })
})

test('without an app secret nothing is checked: ctx.flowTokenVerified is false even for a garbage signature', async (t) => {
  const endpoint = createFlowEndpoint({ privateKey: keys.privatePem, logger: false })
  const seen = []
  endpoint.on('INIT', (_req, ctx) => {
    seen.push(ctx.flowTokenVerified)
    return { screen: 'FIRST', data: {} }
  })
  const r = await createFlowClient({ endpoint, publicKey: keys.publicPem, version: '4.0', flowTokenSignature: 'garbage' }).init()
  t.is(r.status, 200)
  t.deepEqual(seen, [false])
})

test('an error notification with a bad signature is refused too; with a good one it is acknowledged', async (t) => {
  const s = await served(t)
  t.is((await client(s.url, { flowTokenSignature: jwt({ flow_token: 'x' }) }).notifyError('INVALID', 'why')).status, 432)
  const ok = await client(s.url).notifyError('INVALID', 'why')
  t.deepEqual([ok.status, ok.response], [200, { data: { acknowledged: true } }])
})
