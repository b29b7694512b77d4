// Core suite: pywa's fixed WhatsApp vectors, request/response error paths, sync variants, the root entry and one-shot media.
import { execFile } from 'node:child_process'
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'

import test from 'ava'

import { createFlowCrypto } from '../dist/api.js'
import { createWebCryptoBackend } from '../dist/backend/webcrypto.js'
import { FlowBackendError, FlowDecryptionError, FlowKeyError, FlowRequestError, MediaIntegrityError } from '../dist/errors.js'
import { nativeBinding, pureWebCrypto, runtimes, vectors } from './helpers/backends.mjs'
import { b64, flipIv, gcmDecrypt, gcmEncrypt, sealWithNodeCrypto, wrapAesKey } from './helpers/reference.mjs'

const pywa = JSON.parse(readFileSync(new URL('pywa/flow_request.json', vectors), 'utf8'))
const pywaPem = readFileSync(new URL('pywa/private_key.pem', vectors), 'utf8')
const hex = (bytes) => Buffer.from(bytes).toString('hex')

// One RSA-2048 key for the whole file.
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const otherPublic = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey
const pkcs8Pem = privateKey.export({ type: 'pkcs8', format: 'pem' })

/** A request as WhatsApp sends it, built with the node:crypto reference. `plaintext` is a string or bytes. */
const buildRequest = (plaintext, { pub = publicKey, ...parts } = {}) => sealWithNodeCrypto(plaintext, { publicKey: pub, ...parts })

const ping = { action: 'ping', version: '3.0' }

async function loadKeys() {
  const out = {}
  for (const rt of runtimes) out[rt.name] = await rt.crypto.loadPrivateKey(pkcs8Pem)
  return out
}
const keysReady = loadKeys()

const isRequestError = (e) => e instanceof FlowRequestError && e.status === 400 && e.code === 'ERR_FLOW_REQUEST_INVALID'
const isDecryptionError = (e) =>
  e instanceof FlowDecryptionError &&
  e.status === 421 &&
  e.code === 'ERR_FLOW_DECRYPTION_FAILED' &&
  e.message === 'Could not decrypt the request'

// ---------------------------------------------------------------- pywa vectors

for (const rt of runtimes) {
  test(`${rt.name}: pywa request decrypts to the expected AES key and plaintext; the response matches byte for byte`, async (t) => {
    const key = await rt.crypto.loadPrivateKey(pywaPem, { passphrase: pywa.passphrase })
    t.is(key.bits, 2048)
    t.is(key.backend, rt.name)
    const decrypted = await rt.crypto.decryptRequest(pywa.request, key)
    t.is(hex(decrypted.aesKey), pywa.expected_aes_key_hex)
    t.deepEqual(decrypted.request, JSON.parse(pywa.expected_plaintext))
    t.deepEqual(decrypted.iv, new Uint8Array(Buffer.from(pywa.request.initial_vector, 'base64')))
    const response = await rt.crypto.encryptResponse(pywa.response_plaintext, { aesKey: decrypted.aesKey, iv: decrypted.iv })
    t.is(response, pywa.expected_encrypted_response)
    t.is(await decrypted.encryptResponse(pywa.response_plaintext), pywa.expected_encrypted_response)
    // The same bytes as a Uint8Array give the same ciphertext.
    t.is(await decrypted.encryptResponse(new TextEncoder().encode(pywa.response_plaintext)), pywa.expected_encrypted_response)
  })

  test(`${rt.name}: pywa request in every body form (object, JSON string, JSON bytes)`, async (t) => {
    const key = await rt.crypto.loadPrivateKey(pywaPem, { passphrase: pywa.passphrase })
    const expected = JSON.parse(pywa.expected_plaintext)
    for (const body of [pywa.request, JSON.stringify(pywa.request), new TextEncoder().encode(JSON.stringify(pywa.request))]) {
      const d = await rt.crypto.decryptRequest(body, key)
      t.deepEqual(d.request, expected)
      t.is(hex(d.aesKey), pywa.expected_aes_key_hex)
    }
  })
}

