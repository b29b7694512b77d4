// Property-based tests (fast-check through @fast-check/ava) of issue 9: on random keys, IVs, payloads and
// chunkings the native backend, the WebCrypto backend and a node:crypto reference agree byte for byte (requests,
// responses, media); random single-byte mutations are always refused with the documented error; base64 is strict
// on both decoding paths (Buffer, atob); and for every class of bad input both backends throw the same error.
// Each property runs a bounded number of times (numRuns) with a seed shown in its title, so a failure can be
// replayed with `{ seed }`.
import { createCipheriv, createHash, generateKeyPairSync, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import vm from 'node:vm'

import { fc, testProp } from '@fast-check/ava'
import test from 'ava'

import { createFlowEndpoint } from '../dist/index.js'
import { createFlowEndpoint as createWebCryptoFlowEndpoint } from '../dist/webcrypto.js'
import { FlowDecryptionError, MediaIntegrityError } from '../dist/errors.js'
import { bindMedia } from '../dist/media/node.js'
import { decodeBase64, encodeBase64 } from '../dist/util/base64.js'
import { mediaKeys } from '../dist/validate.js'
import { runtimes } from './helpers/backends.mjs'
import { chunkBy, drainStream, encryptMedia, forgeBadPadding, wrongPlaintextHash } from './helpers/media-fixtures.mjs'
import { b64, gcmEncrypt, referenceResponse, sealWithNodeCrypto, unb64 } from './helpers/reference.mjs'

const native = runtimes.find((r) => r.name === 'native')
const web = runtimes.find((r) => r.name === 'webcrypto')
const both = [native, web]

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const otherPublic = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' })
const keysReady = Promise.all(both.map((rt) => rt?.crypto.loadPrivateKey(pem)))
const loadedKeys = async () => {
  const [n, w] = await keysReady
  return { native: n, webcrypto: w }
}

// One endpoint per entry point (no app secret: the properties are about the body), to check the HTTP status too.
const endpoints = {
  native: createFlowEndpoint({ privateKey: pem, logger: false }).on('INIT', () => ({ screen: 'A', data: {} })),
  webcrypto: createWebCryptoFlowEndpoint({ privateKey: pem, logger: false }).on('INIT', () => ({ screen: 'A', data: {} })),
}

const seal = (plaintext, options = {}) => sealWithNodeCrypto(plaintext, { publicKey, ...options })
const FIELDS = ['encrypted_aes_key', 'encrypted_flow_data', 'initial_vector']

/** `n` reproducible pseudo-random bytes from `seed` (AES-128-CTR keystream): large inputs without large arbitraries. */
function seededBytes(seed, n) {
  const key = createHash('sha256').update(`seed:${seed}`).digest().subarray(0, 16)
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(n))
}

/** Runs `fn`; resolves the error it throws or rejects with (or undefined when it succeeds). */
async function caught(fn) {
  try {
    await fn()
    return undefined
  } catch (e) {
    return e
  }
}

/** What two backends' errors must share: class, code, reason, status, message and whether there is a cause. */
const shape = (e) =>
  e === undefined
    ? { error: 'none' }
    : {
        class: e.constructor?.name,
        code: e.code,
        reason: e.reason,
        status: e.status,
        message: e.message,
        cause: e.cause === undefined ? 'none' : e.cause?.constructor?.name,
      }

// Strings with every kind of code point: any Unicode scalar, lone surrogates, JSON's escapes, U+2028, NUL.
const unit = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('"', '\\', '\u2028', '\u0000', 'é', '𝄞', '\n'),
)
const text = fc.string({ unit, maxLength: 40 })
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(text, tie('value'), { maxKeys: 6 }),
})).value
const flowRequest = fc.record(
  {
    version: fc.constantFrom('3.0', '2.1'),
    action: fc.constantFrom('ping', 'INIT', 'BACK', 'data_exchange'),
    screen: text,
    flow_token: text,
    data: fc.dictionary(text, json, { maxKeys: 8 }),
  },
  { requiredKeys: ['action'] },
)
const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 })

