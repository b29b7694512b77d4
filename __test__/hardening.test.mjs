// Regression tests for the defects of the adversarial review (issue 9): each case crashed, leaked or answered
// wrongly before its fix. Real loopback HTTP; the process must survive and keep answering.
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import test from 'ava'

import { createFlowClient, createFlowEndpoint, createMediaDecryptor, FlowKeyError } from '../dist/index.js'
import { createWebMediaDecryptor } from '../dist/media/decryptor.js'
import { createWebCryptoBackend } from '../dist/backend/webcrypto.js'
import { captureLogger, listenExpress, listenHono, listenNode, makeKeys, signature } from './helpers/endpoint.mjs'
import { encryptMedia, testBytes } from './helpers/media-fixtures.mjs'
import { runtimes } from './helpers/backends.mjs'
import { runCli } from './helpers/cli.mjs'

const keys = makeKeys()
const SECRET = 'hardening-secret'

function makeEndpoint(log = captureLogger(), handlers = {}) {
  const endpoint = createFlowEndpoint({ privateKey: keys.privatePem, appSecret: SECRET, logger: log.logger })
  endpoint.on('INIT', handlers.INIT ?? (() => ({ screen: 'WELCOME', data: { ok: true } })))
  return endpoint
}

/** Sends a raw HTTP/1.1 request over a socket and resolves { status, text } (the whole answer). */
function rawRequest(url, head, bodyParts) {
  return new Promise((resolve, reject) => {
    const u = new URL(url)
    const socket = net.connect(Number(u.port), u.hostname)
    let data = ''
    socket.setEncoding('latin1')
    socket.on('data', (d) => (data += d))
    socket.on('error', reject)
    socket.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data)
      resolve({ status: m ? Number(m[1]) : 0, text: data })
    })
    socket.write(`POST ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n${head}\r\n`)
    for (const part of bodyParts) socket.write(part)
    // No half-close: the server closes after its answer (Connection: close); a bound keeps a silent server from hanging the test.
    setTimeout(() => socket.destroy(), 20_000).unref()
  })
}

/** `count` one-byte chunks of `byte`, chunked-encoded in one buffer, then the last chunk. */
function oneByteChunks(count, byte = 'a') {
  return [Buffer.from(`1\r\n${byte}\r\n`.repeat(count), 'latin1'), Buffer.from('0\r\n\r\n')]
}

const servers = { 'node:http': listenNode, express: (e) => listenExpress(e, 'plain'), 'fetch (Hono)': listenHono }

for (const [name, listen] of Object.entries(servers)) {
  test(`${name}: 130,000 one-byte chunks answer 400 and the server keeps answering`, async (t) => {
    const endpoint = makeEndpoint()
    const srv = await listen(endpoint)
    t.teardown(srv.close)
    const body = 'a'.repeat(130_000)
    const head = `Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nX-Hub-Signature-256: ${signature(SECRET, body)}\r\n`
    const res = await rawRequest(srv.url, head, oneByteChunks(130_000))
    t.is(res.status, 400)
    const client = createFlowClient({ url: srv.url, publicKey: keys.publicPem, appSecret: SECRET })
    t.is((await client.ping()).status, 200)
  })
}

test('the WebCrypto media pipeline decrypts a valid file fed as 300,000 one-byte chunks', async (t) => {
  const fixture = encryptMedia(testBytes(300_000))
  t.true(fixture.cdnFile.length >= 300_000)
  const stream = createWebMediaDecryptor(createWebCryptoBackend(), fixture.metadata)
  const writer = stream.writable.getWriter()
  const reading = new Response(stream.readable).arrayBuffer()
  for (let i = 0; i < fixture.cdnFile.length; i++) await writer.write(fixture.cdnFile.subarray(i, i + 1))
  await writer.close()
  t.true(Buffer.from(await reading).equals(fixture.plaintext))
  // The Node entry's decryptor too (native where built).
  const native = createMediaDecryptor(fixture.metadata)
  const w2 = native.writable.getWriter()
  const r2 = new Response(native.readable).arrayBuffer()
  for (let i = 0; i < 50_000; i++) await w2.write(fixture.cdnFile.subarray(i, i + 1))
  await w2.write(fixture.cdnFile.subarray(50_000))
  await w2.close()
  t.true(Buffer.from(await r2).equals(fixture.plaintext))
})

/** Errors no one can inspect: a throwing `name` getter, and a Proxy whose every trap throws. */
function hostileErrors() {
  const getterBomb = new Error('secret detail')
  Object.defineProperty(getterBomb, 'name', {
    get() {
      throw new Error('name getter')
    },
  })
  Object.defineProperty(getterBomb, 'code', {
    get() {
      throw new Error('code getter')
    },
  })
  const trap = () => {
    throw new Error('trap')
  }
  const proxy = new Proxy(new Error('proxied secret'), {
    get: trap,
    getPrototypeOf: trap,
    has: trap,
    ownKeys: trap,
    getOwnPropertyDescriptor: trap,
  })
  return { 'an Error whose name getter throws': getterBomb, 'a Proxy whose traps throw': proxy }
}