// The helper's `pureWebCrypto` is built as make(backend, undefined), which hits make()'s default parameter and so
// still carries the node:crypto converter. `pure` below is really converter-free (as on Deno/Workers).
const pure = { name: 'webcrypto', crypto: createFlowCrypto(createWebCryptoBackend()) }

async function assertPywaUnsupported(t, runtime) {
  const e = await t.throwsAsync(runtime.crypto.loadPrivateKey(pywaPem, { passphrase: pywa.passphrase }), { instanceOf: FlowKeyError })
  t.is(e.reason, 'unsupported-format')
  t.is(e.code, 'ERR_FLOW_KEY_INVALID')
  t.true(e.message.includes('openssl pkcs8 -topk8 -v2 aes-256-cbc'))
  t.true(e.message.includes('DES-EDE3-CBC'))
  t.false(e.message.includes(pywa.passphrase))
}

test('pure WebCrypto (no node:crypto converter): the DES-EDE3 pywa key is unsupported-format and names the openssl conversion', (t) =>
  assertPywaUnsupported(t, pure))

test("helper's pureWebCrypto (no converter): the DES-EDE3 pywa key is unsupported-format", (t) => assertPywaUnsupported(t, pureWebCrypto))

test('pure WebCrypto: the pywa key converted once to PBES2/AES-256-CBC decrypts the pywa request', async (t) => {
  const converted = createPrivateKey({ key: pywaPem, passphrase: pywa.passphrase }).export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: 'converted',
  })
  const key = await pure.crypto.loadPrivateKey(converted, { passphrase: 'converted' })
  const d = await pure.crypto.decryptRequest(pywa.request, key)
  t.is(hex(d.aesKey), pywa.expected_aes_key_hex)
  t.is(await d.encryptResponse(pywa.response_plaintext), pywa.expected_encrypted_response)
})

// ---------------------------------------------------------------- decryptRequest error paths