// ---------------------------------------------------------------- requests and responses

test('both backends are present (native addon built, WebCrypto available)', (t) => {
  t.truthy(native, 'the native addon must be built for the cross-backend properties')
  t.truthy(web)
})

testProp(
  'requests: native = WebCrypto = the node:crypto reference (request object, AES key, IV) in every body form',
  [flowRequest, bytes16, bytes16, fc.constantFrom('object', 'string', 'bytes')],
  async (t, request, aesKey, iv, form) => {
    const keys = await loadedKeys()
    const sealed = seal(request, { aesKey, iv })
    const body = form === 'object' ? sealed.body : form === 'string' ? sealed.json : new TextEncoder().encode(sealed.json)
    const expected = JSON.parse(JSON.stringify(request)) // what JSON can carry (-0 becomes 0)
    const results = [
      await native.crypto.decryptRequest(body, keys.native),
      native.crypto.decryptRequestSync(body, keys.native),
      await web.crypto.decryptRequest(body, keys.webcrypto),
    ]
    for (const d of results) {
      t.deepEqual(d.request, expected)
      t.deepEqual(Buffer.from(d.aesKey), Buffer.from(aesKey))
      t.deepEqual(Buffer.from(d.iv), Buffer.from(iv))
    }
  },
  { numRuns: 150 },
)

testProp(
  'responses: native (inline, pool and sync) = WebCrypto = node:crypto under the inverted IV, byte for byte',
  [
    fc.oneof(
      json.filter((v) => typeof v === 'object' && v !== null).map((value) => ({ value })),
      fc
        .record({ size: fc.integer({ min: 0, max: 100_000 }), seed: fc.nat() })
        .map(({ size, seed }) => ({ value: new Uint8Array(seededBytes(seed, size)) })),
    ),
    bytes16,
    bytes16,
  ],
  async (t, { value: input }, aesKey, iv) => {
    // Objects are JSON.stringify'd; byte strings on both sides of the native 64 KiB inline limit are encrypted as given.
    const expected = referenceResponse(aesKey, iv, input instanceof Uint8Array ? input : JSON.stringify(input))
    const material = { aesKey, iv }
    t.is(await native.crypto.encryptResponse(input, material), expected)
    t.is(native.crypto.encryptResponseSync(input, material), expected)
    t.is(await web.crypto.encryptResponse(input, material), expected)
  },
  { numRuns: 120 },
)

testProp(
  'request → response round trip: the DecryptedFlowRequest of each backend answers with the reference bytes',
  [flowRequest, json.filter((v) => typeof v === 'object' && v !== null), bytes16, bytes16],
  async (t, request, response, aesKey, iv) => {
    const keys = await loadedKeys()
    const sealed = seal(request, { aesKey, iv })
    const expected = referenceResponse(aesKey, iv, JSON.stringify(response))
    t.is(await (await native.crypto.decryptRequest(sealed.json, keys.native)).encryptResponse(response), expected)
    t.is(await (await web.crypto.decryptRequest(sealed.json, keys.webcrypto)).encryptResponse(response), expected)
  },
  { numRuns: 60 },
)

// ---------------------------------------------------------------- single-byte mutations of a request

const PING = JSON.stringify({ version: '3.0', action: 'ping' })

async function assertDecryptionFailed(t, body, label) {
  const keys = await loadedKeys()
  const errors = [
    await caught(() => native.crypto.decryptRequest(body, keys.native)),
    await caught(() => native.crypto.decryptRequestSync(body, keys.native)),
    await caught(() => web.crypto.decryptRequest(body, keys.webcrypto)),
  ]
  for (const e of errors) {
    t.true(e instanceof FlowDecryptionError, `${label}: ${e?.constructor?.name} ${e?.code} ${e?.reason}`)
    t.deepEqual(
      shape(e),
      {
        class: 'FlowDecryptionError',
        code: 'ERR_FLOW_DECRYPTION_FAILED',
        reason: 'decryption-failed',
        status: 421,
        message: 'Could not decrypt the request',
        cause: 'none',
      },
      label,
    )
  }
  for (const [name, endpoint] of Object.entries(endpoints))
    t.is((await endpoint.handle({ body: JSON.stringify(body) })).status, 421, `${label}: ${name} endpoint`)
}

