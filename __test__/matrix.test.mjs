// The bad-input matrix of issue 9: one table of HTTP requests (body shape, base64, key/IV/tag, plaintext, sizes,
// methods, content types, signatures, hostile handler results), each sent over real loopback HTTP to every adapter
// (node:http, Express, Fastify, Hono; Hono also on the WebCrypto entry) and checked against docs/endpoint.md:
// status, fixed body text, headers, and the decrypted answer for 200s. After every case a replayed signed ping must
// still answer 200. Requests are built with node:crypto (helpers/reference.mjs) so only the intended part is wrong.
import { createHash, createHmac, randomBytes } from 'node:crypto'
import test from 'ava'

import { createFlowEndpoint, decryptRequest, FlowTokenError, loadPrivateKey } from '../dist/index.js'
import { createFlowEndpoint as createWebCryptoFlowEndpoint } from '../dist/webcrypto.js'
import { captureLogger, listenExpress, listenFastify, listenHono, listenNode, makeKeys, sendHttp, signature } from './helpers/endpoint.mjs'
import { b64, gcmEncrypt, openResponse, sealWithNodeCrypto, wrapAesKey } from './helpers/reference.mjs'

const keys = makeKeys()
const other = makeKeys()
const SECRET = 'matrix-secret'
const MAX = 16 * 1024
const TIMEOUT_MS = 800
const MARKER = 'MATRIX-MARKER-5b1e'

// ---------------------------------------------------------------- the endpoint: one handler per hostile result

class Screen {
  constructor() {
    this.screen = 'A'
    this.data = {}
  }
}
const trap = () => {
  throw new Error(`trap ${MARKER}`)
}
const hostileProxy = () =>
  new Proxy(new Error(`proxied ${MARKER}`), { get: trap, getPrototypeOf: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap })
const circular = () => {
  const data = { a: 1 }
  data.self = data
  return { screen: 'A', data }
}
const nullProto = () => Object.assign(Object.create(null), { screen: 'NULL_PROTO', data: Object.assign(Object.create(null), { ok: true }) })

/** data_exchange screen → handler. Each screen is one hostile (or valid) handler behaviour. */
const SCREENS = {
  ECHO: (req) => ({ screen: 'ECHO', data: { echo: req.data } }),
  COMPLETE: (_req, ctx) => ({ screen: 'SUCCESS', data: { extension_message_response: { params: { flow_token: ctx.flowToken, n: 1 } } } }),
  NULL_PROTO: nullProto,
  THROWS: () => {
    throw new Error(`handler failed ${MARKER}`)
  },
  THROWS_PROXY: () => {
    throw hostileProxy()
  },
  THROWS_STRING: () => {
    throw `thrown string ${MARKER}`
  },
  THROWS_UNDEFINED: () => {
    throw undefined
  },
  REJECTS: () => Promise.reject(new Error(`rejected ${MARKER}`)),
  REJECTS_LATER: async () => {
    await new Promise((r) => setTimeout(r, 10))
    throw new TypeError(`late rejection ${MARKER}`)
  },
  THENABLE_THROWS: () => ({
    then() {
      throw new Error(`then ${MARKER}`)
    },
  }),
  RETURNS_EMPTY: () => ({}),
  RETURNS_DATE: () => new Date(0),
  RETURNS_ARRAY: () => [{ screen: 'A', data: {} }],
  RETURNS_CLASS: () => new Screen(),
  RETURNS_MAP: () =>
    new Map([
      ['screen', 'A'],
      ['data', {}],
    ]),
  RETURNS_NUMBER: () => 42,
  RETURNS_STRING: () => 'A',
  RETURNS_NULL: () => null,
  RETURNS_UNDEFINED: () => undefined,
  RETURNS_PROXY: () => hostileProxy(),
  SCREEN_GETTER_THROWS: () => ({
    get screen() {
      throw new Error(`getter ${MARKER}`)
    },
    data: {},
  }),
  EMPTY_SCREEN: () => ({ screen: '', data: {} }),
  NO_DATA: () => ({ screen: 'A' }),
  DATA_STRING: () => ({ screen: 'A', data: `text ${MARKER}` }),
  DATA_ARRAY: () => ({ screen: 'A', data: [] }),
  DATA_BIGINT: () => ({ screen: 'A', data: { n: 1n } }),
  DATA_CIRCULAR: circular,
  DATA_TOJSON_THROWS: () => ({
    screen: 'A',
    data: {
      toJSON() {
        throw new Error(`toJSON ${MARKER}`)
      },
    },
  }),
  NEVER_SETTLES: () => new Promise(() => {}),
  TOKEN: () => {
    throw new FlowTokenError('Session expired')
  },
  TOKEN_ASYNC: async () => {
    throw new FlowTokenError('Please start again ✓')
  },
  TOKEN_DEFAULT: () => {
    throw new FlowTokenError()
  },
}