for (const rt of runtimes) {
  test(`${rt.name}: decryptRequest rejects bodies that are not what WhatsApp sends (400)`, async (t) => {
    const key = (await keysReady)[rt.name]
    const good = buildRequest(JSON.stringify(ping)).body
    const cases = [
      ['not JSON (string)', 'not json', /not JSON/],
      ['not JSON (bytes)', new TextEncoder().encode('{oops'), /not JSON/],
      ['JSON array', '[]', /not a JSON object/],
      ['JSON null', 'null', /not a JSON object/],
      ['JSON number', '42', /not a JSON object/],
      ['missing encrypted_flow_data', { ...good, encrypted_flow_data: undefined }, /encrypted_flow_data/],
      ['missing encrypted_aes_key', { ...good, encrypted_aes_key: undefined }, /encrypted_aes_key/],
      ['missing initial_vector', { ...good, initial_vector: undefined }, /initial_vector/],
      ['empty encrypted_aes_key', { ...good, encrypted_aes_key: '' }, /encrypted_aes_key/],
      ['number initial_vector', { ...good, initial_vector: 7 }, /initial_vector/],
      ['encrypted_flow_data not base64', { ...good, encrypted_flow_data: 'abc$def=' }, /encrypted_flow_data is not valid base64/],
      [
        'encrypted_aes_key with whitespace',
        { ...good, encrypted_aes_key: ` ${good.encrypted_aes_key}` },
        /encrypted_aes_key is not valid base64/,
      ],
      ['initial_vector of 12 bytes', { ...good, initial_vector: b64(randomBytes(12)) }, /16 bytes, got 12/],
      ['initial_vector of 17 bytes', { ...good, initial_vector: b64(randomBytes(17)) }, /16 bytes, got 17/],
    ]
    for (const [name, body, message] of cases) {
      const e = await t.throwsAsync(rt.crypto.decryptRequest(body, key), { instanceOf: FlowRequestError, message }, name)
      t.true(isRequestError(e), name)
    }
  })

  test(`${rt.name}: decryptRequest answers 421 for every crypto failure, with one generic message`, async (t) => {
    const key = (await keysReady)[rt.name]
    const r = buildRequest(JSON.stringify(ping))
    const tamper = (buf, i) => {
      const out = Buffer.from(buf)
      out[i] ^= 0x01
      return b64(out)
    }
    const wrapped = Buffer.from(r.body.encrypted_aes_key, 'base64')
    const cases = [
      ['key wrapped for another RSA key', buildRequest(JSON.stringify(ping), { pub: otherPublic }).body],
      ['ciphertext byte flipped', { ...r.body, encrypted_flow_data: tamper(r.data, 0) }],
      ['tag byte flipped', { ...r.body, encrypted_flow_data: tamper(r.data, r.data.length - 1) }],
      ['tag cut off', { ...r.body, encrypted_flow_data: b64(r.data.subarray(0, r.data.length - 16)) }],
      ['data shorter than a tag', { ...r.body, encrypted_flow_data: b64(r.data.subarray(0, 5)) }],
      ['other IV', { ...r.body, initial_vector: b64(flipIv(r.iv)) }],
      ['RSA ciphertext byte flipped', { ...r.body, encrypted_aes_key: tamper(wrapped, 100) }],
      ['RSA ciphertext truncated', { ...r.body, encrypted_aes_key: b64(wrapped.subarray(1)) }],
      ['RSA ciphertext too long', { ...r.body, encrypted_aes_key: b64(Buffer.concat([wrapped, Buffer.of(0)])) }],
      ['RSA ciphertext all zero', { ...r.body, encrypted_aes_key: b64(Buffer.alloc(256)) }],
      ['wrapped AES key of 32 bytes', { ...r.body, encrypted_aes_key: b64(wrapAesKey(randomBytes(32), publicKey)) }],
      ['wrapped AES key of 15 bytes', { ...r.body, encrypted_aes_key: b64(wrapAesKey(randomBytes(15), publicKey)) }],
      ['wrapped AES key of 0 bytes', { ...r.body, encrypted_aes_key: b64(wrapAesKey(Buffer.alloc(0), publicKey)) }],
      // Consistent AES-192/256-GCM bodies under a 24/32-byte wrapped key: only AES-128 is the protocol.
      ...[24, 32].map((n) => {
        const k = randomBytes(n)
        const data = gcmEncrypt(k, r.iv, Buffer.from(JSON.stringify(ping)))
        return [
          `AES-${n * 8}-GCM body under a wrapped ${n}-byte key`,
          { ...r.body, encrypted_aes_key: b64(wrapAesKey(k, publicKey)), encrypted_flow_data: b64(data) },
        ]
      }),
    ]
    for (const [name, body] of cases) {
      const e = await t.throwsAsync(rt.crypto.decryptRequest(body, key), { instanceOf: FlowDecryptionError }, name)
      t.true(isDecryptionError(e), name)
    }
  })

  test(`${rt.name}: a decrypted plaintext that is not a Flow request is a 400`, async (t) => {
    const key = (await keysReady)[rt.name]
    const cases = [
      ['not JSON', 'hello', /not UTF-8 JSON/],
      ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /not UTF-8 JSON/],
      ['empty', '', /not UTF-8 JSON/],
      ['JSON without action', JSON.stringify({ version: '3.0' }), /no action/],
      ['action not a string', JSON.stringify({ action: 5 }), /no action/],
      ['JSON string', JSON.stringify('ping'), /no action/],
    ]
    for (const [name, plaintext, message] of cases) {
      const e = await t.throwsAsync(
        rt.crypto.decryptRequest(buildRequest(plaintext).body, key),
        { instanceOf: FlowRequestError, message },
        name,
      )
      t.true(isRequestError(e), name)
    }
  })

  test(`${rt.name}: decryptRequest guards its key argument with TypeError`, async (t) => {
    const body = buildRequest(JSON.stringify(ping)).body
    await t.throwsAsync(rt.crypto.decryptRequest(body, {}), { instanceOf: TypeError })
    await t.throwsAsync(rt.crypto.decryptRequest(body, undefined), { instanceOf: TypeError })
    for (const other of runtimes.filter((o) => o.name !== rt.name)) {
      const foreign = (await keysReady)[other.name]
      await t.throwsAsync(rt.crypto.decryptRequest(body, foreign), {
        instanceOf: TypeError,
        message: new RegExp(`loaded by the ${other.name} backend, not ${rt.name}`),
      })
    }
  })

  test(`${rt.name}: decryptRequest returns the request, the AES key and the IV; its encryptResponse answers under the inverted IV`, async (t) => {
    const key = (await keysReady)[rt.name]
    const request = { action: 'data_exchange', screen: 'A', data: { n: 1, s: 'é✓' }, flow_token: 't', version: '3.0' }
    const r = buildRequest(JSON.stringify(request))
    const d = await rt.crypto.decryptRequest(r.body, key)
    t.deepEqual(d.request, request)
    t.deepEqual(Buffer.from(d.aesKey), r.aesKey)
    t.deepEqual(Buffer.from(d.iv), r.iv)
    const response = { screen: 'B', data: { ok: true } }
    const answer = Buffer.from(await d.encryptResponse(response), 'base64')
    t.deepEqual(JSON.parse(gcmDecrypt(r.aesKey, flipIv(r.iv), answer).toString()), response)
  })
}