testProp(
  'a random single-byte change of encrypted_aes_key, encrypted_flow_data (tag included) or initial_vector is FlowDecryptionError (421) on both backends',
  [fc.constantFrom(...FIELDS), fc.nat(), fc.integer({ min: 1, max: 255 }), bytes16, bytes16, fc.nat({ max: 200 })],
  async (t, field, position, xor, aesKey, iv, padding) => {
    const sealed = seal(JSON.stringify({ version: '3.0', action: 'ping', pad: 'x'.repeat(padding) }), { aesKey, iv })
    const raw = unb64(sealed.body[field])
    const at = position % raw.length
    raw[at] ^= xor
    await assertDecryptionFailed(t, { ...sealed.body, [field]: b64(raw) }, `${field}[${at}] ^= ${xor}`)
  },
  { numRuns: 150 },
)

const NOT_BASE64 = [' ', '\t', '\n', '\r', '-', '_', '.', '*', '$', '%', '!', '"', '\\', ',', ':', 'é', '\u0000', '\u00a0', '𝄞', '＋']

testProp(
  'a base64 character replaced by a non-base64 one is FlowRequestError field-not-base64 (400) on both backends',
  [fc.constantFrom(...FIELDS), fc.nat(), fc.constantFrom(...NOT_BASE64), bytes16, bytes16],
  async (t, field, position, ch, aesKey, iv) => {
    const keys = await loadedKeys()
    const sealed = seal(PING, { aesKey, iv })
    const textValue = sealed.body[field]
    const at = position % textValue.length
    const body = { ...sealed.body, [field]: textValue.slice(0, at) + ch + textValue.slice(at + 1) }
    const expected = {
      class: 'FlowRequestError',
      code: 'ERR_FLOW_REQUEST_INVALID',
      reason: 'field-not-base64',
      status: 400,
      message: `${field} is not valid base64`,
      cause: 'none',
    }
    t.deepEqual(shape(await caught(() => native.crypto.decryptRequest(body, keys.native))), expected)
    t.deepEqual(shape(await caught(() => native.crypto.decryptRequestSync(body, keys.native))), expected)
    t.deepEqual(shape(await caught(() => web.crypto.decryptRequest(body, keys.webcrypto))), expected)
    for (const endpoint of Object.values(endpoints)) t.is((await endpoint.handle({ body: JSON.stringify(body) })).status, 400)
  },
  { numRuns: 100 },
)

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
/**
 * Canonical standard base64 (RFC 4648 §4, padding optional), checked independently of the package: the standard
 * alphabet, "=" only as the complete padding of a last quantum, and the text encodes back from its bytes.
 */
const canonical = (s) => {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 === 1) return false
  if (s.endsWith('=') && s.length % 4 !== 0) return false
  const padded = s.length % 4 === 0 ? s : s + '='.repeat(4 - (s.length % 4))
  return Buffer.from(s, 'base64').toString('base64') === padded
}

