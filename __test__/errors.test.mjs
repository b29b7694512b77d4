// One error table for every backend: the same bad inputs on native and WebCrypto give the same class, code, reason
// and message; the table maps each code to its class and HTTP status; native errors travel as properties only.
import { constants, createCipheriv, generateKeyPairSync, publicEncrypt, randomBytes } from 'node:crypto'
import test from 'ava'

import {
  flowError,
  FlowDecryptionError,
  FlowError,
  FlowInternalError,
  FlowKeyError,
  FlowRequestError,
  MediaIntegrityError,
} from '../dist/errors.js'
import { runtimes } from './helpers/backends.mjs'
import { encryptMedia, tamperHmac, testBytes } from './helpers/media-fixtures.mjs'

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' })
const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' })
const b64 = (b) => Buffer.from(b).toString('base64')

/** A request sealed like WhatsApp, with optional damage. */
function request({
  payload = '{"version":"3.0","action":"ping"}',
  key = publicKey,
  ivLength = 16,
  flipTag = false,
  aesKeyLength = 16,
} = {}) {
  const aesKey = randomBytes(aesKeyLength)
  const iv = randomBytes(ivLength)
  const c = createCipheriv('aes-128-gcm', randomBytes(16), randomBytes(16))
  let data = Buffer.concat([c.update(payload), c.final(), c.getAuthTag()])
  if (aesKeyLength === 16 && ivLength === 16) {
    const g = createCipheriv('aes-128-gcm', aesKey, iv)
    data = Buffer.concat([g.update(payload), g.final(), g.getAuthTag()])
  }
  if (flipTag) data[data.length - 1] ^= 1
  const wrapped = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, aesKey)
  return { encrypted_flow_data: b64(data), encrypted_aes_key: b64(wrapped), initial_vector: b64(iv) }
}

const good = encryptMedia(testBytes(3000))
const cases = {
  'request encrypted for another key': (rt, key) => rt.crypto.decryptRequest(request({ key: other.publicKey }), key),
  'GCM tag flipped': (rt, key) => rt.crypto.decryptRequest(request({ flipTag: true }), key),
  'wrapped AES key of 32 bytes': (rt, key) => rt.crypto.decryptRequest(request({ aesKeyLength: 32 }), key),
  'IV of 12 bytes': (rt, key) => rt.crypto.decryptRequest(request({ ivLength: 12 }), key),
  'body not JSON': (rt, key) => rt.crypto.decryptRequest('{nope', key),
  'field missing': (rt, key) => rt.crypto.decryptRequest({ encrypted_flow_data: 'AA==', initial_vector: 'AA==' }, key),
  'field not base64': (rt, key) => rt.crypto.decryptRequest({ ...request(), encrypted_aes_key: 'not base64!' }, key),
  'plaintext not JSON': (rt, key) => rt.crypto.decryptRequest(request({ payload: 'plain text' }), key),
  'plaintext without action': (rt, key) => rt.crypto.decryptRequest(request({ payload: '{"version":"3.0"}' }), key),
  'key: garbage': (rt) => rt.crypto.loadPrivateKey('garbage'),
  'key: empty': (rt) => rt.crypto.loadPrivateKey(''),
  'key: RSA-1024': (rt) => rt.crypto.loadPrivateKey(small),
  'key: EC': (rt) => rt.crypto.loadPrivateKey(ec),
  'key: public': (rt) => rt.crypto.loadPrivateKey(publicKey.export({ type: 'spki', format: 'pem' })),
  'key: encrypted without passphrase': (rt) =>
    rt.crypto.loadPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'p' })),
  'key: wrong passphrase': (rt) =>
    rt.crypto.loadPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'p' }), {
      passphrase: 'q',
    }),
  'key: no private key in PEM': (rt) => rt.crypto.loadPrivateKey('-----BEGIN SOMETHING-----\nAAAA\n-----END SOMETHING-----\n'),
  'media: HMAC tampered': (rt) => rt.backend.decryptMedia(tamperHmac(good).cdnFile, keysOf(tamperHmac(good).metadata)),
  'media: file hash': (rt) =>
    rt.backend.decryptMedia(Buffer.concat([good.cdnFile.subarray(0, -1), Buffer.of(good.cdnFile.at(-1) ^ 1)]), keysOf(good.metadata)),
  'media: too short': (rt) => rt.backend.decryptMedia(good.cdnFile.subarray(0, 20), keysOf(good.metadata)),
  'media: not block aligned': (rt) => rt.backend.decryptMedia(good.cdnFile.subarray(1), keysOf(good.metadata)),
}