// ---------------------------------------------------------------- encryptResponse

for (const rt of runtimes) {
  test(`${rt.name}: encryptResponse accepts an object, a string or bytes and encrypts exactly those bytes`, async (t) => {
    const aesKey = randomBytes(16)
    const iv = randomBytes(16)
    const material = { aesKey: new Uint8Array(aesKey), iv: new Uint8Array(iv) }
    const open = (text) => gcmDecrypt(aesKey, flipIv(iv), Buffer.from(text, 'base64'))
    const obj = { screen: 'S', data: { list: [1, 2, 3], text: 'ünï' } }
    t.is(open(await rt.crypto.encryptResponse(obj, material)).toString(), JSON.stringify(obj))
    t.is(open(await rt.crypto.encryptResponse('{"a": 1}', material)).toString(), '{"a": 1}')
    const raw = randomBytes(100)
    t.deepEqual(open(await rt.crypto.encryptResponse(new Uint8Array(raw), material)), raw)
    t.deepEqual(open(await rt.crypto.encryptResponse('', material)), Buffer.alloc(0))
    // Deterministic: same key, IV and plaintext give the same ciphertext, also across backends.
    const a = await rt.crypto.encryptResponse(obj, material)
    for (const other of runtimes) t.is(await other.crypto.encryptResponse(obj, material), a)
  })

  test(`${rt.name}: encryptResponse guards its arguments`, async (t) => {
    const material = { aesKey: new Uint8Array(16), iv: new Uint8Array(16) }
    await t.throwsAsync(rt.crypto.encryptResponse(42, material), { instanceOf: TypeError })
    await t.throwsAsync(rt.crypto.encryptResponse(null, material), { instanceOf: TypeError })
    await t.throwsAsync(rt.crypto.encryptResponse({}, { aesKey: new Uint8Array(15), iv: material.iv }), { instanceOf: TypeError })
    await t.throwsAsync(rt.crypto.encryptResponse({}, { aesKey: material.aesKey, iv: new Uint8Array(12) }), { instanceOf: TypeError })
    await t.throwsAsync(rt.crypto.encryptResponse({}, { aesKey: 'k', iv: material.iv }), { instanceOf: TypeError })
    await t.throwsAsync(rt.crypto.encryptResponse({}, undefined), { instanceOf: TypeError })
  })

  test(`${rt.name}: encryptResponse refuses a wrong-size key or IV with TypeError before the backend runs`, async (t) => {
    const pt = new Uint8Array(4)
    let calls = 0
    const spy = { ...rt.backend, encryptResponse: (...args) => (calls++, rt.backend.encryptResponse(...args)) }
    const api = createFlowCrypto(spy)
    await t.throwsAsync(api.encryptResponse(pt, { aesKey: new Uint8Array(16), iv: new Uint8Array(12) }), {
      instanceOf: TypeError,
      code: 'ERR_INVALID_ARG_TYPE',
      message: /16-byte request IV/,
    })
    await t.throwsAsync(api.encryptResponse(pt, { aesKey: new Uint8Array(32), iv: new Uint8Array(16) }), {
      instanceOf: TypeError,
      code: 'ERR_INVALID_ARG_TYPE',
      message: /16-byte/,
    })
    t.is(calls, 0)
    t.is((await api.encryptResponse(pt, { aesKey: new Uint8Array(16), iv: new Uint8Array(16) })).length, 28)
    t.is(calls, 1)
  })
}