testProp(
  'a base64 character replaced by another alphabet character: 400 when no longer canonical, else 421, equally on both backends',
  [fc.constantFrom(...FIELDS), fc.nat(), fc.nat({ max: 63 }), bytes16, bytes16],
  async (t, field, position, replacement, aesKey, iv) => {
    const keys = await loadedKeys()
    const sealed = seal(PING, { aesKey, iv })
    const value = sealed.body[field].replace(/=+$/, '')
    const at = position % value.length
    fc.pre(value[at] !== B64[replacement])
    const mutated = value.slice(0, at) + B64[replacement] + value.slice(at + 1)
    const body = { ...sealed.body, [field]: mutated }
    const expected = canonical(mutated) ? 'FlowDecryptionError' : 'FlowRequestError'
    const errors = [
      await caught(() => native.crypto.decryptRequest(body, keys.native)),
      await caught(() => native.crypto.decryptRequestSync(body, keys.native)),
      await caught(() => web.crypto.decryptRequest(body, keys.webcrypto)),
    ]
    for (const e of errors) t.is(e?.constructor?.name, expected, `${field}[${at}] → ${B64[replacement]}`)
    t.deepEqual(shape(errors[0]), shape(errors[2]))
    t.deepEqual(shape(errors[1]), shape(errors[2]))
  },
  { numRuns: 100 },
)

// ---------------------------------------------------------------- media

const mediaApis = { native: bindMedia(native), webcrypto: bindMedia(web) }

const mediaCase = fc.record({
  size: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 200 * 1024 })),
  seed: fc.nat(),
  encryptionKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  hmacKey: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  iv: bytes16,
  chunks: fc.array(fc.oneof(fc.integer({ min: 1, max: 17 }), fc.integer({ min: 1, max: 70_000 })), { minLength: 1, maxLength: 12 }),
})

const mediaFixture = (m) =>
  encryptMedia(seededBytes(m.seed, m.size), {
    encryptionKey: Buffer.from(m.encryptionKey),
    hmacKey: Buffer.from(m.hmacKey),
    iv: Buffer.from(m.iv),
  })

/** The native backend's raw stream, one update per chunk (the public decryptor gathers chunks into 1 MiB first). */
async function nativeBackendStream(cdnFile, metadata, sizes) {
  const s = native.backend.createMediaStream(mediaKeys(metadata))
  const parts = []
  for (const c of chunkBy(cdnFile, sizes)) parts.push(await s.update(c))
  parts.push(await s.final())
  return Buffer.concat(parts)
}

testProp(
  'media: native stream (raw and TransformStream) = native one-shot = WebCrypto one-shot and stream = the plaintext, for random chunkings',
  [mediaCase],
  async (t, m) => {
    const f = mediaFixture(m)
    const outputs = {
      'native one-shot': await mediaApis.native.decryptMedia(f.cdnFile, f.metadata),
      'webcrypto one-shot': await mediaApis.webcrypto.decryptMedia(f.cdnFile, f.metadata),
      'native TransformStream': await drainStream(mediaApis.native.createMediaDecryptor(f.metadata), chunkBy(f.cdnFile, m.chunks)),
      'webcrypto TransformStream': await drainStream(mediaApis.webcrypto.createMediaDecryptor(f.metadata), chunkBy(f.cdnFile, m.chunks)),
      'native backend stream': await nativeBackendStream(f.cdnFile, f.metadata, m.chunks),
    }
    for (const [name, out] of Object.entries(outputs))
      t.true(Buffer.from(out).equals(f.plaintext), `${name}: ${out.length} bytes for ${f.plaintext.length}`)
  },
  { numRuns: 50 },
)

async function mediaErrors(cdnFile, metadata, chunks) {
  return {
    'native one-shot': await caught(() => mediaApis.native.decryptMedia(cdnFile, metadata)),
    'webcrypto one-shot': await caught(() => mediaApis.webcrypto.decryptMedia(cdnFile, metadata)),
    'native TransformStream': await caught(() => drainStream(mediaApis.native.createMediaDecryptor(metadata), chunkBy(cdnFile, chunks))),
    'webcrypto TransformStream': await caught(() =>
      drainStream(mediaApis.webcrypto.createMediaDecryptor(metadata), chunkBy(cdnFile, chunks)),
    ),
  }
}

function assertMediaErrors(t, errors, code) {
  const shapes = Object.values(errors).map(shape)
  for (const [name, e] of Object.entries(errors)) {
    t.true(e instanceof MediaIntegrityError, `${name}: ${e?.constructor?.name}`)
    t.is(e?.code, code, name)
  }
  // Class, code, reason and message are the same on every path.
  for (const s of shapes) t.deepEqual({ ...s, cause: undefined }, { ...shapes[0], cause: undefined })
}