function makeEndpoint(create, log) {
  const endpoint = create({ privateKey: keys.privatePem, appSecret: SECRET, maxBodyBytes: MAX, timeoutMs: TIMEOUT_MS, logger: log.logger })
  endpoint.on('INIT', () => ({ screen: 'WELCOME', data: { ok: true } }))
  for (const [screen, handler] of Object.entries(SCREENS)) endpoint.on('data_exchange', screen, handler)
  // Error notifications are acknowledged even when the hook throws.
  endpoint.onErrorNotification(() => {
    throw new Error(`hook ${MARKER}`)
  })
  return endpoint
}

// ---------------------------------------------------------------- building requests

const flowRequest = (action, extra = {}) => ({ version: '3.0', action, flow_token: `tok-${MARKER}`, ...extra })
const PING = flowRequest('ping')
const seal = (plaintext, options = {}) => sealWithNodeCrypto(plaintext, { publicKey: keys.publicPem, ...options })

/** Splits text/bytes into chunks of `size` bytes. */
function chunked(body, size) {
  const buf = Buffer.from(body)
  const out = []
  for (let o = 0; o < buf.length; o += size) out.push(buf.subarray(o, o + size))
  return out
}

/**
 * An HTTP request spec: `body` (string/bytes), signed over its exact bytes unless `sig` says otherwise (a header
 * value, null = no header, or a function of the body), content type `application/json` unless `contentType`
 * (null = none), sent whole or `chunk`-sized chunked.
 */
function spec(body, { sig, contentType = 'application/json', headers = {}, chunk, method = 'POST' } = {}) {
  const h = {}
  if (contentType !== null) h['content-type'] = contentType
  const header = sig === undefined ? signature(SECRET, body) : typeof sig === 'function' ? sig(body) : sig
  if (header !== null) h['x-hub-signature-256'] = header
  Object.assign(h, headers)
  return chunk ? { method, headers: h, chunks: chunked(body, chunk) } : { method, headers: h, body }
}

const REMOVE = Symbol('remove')
/** A sealed body (JSON text) with `field` replaced by `change(text, sealed)`; REMOVE deletes the field. */
function withField(field, change, plaintext = PING, options = {}) {
  const sealed = seal(plaintext, options)
  const value = change(sealed.body[field], sealed)
  const body = { ...sealed.body }
  if (value === REMOVE) delete body[field]
  else body[field] = value
  return JSON.stringify(body)
}

const flipByte = (buf, i, mask = 0x01) => {
  const out = Buffer.from(buf)
  out[(i + out.length) % out.length] ^= mask
  return out
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
/** A base64 text with non-zero unused bits in its last data character (Buffer decodes it, RFC 4648 calls it non-canonical). */
function nonCanonical(text) {
  const trimmed = text.replace(/=+$/, '')
  const pad = text.length - trimmed.length
  if (pad === 0) throw new Error('needs a padded text')
  const last = ALPHABET.indexOf(trimmed.at(-1))
  const unused = pad === 2 ? 0x0f : 0x03 // 4 unused bits after one byte, 2 after two
  return trimmed.slice(0, -1) + ALPHABET[last | unused] + '='.repeat(pad)
}

// An IV whose base64 starts with "++//", so the url-safe alphabet really differs from the standard one.
const plusSlashIv = Buffer.concat([Buffer.from([0xfb, 0xef, 0xff]), randomBytes(13)])

// ---------------------------------------------------------------- the table

const TEXT = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  421: 'Misdirected Request',
  432: 'Invalid Request Signature',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  504: 'Gateway Timeout',
}

/** A 200 case: the request is sealed here, so the answer can be opened with its key and checked. */
function ok(name, plaintext, expected, options = {}) {
  const sealed = seal(plaintext, options.seal)
  const json = options.json ? options.json(sealed) : sealed.json
  return { name, expect: 200, request: spec(json, options), open: sealed, response: expected }
}