// ---------------------------------------------------------------- sync variants

for (const rt of runtimes) {
  if (rt.name === 'native') {
    test('native: decryptRequestSync and encryptResponseSync equal the async results', async (t) => {
      const key = (await keysReady).native
      const r = buildRequest(JSON.stringify(ping))
      const sync = rt.crypto.decryptRequestSync(r.body, key)
      const async_ = await rt.crypto.decryptRequest(r.body, key)
      t.deepEqual(sync.request, async_.request)
      t.deepEqual(Buffer.from(sync.aesKey), Buffer.from(async_.aesKey))
      t.deepEqual(Buffer.from(sync.iv), Buffer.from(async_.iv))
      const response = { screen: 'X', data: {} }
      t.is(rt.crypto.encryptResponseSync(response, sync), await rt.crypto.encryptResponse(response, sync))
      const pkey = await rt.crypto.loadPrivateKey(pywaPem, { passphrase: pywa.passphrase })
      const p = rt.crypto.decryptRequestSync(pywa.request, pkey)
      t.is(hex(p.aesKey), pywa.expected_aes_key_hex)
      t.is(rt.crypto.encryptResponseSync(pywa.response_plaintext, p), pywa.expected_encrypted_response)
      // Sync error paths are the same classes.
      t.throws(() => rt.crypto.decryptRequestSync('nope', key), { instanceOf: FlowRequestError })
      t.throws(() => rt.crypto.decryptRequestSync(buildRequest(JSON.stringify(ping), { pub: otherPublic }).body, key), {
        instanceOf: FlowDecryptionError,
      })
      t.throws(() => rt.crypto.decryptRequestSync(buildRequest('x').body, key), { instanceOf: FlowRequestError, message: /not UTF-8 JSON/ })
    })
  } else {
    test(`${rt.name}: the sync functions throw FlowBackendError ERR_FLOW_BACKEND_UNSUPPORTED`, async (t) => {
      const key = (await keysReady)[rt.name]
      t.is(rt.backend.decryptRequestSync, undefined)
      t.is(rt.backend.encryptResponseSync, undefined)
      t.is(rt.backend.createMediaStream, undefined)
      const r = buildRequest(JSON.stringify(ping))
      const e1 = t.throws(() => rt.crypto.decryptRequestSync(r.body, key), { instanceOf: FlowBackendError })
      t.is(e1.code, 'ERR_FLOW_BACKEND_UNSUPPORTED')
      t.is(e1.status, 500)
      const e2 = t.throws(() => rt.crypto.encryptResponseSync({}, { aesKey: r.aesKey, iv: r.iv }), { instanceOf: FlowBackendError })
      t.is(e2.code, 'ERR_FLOW_BACKEND_UNSUPPORTED')
      t.regex(e2.message, /native backend/)
    })
  }
}