for (const [label, error] of Object.entries(hostileErrors())) {
  for (const [name, listen] of Object.entries({
    express: (e) => listenExpress(e, 'plain'),
    'express + express.raw()': (e) => listenExpress(e, 'raw'),
    'node:http': listenNode,
  })) {
    test(`${name}: a handler throwing ${label} gets a plain 500, no stack or message`, async (t) => {
      const log = captureLogger()
      const endpoint = makeEndpoint(log, {
        INIT: () => {
          throw error
        },
      })
      const srv = await listen(endpoint)
      t.teardown(srv.close)
      const client = createFlowClient({ url: srv.url, publicKey: keys.publicPem, appSecret: SECRET })
      const res = await client.init()
      t.is(res.status, 500)
      t.is(res.response, 'Internal Server Error')
      t.false(/secret|trap|getter|<html|at /i.test(JSON.stringify(res)))
      t.true(log.messages('error').includes('handler threw'))
      t.is((await client.ping()).status, 200)
    })
  }
}

test('the documented Express mount (express.raw with limit: endpoint.maxBodyBytes) takes a valid 200 KB request', async (t) => {
  const endpoint = makeEndpoint(captureLogger(), { INIT: (req) => ({ screen: 'BIG', data: { size: JSON.stringify(req.data).length } }) })
  t.is(endpoint.maxBodyBytes, 1024 * 1024)
  const srv = await listenExpress(endpoint, 'raw')
  t.teardown(srv.close)
  const client = createFlowClient({ url: srv.url, publicKey: keys.publicPem, appSecret: SECRET })
  const res = await client.init({ padding: 'x'.repeat(150 * 1024) })
  t.is(res.status, 200)
  t.true(res.response.data.size > 150 * 1024)
})

test('500 clients dropping the connection mid-body log a few info lines, not 500 errors', async (t) => {
  const log = captureLogger()
  const endpoint = makeEndpoint(log)
  const srv = await listenNode(endpoint)
  t.teardown(srv.close)
  const u = new URL(srv.url)
  for (let batch = 0; batch < 5; batch++) {
    await Promise.all(
      Array.from(
        { length: 100 },
        () =>
          new Promise((resolve) => {
            const socket = net.connect(Number(u.port), u.hostname, () => {
              socket.write(`POST /flow HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"encrypted`)
              setTimeout(() => socket.destroy(), 20)
            })
            socket.on('close', resolve)
            socket.on('error', () => {})
          }),
      ),
    )
  }
  await new Promise((r) => setTimeout(r, 200))
  t.deepEqual(log.messages('error'), [])
  const lines = log.calls.filter((c) => c.args[0].includes('closed the connection'))
  t.true(lines.length >= 1 && lines.length <= 2, `${lines.length} lines`)
  t.true(lines.every((c) => c.level === 'info'))
  const client = createFlowClient({ url: srv.url, publicKey: keys.publicPem, appSecret: SECRET })
  t.is((await client.ping()).status, 200)
})

for (const [label, value] of Object.entries({
  '{}': {},
  'a Date': new Date(0),
  'an array': [{ screen: 'A', data: {} }],
  'a class instance': new (class Screen {
    constructor() {
      this.screen = 'A'
      this.data = {}
    }
  })(),
  'an empty screen': { screen: '', data: {} },
  'data that is not an object': { screen: 'A', data: 'text' },
  'a Map as data': { screen: 'A', data: new Map() },
})) {
  test(`a handler returning ${label} is answered 500 (never an encrypted 200 WhatsApp cannot render)`, async (t) => {
    const log = captureLogger()
    const endpoint = makeEndpoint(log, { INIT: () => value })
    const client = createFlowClient({ endpoint, publicKey: keys.publicPem, appSecret: SECRET })
    const res = await client.init()
    t.is(res.status, 500)
    t.true(log.messages('error').includes('handler returned an invalid response'))
  })
}

// ---- #7: a key whose halves do not match is refused when it is loaded, not answered 421 forever

const fixtures = new URL('./fixtures/', import.meta.url)
const inconsistent = ['inconsistent-modulus.pem', 'inconsistent-crt.pem'].map((f) => [f, readFileSync(new URL(f, fixtures), 'utf8')])

for (const rt of runtimes) {
  for (const [file, pem] of inconsistent) {
    test(`${rt.name}: loadPrivateKey refuses ${file} (reason inconsistent)`, async (t) => {
      const e = await t.throwsAsync(rt.crypto.loadPrivateKey(pem), { instanceOf: FlowKeyError })
      t.is(e.reason, 'inconsistent')
      t.is(e.code, 'ERR_FLOW_KEY_INVALID')
      t.regex(e.message, /private half does not match its public half/)
    })
  }
}

test('createFlowEndpoint starts loading the key: ready() rejects an inconsistent key naming the option, one error line', async (t) => {
  const log = captureLogger()
  const endpoint = createFlowEndpoint({ privateKey: inconsistent[0][1], logger: log.logger })
  const e = await t.throwsAsync(endpoint.ready(), { instanceOf: FlowKeyError })
  t.regex(e.message, /^privateKey: the private key is inconsistent/)
  t.deepEqual(log.messages('error'), ['the private key could not be loaded; every request will answer 500'])
  const good = createFlowEndpoint({ privateKey: keys.privatePem, logger: false })
  await t.notThrowsAsync(good.ready())
})

test('wa-flows serve refuses an inconsistent key at start (exit 1, one line)', async (t) => {
  const r = await runCli([
    'serve',
    '--handler',
    'examples/booking-flow.mjs',
    '--key',
    fileURLToPath(new URL('inconsistent-modulus.pem', fixtures)),
    '--port',
    '0',
  ])
  t.is(r.code, 1)
  t.regex(r.stderr, /inconsistent: its private half does not match its public half/)
  t.is(r.stderr.trim().split('\n').length, 1)
})