const ACTIVE = { data: { status: 'active' } }
const WELCOME = { screen: 'WELCOME', data: { ok: true } }
const validSealed = seal(PING)
const validPing = validSealed.json
/** A valid signed ping padded with spaces to exactly `size` bytes: { open, request } for `spec` options. */
function padded(size, options = {}) {
  const sealed = seal(PING)
  return { open: sealed, request: spec(sealed.json + ' '.repeat(size - Buffer.byteLength(sealed.json)), options) }
}

const cases = [
  // -- valid requests and what the endpoint answers itself
  ok('valid ping', PING, ACTIVE),
  ok('valid INIT', flowRequest('INIT'), WELCOME),
  ok(
    'data_exchange with unicode data',
    flowRequest('data_exchange', { screen: 'ECHO', data: { s: 'é✓ 𝄞 \u0000 "q"', n: [1, 2.5, null, true] } }),
    {
      screen: 'ECHO',
      data: { echo: { s: 'é✓ 𝄞 \u0000 "q"', n: [1, 2.5, null, true] } },
    },
  ),
  ok('completion (SUCCESS with params)', flowRequest('data_exchange', { screen: 'COMPLETE', data: {} }), {
    screen: 'SUCCESS',
    data: { extension_message_response: { params: { flow_token: `tok-${MARKER}`, n: 1 } } },
  }),
  ok(
    'error notification whose hook throws is acknowledged',
    flowRequest('data_exchange', { screen: 'ECHO', data: { error: 'INVALID_SCREEN', error_message: MARKER } }),
    {
      data: { acknowledged: true },
    },
  ),
  ok('a null-prototype result is a plain object', flowRequest('data_exchange', { screen: 'NULL_PROTO', data: {} }), {
    screen: 'NULL_PROTO',
    data: { ok: true },
  }),
  ok('unknown extra body fields are ignored', PING, ACTIVE, {
    json: (s) => JSON.stringify({ version: 3, ...s.body, extra: { nested: [1] } }),
  }),
  ok('fields reordered, JSON whitespace everywhere', PING, ACTIVE, {
    json: (s) =>
      `\r\n {\t"initial_vector" :\n"${s.body.initial_vector}" , "encrypted_flow_data":"${s.body.encrypted_flow_data}",\n"encrypted_aes_key"  :  "${s.body.encrypted_aes_key}"}\n\n`,
  }),

  // -- content types: the endpoint reads the raw bytes whatever the type says
  ok('content-type application/json; charset=utf-8', PING, ACTIVE, { contentType: 'application/json; charset=utf-8' }),
  ok('content-type text/plain', PING, ACTIVE, { contentType: 'text/plain' }),
  ok('no content-type', PING, ACTIVE, { contentType: null }),
  ok('content-type application/x-www-form-urlencoded', PING, ACTIVE, { contentType: 'application/x-www-form-urlencoded' }),
  ok('content-type application/octet-stream', PING, ACTIVE, { contentType: 'application/octet-stream' }),
  ok('content-type multipart/form-data without boundary', PING, ACTIVE, { contentType: 'multipart/form-data' }),

  // -- chunked bodies and the size cap
  ok('chunked in 7-byte chunks', PING, ACTIVE, { chunk: 7 }),
  ok('chunked in 1-byte chunks', flowRequest('INIT'), WELCOME, { chunk: 1 }),
  { name: 'exactly maxBodyBytes, declared', expect: 200, ...padded(MAX), response: ACTIVE },
  { name: 'exactly maxBodyBytes, chunked', expect: 200, ...padded(MAX, { chunk: 4096 }), response: ACTIVE },
  { name: 'maxBodyBytes + 1, declared', expect: 413, ...padded(MAX + 1) },
  { name: 'maxBodyBytes + 1, chunked', expect: 413, ...padded(MAX + 1, { chunk: 4096 }) },
  { name: 'maxBodyBytes + 1, chunked, unsigned (size is checked first)', expect: 413, ...padded(MAX + 1, { chunk: 1000, sig: null }) },
  { name: '2 MiB declared', expect: 413, ...padded(2 << 20) },
  { name: '2 MiB streamed in 64 KiB chunks', expect: 413, ...padded(2 << 20, { chunk: 65536 }) },

  // -- methods: 405 with Allow: POST, before the signature is looked at
  ...['GET', 'HEAD'].map((method) => ({ name: `${method} without a body`, expect: 405, allow: true, request: { method, headers: {} } })),
  ...['PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((method) => ({
    name: `${method} with a valid signed body`,
    expect: 405,
    allow: true,
    request: spec(validPing, { method }),
  })),

  // -- the body is not the encrypted request object
  ...Object.entries({
    'malformed JSON': ['{not json', 'body-not-json'],
    'truncated JSON': [validPing.slice(0, -1), 'body-not-json'],
    'empty body': ['', 'body-not-json'],
    'whitespace only': [' \n\t ', 'body-not-json'],
    'JSON array': ['[]', 'body-not-object'],
    'JSON array holding the body': [`[${validPing}]`, 'body-not-object'],
    'JSON string': ['"abc"', 'body-not-object'],
    'JSON number': ['42', 'body-not-object'],
    'JSON null': ['null', 'body-not-object'],
    'JSON true': ['true', 'body-not-object'],
    'empty object': ['{}', 'field-missing'],
    'JSON nested 6,000 levels deep': ['['.repeat(6000) + ']'.repeat(6000), 'body-not-object'],
    'body in UTF-16LE': [Buffer.from(validPing, 'utf16le'), 'body-not-json'],
    'invalid UTF-8 in the body': [
      Buffer.concat([Buffer.from('{"initial_vector":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
      'body-not-json',
    ],
  }).map(([name, [body, reason]]) => ({ name, expect: 400, reason, request: spec(body) })),
  ...['encrypted_flow_data', 'encrypted_aes_key', 'initial_vector'].flatMap((field) => [
    { name: `${field} missing`, expect: 400, reason: 'field-missing', request: spec(withField(field, () => REMOVE)) },
    { name: `${field} empty`, expect: 400, reason: 'field-missing', request: spec(withField(field, () => '')) },
    { name: `${field} null`, expect: 400, reason: 'field-missing', request: spec(withField(field, () => null)) },
    { name: `${field} a number`, expect: 400, reason: 'field-missing', request: spec(withField(field, () => 1234)) },
    { name: `${field} an array of its text`, expect: 400, reason: 'field-missing', request: spec(withField(field, (v) => [v])) },
    { name: `${field} an object`, expect: 400, reason: 'field-missing', request: spec(withField(field, (v) => ({ value: v }))) },
    { name: `${field} true`, expect: 400, reason: 'field-missing', request: spec(withField(field, () => true)) },
  ]),

  // -- base64: strict standard alphabet, no whitespace, padding optional but canonical
  {
    name: 'initial_vector in the url-safe alphabet',
    expect: 400,
    reason: 'field-not-base64',
    request: spec(withField('initial_vector', (v) => v.replaceAll('+', '-').replaceAll('/', '_'), PING, { iv: plusSlashIv })),
  },
  ok('initial_vector with "+" and "/" in the standard alphabet', PING, ACTIVE, { seal: { iv: plusSlashIv } }),
  {
    name: 'a space inside initial_vector',
    expect: 400,
    reason: 'field-not-base64',
    request: spec(withField('initial_vector', (v) => `${v.slice(0, 8)} ${v.slice(8)}`)),
  },
  {
    name: 'MIME line breaks inside encrypted_aes_key',
    expect: 400,
    reason: 'field-not-base64',
    request: spec(withField('encrypted_aes_key', (v) => v.match(/.{1,76}/g).join('\r\n'))),
  },
  {
    name: 'a leading space in encrypted_flow_data',
    expect: 400,
    reason: 'field-not-base64',
    request: spec(withField('encrypted_flow_data', (v) => ` ${v}`)),
  },
  {
    name: 'a trailing newline in encrypted_flow_data',
    expect: 400,
    reason: 'field-not-base64',
    request: spec(withField('encrypted_flow_data', (v) => `${v}\n`)),
  },
  {
    name: 'a tab inside encrypted_aes_key',
    expect: 400,
    reason: 'field-not-base64',
    request: spec(withField('encrypted_aes_key', (v) => `${v.slice(0, 100)}\t${v.slice(100)}`)),
  },
  ok('initial_vector without its padding (still canonical)', PING, ACTIVE, {
    json: (s) => JSON.stringify({ ...s.body, initial_vector: s.body.initial_vector.replace(/=+$/, '') }),
  }),
  ok('encrypted_aes_key without its padding (still canonical)', PING, ACTIVE, {
    json: (s) => JSON.stringify({ ...s.body, encrypted_aes_key: s.body.encrypted_aes_key.replace(/=+$/, '') }),
  }),
  {
    name: 'initial_vector with one "=" of two',
    expect: 400,
    reason: 'field-not-base64',
    request: spec(withField('initial_vector', (v) => v.slice(0, -1))),
  },
  {
    name: 'initial_vector with a third "="',
    expect: 400,
    reason: 'field-not-base64',
    request: spec(withField('initial_vector', (v) => `${v}=`)),
  },
  {
    name: 'initial_vector with "==" in the middle',
    expect: 400,
    reason: 'field-not-base64',
    request: spec(withField('initial_vector', (v) => `${v.slice(0, 4)}==${v.slice(4, -2)}`)),
  },
  {
    name: 'initial_vector with non-zero unused bits (non-canonical)',
    expect: 400,
    reason: 'field-not-base64',
    request: spec(withField('initial_vector', (v) => nonCanonical(v))),
  },
  {
    name: 'encrypted_aes_key with non-zero unused bits (non-canonical)',
    expect: 400,
    reason: 'field-not-base64',
    request: spec(withField('encrypted_aes_key', (v) => nonCanonical(v))),
  },
  ...Object.entries({ $: '$', '*': '*', '.': '.', '-': '-', é: 'é', NUL: '\u0000', '%3D (URL-encoded =)': '%3D' }).map(([label, ch]) => ({
    name: `"${label}" inside encrypted_flow_data`,
    expect: 400,
    reason: 'field-not-base64',
    request: spec(withField('encrypted_flow_data', (v) => `${v.slice(0, 10)}${ch}${v.slice(11)}`)),
  })),
  // 32 hex digits are also 32 base64 characters: 24 bytes, so the IV length is what is wrong.
  {
    name: 'initial_vector hex-encoded',
    expect: 400,
    reason: 'iv-length',
    request: spec(withField('initial_vector', (_, s) => s.iv.toString('hex'))),
  },

  // -- IV length: anything but 16 bytes is a 400, even when the GCM data was made with that IV
  ...[12, 15, 17, 1, 32].map((n) => ({
    name: `a ${n}-byte IV (data encrypted under it)`,
    expect: 400,
    reason: 'iv-length',
    request: spec(seal(PING, { iv: randomBytes(n) }).json),
  })),

  // -- the wrapped AES key: every problem is 421
  {
    name: 'AES key wrapped for another RSA key',
    expect: 421,
    request: spec(sealWithNodeCrypto(PING, { publicKey: other.publicPem }).json),
  },
  {
    name: 'RSA ciphertext of 255 bytes (first byte dropped)',
    expect: 421,
    request: spec(withField('encrypted_aes_key', (_, s) => b64(s.wrapped.subarray(1)))),
  },
  {
    name: 'RSA ciphertext of 257 bytes (a byte appended)',
    expect: 421,
    request: spec(withField('encrypted_aes_key', (_, s) => b64(Buffer.concat([s.wrapped, Buffer.of(0)])))),
  },
  {
    name: 'RSA ciphertext of 128 bytes',
    expect: 421,
    request: spec(withField('encrypted_aes_key', (_, s) => b64(s.wrapped.subarray(0, 128)))),
  },
  { name: 'RSA ciphertext of 1 byte', expect: 421, request: spec(withField('encrypted_aes_key', () => 'AA==')) },
  {
    name: 'RSA ciphertext with a flipped bit',
    expect: 421,
    request: spec(withField('encrypted_aes_key', (_, s) => b64(flipByte(s.wrapped, 77, 0x10)))),
  },
  { name: 'RSA ciphertext all zero', expect: 421, request: spec(withField('encrypted_aes_key', () => b64(Buffer.alloc(256)))) },
  {
    name: 'RSA ciphertext all 0xff (above the modulus)',
    expect: 421,
    request: spec(withField('encrypted_aes_key', () => b64(Buffer.alloc(256, 0xff)))),
  },
  ...[0, 15, 24, 32].map((n) => {
    const key = randomBytes(n)
    const iv = randomBytes(16)
    const data = gcmEncrypt(n >= 24 ? key : randomBytes(16), iv, JSON.stringify(PING))
    const body = JSON.stringify({
      encrypted_flow_data: b64(data),
      encrypted_aes_key: b64(wrapAesKey(key, keys.publicPem)),
      initial_vector: b64(iv),
    })
    return { name: `a wrapped ${n}-byte AES key${n >= 24 ? ` (AES-${n * 8}-GCM data)` : ''}`, expect: 421, request: spec(body) }
  }),

  // -- the GCM data and tag: 421
  { name: 'GCM tag cut by one byte', expect: 421, request: spec(withField('encrypted_flow_data', (_, s) => b64(s.data.subarray(0, -1)))) },
  {
    name: 'GCM tag cut off (16 bytes removed)',
    expect: 421,
    request: spec(withField('encrypted_flow_data', (_, s) => b64(s.data.subarray(0, -16)))),
  },
  {
    name: 'encrypted_flow_data of 15 bytes',
    expect: 421,
    request: spec(withField('encrypted_flow_data', (_, s) => b64(s.data.subarray(0, 15)))),
  },
  { name: 'encrypted_flow_data of 1 byte', expect: 421, request: spec(withField('encrypted_flow_data', () => 'AA==')) },
  {
    name: 'GCM tag with a flipped bit',
    expect: 421,
    request: spec(withField('encrypted_flow_data', (_, s) => b64(flipByte(s.data, -1, 0x80)))),
  },
  {
    name: 'GCM ciphertext with a flipped bit',
    expect: 421,
    request: spec(withField('encrypted_flow_data', (_, s) => b64(flipByte(s.data, 0)))),
  },
  {
    name: 'a byte appended to encrypted_flow_data',
    expect: 421,
    request: spec(withField('encrypted_flow_data', (_, s) => b64(Buffer.concat([s.data, Buffer.of(0)])))),
  },
  { name: 'initial_vector with a flipped bit', expect: 421, request: spec(withField('initial_vector', (_, s) => b64(flipByte(s.iv, 5)))) },
  { name: 'the IV of another request', expect: 421, request: spec(withField('initial_vector', () => seal(PING).body.initial_vector)) },
  {
    name: 'encrypted_flow_data of another request',
    expect: 421,
    request: spec(withField('encrypted_flow_data', () => seal(PING).body.encrypted_flow_data)),
  },
  {
    name: 'encrypted_aes_key of another request',
    expect: 421,
    request: spec(withField('encrypted_aes_key', () => seal(PING).body.encrypted_aes_key)),
  },

  // -- decrypted plaintext that is not a Flow request: 400
  ...Object.entries({
    'plaintext not JSON': ['hello', 'plaintext-not-json'],
    'plaintext empty (tag only)': ['', 'plaintext-not-json'],
    'plaintext invalid UTF-8': [Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'plaintext-not-json'],
    'plaintext JSON without action': [JSON.stringify({ version: '3.0', flow_token: MARKER }), 'no-action'],
    'plaintext action a number': [JSON.stringify({ version: '3.0', action: 1 }), 'no-action'],
    'plaintext action null': [JSON.stringify({ version: '3.0', action: null }), 'no-action'],
    'plaintext JSON array': [JSON.stringify([PING]), 'no-action'],
    'plaintext JSON string "ping"': [JSON.stringify('ping'), 'no-action'],
    'plaintext null': ['null', 'no-action'],
  }).map(([name, [plaintext, reason]]) => ({ name, expect: 400, reason, request: spec(seal(plaintext).json) })),

  // -- requests no handler answers: 501
  ...Object.entries({
    'unknown action': flowRequest('NAVIGATE'),
    'action "PING" (case matters)': flowRequest('PING'),
    'BACK without a BACK handler': flowRequest('BACK', { screen: 'ECHO' }),
    'data_exchange from a screen without handler (no catch-all)': flowRequest('data_exchange', { screen: 'NOBODY', data: {} }),
    'data_exchange without screen': flowRequest('data_exchange', { data: {} }),
    'data_exchange from screen "__proto__"': flowRequest('data_exchange', { screen: '__proto__', data: {} }),
    'data_exchange from screen "constructor"': flowRequest('data_exchange', { screen: 'constructor', data: {} }),
  }).map(([name, plaintext]) => ({ name, expect: 501, request: spec(seal(plaintext).json) })),

  // -- signatures (docs/endpoint.md "Signatures")
  ...(() => {
    const body = validPing
    const hex = createHmac('sha256', SECRET).update(body).digest('hex')
    const reserialised = `{ "encrypted_flow_data": "${JSON.parse(body).encrypted_flow_data}", "encrypted_aes_key": "${JSON.parse(body).encrypted_aes_key}", "initial_vector": "${JSON.parse(body).initial_vector}" }`
    const variants = [
      ['signature missing', null, 432],
      ['signature empty', '', 432],
      ['"sha256=" alone', 'sha256=', 432],
      ['sha1= with the SHA-1 HMAC', `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}`, 432],
      ['sha1= with the SHA-256 HMAC', `sha1=${hex}`, 432],
      ['the bare hex, no prefix', hex, 432],
      ['prefix "SHA256=" in capitals', `SHA256=${hex}`, 432],
      ['HMAC under another secret', signature('not-the-secret', body), 432],
      ['SHA-256 of the body without a secret', `sha256=${createHash('sha256').update(body).digest('hex')}`, 432],
      ['hex in upper case', `sha256=${hex.toUpperCase()}`, 200],
      ['hex in mixed case', `sha256=${[...hex].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('')}`, 200],
      ['spaces and tabs around the value', ` \t sha256=${hex} \t`, 200],
      ['a space after "sha256="', `sha256= ${hex}`, 432],
      ['a space inside the digits', `sha256=${hex.slice(0, 32)} ${hex.slice(32)}`, 432],
      ['63 hex digits', `sha256=${hex.slice(0, 63)}`, 432],
      ['65 hex digits', `sha256=${hex}0`, 432],
      ['128 hex digits (twice)', `sha256=${hex}${hex}`, 432],
      ['64 digits with a non-hex "g"', `sha256=g${hex.slice(1)}`, 432],
      ['the MAC in base64', `sha256=${Buffer.from(hex, 'hex').toString('base64')}`, 432],
      ['a signature of the re-serialised JSON', signature(SECRET, reserialised), 432],
      ['a signature of the body plus a newline', signature(SECRET, `${body}\n`), 432],
      ['the valid value and a second value in one header', `sha256=${hex}, sha256=${'0'.repeat(64)}`, 432],
    ]
    return variants.map(([name, sig, expect]) => ({
      name: `signature: ${name}`,
      expect,
      request: spec(body, { sig }),
      open: validSealed,
      response: ACTIVE,
    }))
  })(),
  {
    name: 'signature: the header sent twice with the valid value',
    expect: 432,
    request: spec(validPing, { sig: null }),
    repeatSignature: true,
  },
  {
    name: 'signature: only the legacy X-Hub-Signature (sha1) header',
    expect: 432,
    request: spec(validPing, {
      sig: null,
      headers: { 'x-hub-signature': `sha1=${createHmac('sha1', SECRET).update(validPing).digest('hex')}` },
    }),
  },

  // -- hostile handler results (docs "What a handler may return"): 500, or 427 for FlowTokenError, 504 at the deadline
  ...[
    'THROWS',
    'THROWS_PROXY',
    'THROWS_STRING',
    'THROWS_UNDEFINED',
    'REJECTS',
    'REJECTS_LATER',
    'THENABLE_THROWS',
    'RETURNS_EMPTY',
    'RETURNS_DATE',
    'RETURNS_ARRAY',
    'RETURNS_CLASS',
    'RETURNS_MAP',
    'RETURNS_NUMBER',
    'RETURNS_STRING',
    'RETURNS_NULL',
    'RETURNS_UNDEFINED',
    'RETURNS_PROXY',
    'SCREEN_GETTER_THROWS',
    'EMPTY_SCREEN',
    'NO_DATA',
    'DATA_STRING',
    'DATA_ARRAY',
    'DATA_BIGINT',
    'DATA_CIRCULAR',
    'DATA_TOJSON_THROWS',
  ].map((screen) => ({
    name: `handler ${screen}`,
    expect: 500,
    request: spec(seal(flowRequest('data_exchange', { screen, data: { m: MARKER } })).json),
  })),
  {
    name: 'handler NEVER_SETTLES (deadline, no onTimeout)',
    expect: 504,
    request: spec(seal(flowRequest('data_exchange', { screen: 'NEVER_SETTLES', data: {} })).json),
  },
  ...Object.entries({
    TOKEN: 'Session expired',
    TOKEN_ASYNC: 'Please start again ✓',
    TOKEN_DEFAULT: 'The flow token is no longer valid',
  }).map(([screen, message]) => ({
    name: `handler ${screen} (FlowTokenError)`,
    expect: 427,
    request: spec(seal(flowRequest('data_exchange', { screen, data: {} })).json),
    json: { error_msg: message },
  })),
]

// ---------------------------------------------------------------- running the table against every adapter

const targets = {
  'node:http': { listen: listenNode, create: createFlowEndpoint },
  express: { listen: (e) => listenExpress(e, 'plain'), create: createFlowEndpoint },
  fastify: { listen: listenFastify, create: createFlowEndpoint },
  'fetch (Hono)': { listen: listenHono, create: createFlowEndpoint },
  'fetch (Hono), WebCrypto entry': { listen: listenHono, create: createWebCryptoFlowEndpoint },
}

const privateKey = loadPrivateKey(keys.privatePem)
const caught = (promise) =>
  promise.then(
    () => undefined,
    (e) => e,
  )

const started = new Map()
function server(name) {
  if (!started.has(name)) {
    const { listen, create } = targets[name]
    const log = captureLogger()
    started.set(
      name,
      listen(makeEndpoint(create, log)).then((srv) => ({ ...srv, log })),
    )
  }
  return started.get(name)
}
test.after.always(async () => {
  for (const s of started.values()) await (await s).close()
})

/** Sends a case's request; the repeated-header case is written as raw headers (two X-Hub-Signature-256 lines). */
function send(url, c) {
  if (!c.repeatSignature) return sendHttp(url, c.request)
  const sig = signature(SECRET, c.request.body)
  return sendHttp(url, {
    ...c.request,
    headers: [...Object.entries(c.request.headers).flat(), 'x-hub-signature-256', sig, 'x-hub-signature-256', sig],
  })
}

const aliveSealed = seal(PING)
const alive = spec(aliveSealed.json)

for (const name of Object.keys(targets)) {
  for (const c of cases) {
    test.serial(`${name}: ${c.name} → ${c.expect}`, async (t) => {
      const srv = await server(name)
      const res = await send(srv.url, c)
      t.is(res.status, c.expect, res.error ? `connection error ${res.error}` : `body: ${res.body?.slice(0, 200)}`)
      t.is(res.headers?.['cache-control'], 'no-store')
      if (c.expect === 200) {
        t.regex(res.headers['content-type'], /^text\/plain/)
        t.deepEqual(openResponse(c.open.aesKey, c.open.iv, res.body), c.response)
      } else if (c.expect === 427) {
        t.is(res.headers['content-type'], 'application/json')
        t.deepEqual(JSON.parse(res.body), c.json)
      } else {
        t.is(res.headers['content-type'], 'text/plain; charset=utf-8')
        t.is(res.body, c.request.method === 'HEAD' ? '' : TEXT[c.expect])
        if (c.allow) t.is(res.headers.allow, 'POST')
      }
      t.false(res.body.includes(MARKER), 'nothing of the request or the handler reaches the body')
      // 400 and 421: the body fails for the intended reason, not another one with the same status.
      const reason = c.reason ?? (c.expect === 421 ? 'decryption-failed' : undefined)
      if (reason) t.is((await caught(decryptRequest(new Uint8Array(Buffer.from(c.request.body)), await privateKey)))?.reason, reason)
      // The server still answers: a (replayed) valid signed ping.
      const again = await sendHttp(srv.url, alive)
      t.is(again.status, 200, 'a valid ping still answers 200 afterwards')
    })
  }

  test.serial(`${name}: after the whole table a valid ping answers 200 and nothing secret was logged`, async (t) => {
    const srv = await server(name)
    const res = await sendHttp(srv.url, alive)
    t.is(res.status, 200)
    t.deepEqual(openResponse(aliveSealed.aesKey, aliveSealed.iv, res.body), ACTIVE)
    t.false(srv.log.text().includes(MARKER))
    t.false(srv.log.text().includes('5b1e'))
  })
}

test.serial('the table covers every status of docs/endpoint.md', (t) => {
  t.deepEqual([...new Set(cases.map((c) => c.expect))].sort(), [200, 400, 405, 413, 421, 427, 432, 500, 501, 504])
})