// ---------------------------------------------------------------- root entry

const execFileP = promisify(execFile)
const indexUrl = new URL('../dist/index.js', import.meta.url).href

function backendInChild(value) {
  const env = { ...process.env }
  if (value === undefined) delete env.WA_FLOWS_BACKEND
  else env.WA_FLOWS_BACKEND = value
  const script = `const m = await import(${JSON.stringify(indexUrl)}); process.stdout.write(m.getBackend())`
  return execFileP(process.execPath, ['--input-type=module', '-e', script], { env })
}

test('root entry: getBackend() is native when the addon is built', async (t) => {
  t.truthy(nativeBinding, 'the native addon is expected to be built in this checkout')
  const { getBackend } = await import('../dist/index.js')
  t.is(getBackend(), 'native')
  t.is((await backendInChild(undefined)).stdout, 'native')
})

test('root entry: WA_FLOWS_BACKEND forces the backend; a bogus value is an error', async (t) => {
  t.is((await backendInChild('webcrypto')).stdout, 'webcrypto')
  t.is((await backendInChild(' WebCrypto ')).stdout, 'webcrypto')
  t.is((await backendInChild('native')).stdout, 'native')
  const e = await t.throwsAsync(backendInChild('bogus'))
  t.not(e.code, 0)
  t.regex(e.stderr, /WA_FLOWS_BACKEND must be "native" or "webcrypto", got "bogus"/)
  t.regex(e.stderr, /ERR_FLOW_BACKEND_UNAVAILABLE/)
})

test('root entry: the forced WebCrypto backend decrypts the pywa vector', async (t) => {
  const script = `const m = await import(${JSON.stringify(indexUrl)});
    const v = ${JSON.stringify(pywa)};
    const key = await m.loadPrivateKey(${JSON.stringify(pywaPem)}, { passphrase: v.passphrase });
    const d = await m.decryptRequest(v.request, key);
    process.stdout.write(m.getBackend() + ' ' + (await d.encryptResponse(v.response_plaintext) === v.expected_encrypted_response));`
  const { stdout } = await execFileP(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, WA_FLOWS_BACKEND: 'webcrypto' },
  })
  t.is(stdout, 'webcrypto true')
})

// ---------------------------------------------------------------- media (one-shot; the full suite lives elsewhere)

const mediaMeta = JSON.parse(readFileSync(new URL('pywa/media.json', vectors), 'utf8')).encryption_metadata
const mediaFile = new Uint8Array(readFileSync(new URL('pywa/media_cdn_file.bin', vectors)))
const mediaPlain = new Uint8Array(readFileSync(new URL('pywa/media_plaintext.jpg', vectors)))
const bytes = (s) => new Uint8Array(Buffer.from(s, 'base64'))
const mediaKeys = {
  encryptionKey: bytes(mediaMeta.encryption_key),
  hmacKey: bytes(mediaMeta.hmac_key),
  iv: bytes(mediaMeta.iv),
  plaintextHash: bytes(mediaMeta.plaintext_hash),
  encryptedHash: bytes(mediaMeta.encrypted_hash),
}

for (const rt of runtimes) {
  test(`${rt.name}: pywa media vector decrypts to the expected JPEG`, async (t) => {
    const out = await rt.backend.decryptMedia(mediaFile, mediaKeys)
    t.is(out.length, 435)
    t.deepEqual(new Uint8Array(out), mediaPlain)
  })

  test(`${rt.name}: pywa media with one byte changed fails ERR_MEDIA_ENCRYPTED_HASH_MISMATCH`, async (t) => {
    const tampered = mediaFile.slice()
    tampered[100] ^= 0x01
    const e = await t.throwsAsync(rt.backend.decryptMedia(tampered, mediaKeys), { instanceOf: MediaIntegrityError })
    t.is(e.code, 'ERR_MEDIA_ENCRYPTED_HASH_MISMATCH')
  })
}