testProp(
  'media: a random single-byte change of the CDN file is ERR_MEDIA_ENCRYPTED_HASH_MISMATCH, or with encrypted_hash recomputed ERR_MEDIA_HMAC_MISMATCH, on both backends',
  [mediaCase, fc.nat(), fc.integer({ min: 1, max: 255 })],
  async (t, m, position, xor) => {
    const f = mediaFixture({ ...m, size: m.size % 20_000 })
    const cdnFile = Buffer.from(f.cdnFile)
    cdnFile[position % cdnFile.length] ^= xor
    assertMediaErrors(t, await mediaErrors(cdnFile, f.metadata, m.chunks), 'ERR_MEDIA_ENCRYPTED_HASH_MISMATCH')
    const rehashed = { ...f.metadata, encrypted_hash: b64(createHash('sha256').update(cdnFile).digest()) }
    assertMediaErrors(t, await mediaErrors(cdnFile, rehashed, m.chunks), 'ERR_MEDIA_HMAC_MISMATCH')
  },
  { numRuns: 60 },
)

// ---------------------------------------------------------------- base64

const base64Source = readFileSync(new URL('../dist/util/base64.js', import.meta.url), 'utf8')
test('dist/util/base64.js has no imports (it can be evaluated as a script without Buffer)', (t) => {
  t.false(/^\s*import\b/m.test(base64Source))
})

/** The package's base64 module evaluated in a vm context that has atob/btoa and no Buffer: its atob path. */
const atobPath = (() => {
  const context = vm.createContext({ atob, btoa })
  vm.runInContext(
    `${base64Source.replace(/^export /gm, '')}\n;globalThis.api = { decodeBase64, encodeBase64, hasBuffer: typeof Buffer !== 'undefined' }`,
    context,
  )
  return context.api
})()
const bufferPath = { decodeBase64, encodeBase64 }
const paths = { Buffer: bufferPath, atob: atobPath }

test('the atob path really runs without Buffer', (t) => {
  t.false(atobPath.hasBuffer)
  t.is(typeof globalThis.Buffer, 'function')
})

const decodedBy = (path, s) => {
  const out = path.decodeBase64(s)
  return out === undefined ? undefined : Buffer.from(out)
}

testProp(
  'base64: random bytes round-trip through encodeBase64/decodeBase64 on both paths, equal to Buffer (padded and unpadded)',
  [fc.uint8Array({ maxLength: 300 })],
  (t, bytes) => {
    const expected = Buffer.from(bytes).toString('base64')
    for (const [name, path] of Object.entries(paths)) {
      t.is(path.encodeBase64(bytes), expected, name)
      t.deepEqual(decodedBy(path, expected), Buffer.from(bytes), name)
      t.deepEqual(decodedBy(path, expected.replace(/=+$/, '')), Buffer.from(bytes), `${name}, unpadded`)
    }
  },
  { numRuns: 200 },
)