function keysOf(meta) {
  const d = (s) => new Uint8Array(Buffer.from(s, 'base64'))
  return {
    encryptionKey: d(meta.encryption_key),
    hmacKey: d(meta.hmac_key),
    iv: d(meta.iv),
    plaintextHash: d(meta.plaintext_hash),
    encryptedHash: d(meta.encrypted_hash),
  }
}

test('the same bad inputs give the same class, code, reason and message on every backend', async (t) => {
  t.true(runtimes.length >= 2, 'native and WebCrypto both run')
  const keys = await Promise.all(runtimes.map((rt) => rt.crypto.loadPrivateKey(pem)))
  for (const [name, run] of Object.entries(cases)) {
    const seen = []
    for (const [i, rt] of runtimes.entries()) {
      const e = await run(rt, keys[i]).then(
        () => undefined,
        (err) => err,
      )
      t.true(e instanceof FlowError, `${name} on ${rt.name}: ${e}`)
      seen.push({ class: e?.constructor.name, code: e?.code, reason: e?.reason, status: e?.status, message: e?.message })
    }
    for (const s of seen.slice(1)) t.deepEqual(s, seen[0], name)
  }
})

test('decryption failures are one error without cause, whatever failed (no oracle)', async (t) => {
  for (const rt of runtimes) {
    const key = await rt.crypto.loadPrivateKey(pem)
    for (const name of ['request encrypted for another key', 'GCM tag flipped', 'wrapped AES key of 32 bytes']) {
      const e = await t.throwsAsync(cases[name](rt, key), { instanceOf: FlowDecryptionError })
      t.is(e.message, 'Could not decrypt the request')
      t.is(e.reason, 'decryption-failed')
      t.is(e.cause, undefined, `${rt.name}: ${name}`)
    }
  }
})

test('the table: class and status per code; unknown codes become FlowInternalError', (t) => {
  const expect = [
    ['ERR_FLOW_REQUEST_INVALID', 'field-missing', FlowRequestError, 400],
    ['ERR_FLOW_DECRYPTION_FAILED', 'decryption-failed', FlowDecryptionError, 421],
    ['ERR_FLOW_KEY_INVALID', 'too-small', FlowKeyError, 500],
    ['ERR_FLOW_INTERNAL', 'panic', FlowInternalError, 500],
    ['ERR_MEDIA_HMAC_MISMATCH', 'hmac-mismatch', MediaIntegrityError, 500],
    ['ERR_MEDIA_MALFORMED', 'file-too-short', MediaIntegrityError, 500],
  ]
  for (const [code, reason, cls, status] of expect) {
    const e = flowError(code, reason)
    t.true(e instanceof cls, code)
    t.is(e.code, code)
    t.is(e.reason, reason)
    t.is(e.status, status)
    t.true(e.message.length > 0)
  }
  t.regex(flowError('ERR_FLOW_KEY_INVALID', 'too-small', '1024').message, /has 1024 bits/)
  t.is(flowError('ERR_FLOW_REQUEST_INVALID', 'field-missing', 'initial_vector').message, 'The request body has no initial_vector')
  const unknown = flowError('ERR_SOMETHING_NEW', 'x')
  t.true(unknown instanceof FlowInternalError)
  t.is(unknown.reason, 'ERR_SOMETHING_NEW')
})
