// An independent node:crypto reference of the request/response crypto (RSA-OAEP-SHA256 + AES-128-GCM, response
// under the inverted IV), for tests that build requests where only one chosen part is wrong (a short IV, a cut tag,
// a key wrapped for another RSA key) or compare the backends' output byte for byte.
import { constants, createCipheriv, createDecipheriv, publicEncrypt, randomBytes } from 'node:crypto'

export const b64 = (bytes) => Buffer.from(bytes).toString('base64')
export const unb64 = (text) => Buffer.from(text, 'base64')

/** The response IV: every byte of the request IV inverted. */
export const flipIv = (iv) => Buffer.from(Buffer.from(iv).map((b) => b ^ 0xff))

/** RSA-OAEP-SHA256 of `aesKey` under `publicKey` (PEM, DER or KeyObject). Any length node:crypto accepts. */
export const wrapAesKey = (aesKey, publicKey) =>
  publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, aesKey)

/** AES-GCM (key size from the key: 16/24/32 bytes; any IV length) → ciphertext ‖ 16-byte tag. */
export function gcmEncrypt(key, iv, plaintext) {
  const c = createCipheriv(`aes-${key.length * 8}-gcm`, key, iv)
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()])
}

/** Opens ciphertext ‖ tag; throws when it does not authenticate. */
export function gcmDecrypt(key, iv, data) {
  const d = createDecipheriv(`aes-${key.length * 8}-gcm`, key, iv)
  d.setAuthTag(data.subarray(data.length - 16))
  return Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()])
}

/**
 * A request body as WhatsApp builds it. `plaintext`: an object (JSON.stringify'd), a string or bytes.
 * Options replace one part: `aesKey`, `iv` (any length), `wrappedKey` (the AES key that is RSA-wrapped, if not
 * `aesKey`), `publicKey`. Returns { aesKey, iv, data, wrapped, body, json } (body: the three base64 fields,
 * json: the body serialised).
 */
export function sealWithNodeCrypto(plaintext, { publicKey, aesKey = randomBytes(16), iv = randomBytes(16), wrappedKey = aesKey } = {}) {
  if (!publicKey) throw new TypeError('publicKey is required')
  const bytes =
    typeof plaintext === 'string' || plaintext instanceof Uint8Array ? Buffer.from(plaintext) : Buffer.from(JSON.stringify(plaintext))
  const data = gcmEncrypt(Buffer.from(aesKey), Buffer.from(iv), bytes)
  const wrapped = wrapAesKey(Buffer.from(wrappedKey), publicKey)
  const body = { encrypted_flow_data: b64(data), encrypted_aes_key: b64(wrapped), initial_vector: b64(iv) }
  return { aesKey: Buffer.from(aesKey), iv: Buffer.from(iv), data, wrapped, body, json: JSON.stringify(body) }
}

/** The reference response ciphertext (base64) for `plaintext` under the request's key and inverted IV. */
export const referenceResponse = (aesKey, requestIv, plaintext) =>
  b64(
    gcmEncrypt(
      Buffer.from(aesKey),
      flipIv(requestIv),
      typeof plaintext === 'string' || plaintext instanceof Uint8Array ? Buffer.from(plaintext) : Buffer.from(JSON.stringify(plaintext)),
    ),
  )

/** Opens a 200 answer (base64 text) to a request sealed with `aesKey`/`requestIv`; returns the parsed JSON. */
export const openResponse = (aesKey, requestIv, text) =>
  JSON.parse(gcmDecrypt(Buffer.from(aesKey), flipIv(requestIv), unb64(text)).toString('utf8'))