const ALPHABET_CHARS = [...B64]
/** Non-canonical variants of a canonical base64 text, by kind. Each returns a text no strict decoder accepts. */
const variants = {
  'non-zero unused bits': fc
    .record({
      bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }).filter((b) => b.length % 3 !== 0),
      bits: fc.integer({ min: 1, max: 15 }),
      padded: fc.boolean(),
    })
    .map(({ bytes, bits, padded }) => {
      const s = Buffer.from(bytes).toString('base64')
      const pad = s.length - s.replace(/=+$/, '').length
      const data = s.slice(0, s.length - pad)
      const unused = pad === 2 ? bits & 0x0f : bits & 0x03 || 1
      const last = B64.indexOf(data.at(-1)) | unused
      return data.slice(0, -1) + B64[last] + (padded ? '='.repeat(pad) : '')
    }),
  'whitespace inserted': fc
    .record({
      bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
      at: fc.nat(),
      ws: fc.constantFrom(' ', '\t', '\n', '\r', '\r\n', '\f', '\v', '\u00a0'),
    })
    .map(({ bytes, at, ws }) => {
      const s = Buffer.from(bytes).toString('base64')
      const i = at % (s.length + 1)
      return s.slice(0, i) + ws + s.slice(i)
    }),
  'url-safe or foreign character': fc
    .record({
      bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
      at: fc.nat(),
      ch: fc.constantFrom('-', '_', '.', '*', '$', '%', '~', ',', 'é', '\u0000', '＝'),
    })
    .map(({ bytes, at, ch }) => {
      const s = Buffer.from(bytes).toString('base64')
      const i = at % s.length
      return s.slice(0, i) + ch + s.slice(i + 1)
    }),
  'bad padding': fc
    .record({
      bytes: fc.uint8Array({ maxLength: 64 }),
      at: fc.nat(),
      how: fc.constantFrom('insert "="', 'one "=" too few or too many', 'four more "="', '"=" alone'),
    })
    .map(({ bytes, at, how }) => {
      const s = Buffer.from(bytes).toString('base64')
      if (how === '"=" alone') return '='.repeat(1 + (at % 4))
      if (how === 'four more "="') return `${s}====`
      if (how === 'one "=" too few or too many') return s.endsWith('==') ? s.slice(0, -1) : `${s}=`
      const i = at % (s.length + 1) // anywhere: the length becomes 1 mod 4
      return `${s.slice(0, i)}=${s.slice(i)}`
    }),
  'length 1 mod 4': fc.record({ bytes: fc.uint8Array({ maxLength: 64 }), ch: fc.constantFrom(...ALPHABET_CHARS) }).map(({ bytes, ch }) => {
    const s = Buffer.from(bytes).toString('base64').replace(/=+$/, '')
    return s.length % 4 === 0 ? s + ch : s.length % 4 === 2 ? s.slice(0, -1) : s + ch + ch
  }),
}

for (const [kind, arbitrary] of Object.entries(variants)) {
  testProp(
    `base64: ${kind} is refused (undefined) on the Buffer path and on the atob path`,
    [arbitrary],
    (t, s) => {
      t.false(canonical(s), `the generator made a canonical text: ${JSON.stringify(s)}`)
      for (const [name, path] of Object.entries(paths)) t.is(path.decodeBase64(s), undefined, `${name} path accepted ${JSON.stringify(s)}`)
    },
    { numRuns: 200 },
  )
}

// ---------------------------------------------------------------- every bad input class: equal errors on both backends

const notJson = fc.string({ unit, maxLength: 30 }).filter((s) => {
  try {
    JSON.parse(s)
    return false
  } catch {
    return true
  }
})

/** Bad request bodies by class: { label, expected class, body(sealed) }. */
const badRequests = fc.oneof(
  notJson.map((s) => ({ label: 'body not JSON', expected: 'FlowRequestError', body: () => s })),
  json
    .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
    .map((v) => ({ label: 'body JSON, not an object', expected: 'FlowRequestError', body: () => JSON.stringify(v) })),
  fc
    .record({
      field: fc.constantFrom(...FIELDS),
      value: fc.oneof(
        fc.constant(undefined),
        fc.constant(''),
        fc.constant(null),
        fc.integer(),
        fc.boolean(),
        fc.array(text, { maxLength: 2 }),
        fc.dictionary(text, text, { maxKeys: 2 }),
      ),
    })
    .map(({ field, value }) => ({
      label: `${field} missing or not a string`,
      expected: 'FlowRequestError',
      body: (s) => JSON.stringify({ ...s.body, [field]: value }),
    })),
  fc
    .record({ field: fc.constantFrom(...FIELDS), value: fc.string({ unit, minLength: 1, maxLength: 40 }).filter((v) => !canonical(v)) })
    .map(({ field, value }) => ({
      label: `${field} not base64`,
      expected: 'FlowRequestError',
      body: (s) => ({ ...s.body, [field]: value }),
    })),
  fc
    .integer({ min: 1, max: 48 })
    .filter((n) => n !== 16)
    .map((n) => ({ label: `IV of ${n} bytes`, expected: 'FlowRequestError', body: () => seal(PING, { iv: randomBytes(n) }).body })),
  fc.constant({
    label: 'AES key for another RSA key',
    expected: 'FlowDecryptionError',
    body: () => sealWithNodeCrypto(PING, { publicKey: otherPublic }).body,
  }),
  fc
    .record({ field: fc.constantFrom(...FIELDS), position: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) })
    .map(({ field, position, xor }) => ({
      label: `${field} byte changed`,
      expected: 'FlowDecryptionError',
      body: (s) => {
        const raw = unb64(s.body[field])
        raw[position % raw.length] ^= xor
        return { ...s.body, [field]: b64(raw) }
      },
    })),
  fc
    .record({ field: fc.constantFrom('encrypted_aes_key', 'encrypted_flow_data'), keep: fc.nat(), extra: fc.uint8Array({ maxLength: 3 }) })
    .map(({ field, keep, extra }) => ({
      label: `${field} truncated or extended`,
      expected: 'FlowDecryptionError',
      body: (s) => {
        const raw = unb64(s.body[field])
        const changed = extra.length ? Buffer.concat([raw, extra]) : raw.subarray(0, 1 + (keep % (raw.length - 1)))
        return { ...s.body, [field]: b64(changed) }
      },
    })),
  fc
    .integer({ min: 0, max: 40 })
    .filter((n) => n !== 16)
    .map((n) => ({
      label: `a wrapped ${n}-byte AES key`,
      expected: 'FlowDecryptionError',
      body: () => {
        const key = randomBytes(n)
        const iv = randomBytes(16)
        return {
          ...seal(PING, { iv }).body,
          encrypted_aes_key: b64(sealWithNodeCrypto(PING, { publicKey, wrappedKey: key }).wrapped),
          encrypted_flow_data: b64(gcmEncrypt([24, 32].includes(n) ? key : randomBytes(16), iv, PING)),
        }
      },
    })),
  notJson.map((s) => ({ label: 'plaintext not JSON', expected: 'FlowRequestError', body: () => seal(s).body })),
  fc
    .uint8Array({ minLength: 1, maxLength: 40 })
    .filter((b) => {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(b)
        return false
      } catch {
        return true
      }
    })
    .map((b) => ({ label: 'plaintext not UTF-8', expected: 'FlowRequestError', body: () => seal(b).body })),
  json
    .filter((v) => typeof v !== 'object' || v === null || typeof v.action !== 'string')
    .map((v) => ({ label: 'plaintext without a string action', expected: 'FlowRequestError', body: () => seal(JSON.stringify(v)).body })),
)

testProp(
  'every bad request class: native (async and sync) and WebCrypto throw the same error (class, code, reason, message, status, cause)',
  [badRequests],
  async (t, c) => {
    const keys = await loadedKeys()
    const body = c.body(seal(PING))
    const errors = [
      await caught(() => native.crypto.decryptRequest(body, keys.native)),
      await caught(() => native.crypto.decryptRequestSync(body, keys.native)),
      await caught(() => web.crypto.decryptRequest(body, keys.webcrypto)),
    ]
    t.is(errors[2]?.constructor?.name, c.expected, `${c.label}: ${errors[2]?.code} ${errors[2]?.reason}`)
    t.deepEqual(shape(errors[0]), shape(errors[2]), c.label)
    t.deepEqual(shape(errors[1]), shape(errors[2]), c.label)
    if (c.expected === 'FlowDecryptionError') t.is(errors[2].cause, undefined)
    const status = c.expected === 'FlowRequestError' ? 400 : 421
    const raw = typeof body === 'string' ? body : JSON.stringify(body)
    for (const [name, endpoint] of Object.entries(endpoints))
      t.is((await endpoint.handle({ body: raw })).status, status, `${c.label}: ${name} endpoint`)
  },
  { numRuns: 200 },
)

/** Bad media inputs by class: { label, code, make(fixture) → { cdnFile, metadata } }. */
const MEDIA_FIELDS = ['encryption_key', 'hmac_key', 'iv', 'plaintext_hash', 'encrypted_hash']
const badMedia = fc.oneof(
  fc
    .record({ field: fc.constantFrom(...MEDIA_FIELDS), length: fc.integer({ min: 0, max: 40 }) })
    .filter(({ field, length }) => (field === 'hmac_key' ? length === 0 : length !== ({ encryption_key: 32, iv: 16 }[field] ?? 32)))
    .map(({ field, length }) => ({
      label: `${field} of ${length} bytes`,
      code: 'ERR_MEDIA_MALFORMED',
      make: (f) => ({ cdnFile: f.cdnFile, metadata: { ...f.metadata, [field]: b64(randomBytes(length)) } }),
    })),
  fc
    .record({
      field: fc.constantFrom(...MEDIA_FIELDS),
      value: fc.oneof(
        fc.constant(undefined),
        fc.constant(null),
        fc.integer(),
        text.filter((v) => !canonical(v)),
      ),
    })
    .map(({ field, value }) => ({
      label: `${field} missing or not base64`,
      code: 'ERR_MEDIA_MALFORMED',
      make: (f) => ({ cdnFile: f.cdnFile, metadata: { ...f.metadata, [field]: value } }),
    })),
  fc.integer({ min: 0, max: 25 }).map((n) => ({
    label: `a ${n}-byte file`,
    code: 'ERR_MEDIA_MALFORMED',
    make: (f) => ({ cdnFile: f.cdnFile.subarray(0, n), metadata: f.metadata }),
  })),
  fc.integer({ min: 1, max: 15 }).map((n) => ({
    label: `ciphertext not block-aligned (+${n})`,
    code: 'ERR_MEDIA_MALFORMED',
    make: (f) => ({ cdnFile: Buffer.concat([randomBytes(n), f.cdnFile]), metadata: f.metadata }),
  })),
  fc.constant({ label: 'wrong plaintext_hash', code: 'ERR_MEDIA_PLAINTEXT_HASH_MISMATCH', make: (f) => wrongPlaintextHash(f) }),
  fc
    .constantFrom(0, 17, 4, 16, 200)
    .map((last) => ({ label: `bad padding (last byte ${last})`, code: 'ERR_MEDIA_PADDING_INVALID', make: () => forgeBadPadding(last) })),
  fc.integer({ min: 1, max: 64 }).map((n) => ({
    label: `another ${n}-byte hmac_key`,
    code: 'ERR_MEDIA_HMAC_MISMATCH',
    make: (f) => ({ cdnFile: f.cdnFile, metadata: { ...f.metadata, hmac_key: b64(randomBytes(n)) } }),
  })),
)

testProp(
  'every bad media class: both backends (one-shot and streaming) fail with the same MediaIntegrityError',
  [badMedia, fc.integer({ min: 0, max: 3000 }), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 })],
  async (t, c, size, chunks) => {
    const { cdnFile, metadata } = c.make(encryptMedia(randomBytes(size)))
    const errors = await mediaErrors(cdnFile, metadata, chunks)
    const shapes = Object.entries(errors).map(([name, e]) => [name, shape(e)])
    for (const [name, s] of shapes) {
      t.is(s.class, 'MediaIntegrityError', `${c.label}: ${name}`)
      t.is(s.code, c.code, `${c.label}: ${name}`)
      t.deepEqual({ ...s, cause: undefined }, { ...shapes[0][1], cause: undefined }, `${c.label}: ${name} vs ${shapes[0][0]}`)
    }
  },
  { numRuns: 120 },
)
