// Input validation at the edge, once, before any backend runs: argument types (TypeError, ERR_INVALID_ARG_TYPE),
// the encrypted request body's shape, base64 and IV length (FlowRequestError), the decrypted request, the response
// key material, private key input and media metadata. Backends receive checked bytes and only compute.
import type { MediaKeyBytes } from './backend/contract.js'
import { flowError, invalidArgument } from './errors.js'
import type { MediaEncryptionMetadata } from './protocol.js'
import { decodeBase64 } from './util/base64.js'
import { fromUtf8, isBytes, utf8 } from './util/bytes.js'

export const AES_KEY_BYTES = 16
export const IV_BYTES = 16

/**
 * True for a view of a transferred (detached) ArrayBuffer: it reads as empty, and encrypting or hashing "nothing"
 * instead of the caller's data must not pass silently. Only empty views are probed (a detached buffer cannot back
 * a new view).
 */
function isDetached(v: Uint8Array): boolean {
  if (v.byteLength !== 0) return false
  const detached = (v.buffer as { detached?: unknown }).detached
  if (typeof detached === 'boolean') return detached
  try {
    new Uint8Array(v.buffer)
    return false
  } catch {
    return true
  }
}

/** A Uint8Array argument (any realm, not detached), or a TypeError naming it. */
export function bytesArg(value: unknown, name: string): Uint8Array {
  if (!isBytes(value)) throw invalidArgument(`${name} must be a Uint8Array`)
  if (isDetached(value)) throw invalidArgument(`${name} is backed by a detached ArrayBuffer`)
  return value
}

export interface EncryptedParts {
  encryptedAesKey: Uint8Array
  iv: Uint8Array
  data: Uint8Array
}

const requestError = (reason: string, detail?: string, cause?: unknown) => flowError('ERR_FLOW_REQUEST_INVALID', reason, detail, cause)

function base64Field(obj: Record<string, unknown>, name: string): Uint8Array {
  const v = obj[name]
  if (typeof v !== 'string' || v.length === 0) throw requestError('field-missing', name)
  const bytes = decodeBase64(v)
  if (!bytes) throw requestError('field-not-base64', name)
  return bytes
}

/** The encrypted body WhatsApp POSTs, as bytes: JSON object, three base64 fields, a 16-byte IV. → FlowRequestError */
export function encryptedBody(body: unknown): EncryptedParts {
  let obj: unknown = body
  if (typeof body === 'string' || isBytes(body)) {
    try {
      obj = JSON.parse(typeof body === 'string' ? body : fromUtf8(bytesArg(body, 'the request body')))
    } catch (e) {
      throw requestError('body-not-json', undefined, e)
    }
  } else if (typeof body !== 'object' || body === null) {
    throw invalidArgument('the request body must be the raw body (string or Uint8Array) or its parsed JSON object')
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw requestError('body-not-object')
  const o = obj as Record<string, unknown>
  const parts = {
    encryptedAesKey: base64Field(o, 'encrypted_aes_key'),
    iv: base64Field(o, 'initial_vector'),
    data: base64Field(o, 'encrypted_flow_data'),
  }
  if (parts.iv.length !== IV_BYTES) throw requestError('iv-length', String(parts.iv.length))
  return parts
}

/** The decrypted request: UTF-8 JSON with a string `action`. → FlowRequestError */
export function decryptedRequest<R>(plaintext: Uint8Array): R {
  let request: unknown
  try {
    request = JSON.parse(fromUtf8(plaintext))
  } catch (e) {
    throw requestError('plaintext-not-json', undefined, e)
  }
  if (typeof request !== 'object' || request === null || typeof (request as { action?: unknown }).action !== 'string') {
    throw requestError('no-action')
  }
  return request as R
}

/** The key material `encryptResponse` takes: a 16-byte AES key and the 16-byte request IV. → TypeError */
export function responseMaterial(m: unknown): { aesKey: Uint8Array; iv: Uint8Array } {
  const { aesKey, iv } = (m ?? {}) as { aesKey?: unknown; iv?: unknown }
  if (!isBytes(aesKey) || aesKey.length !== AES_KEY_BYTES) throw invalidArgument('aesKey must be a 16-byte Uint8Array')
  if (!isBytes(iv) || iv.length !== IV_BYTES) throw invalidArgument('iv must be the 16-byte request IV (a Uint8Array)')
  return { aesKey, iv }
}

/** A response body as bytes: a string or bytes as given, an object JSON.stringify'd. → TypeError */
export function responseBytes(response: unknown): Uint8Array {
  if (typeof response === 'string') return utf8(response)
  if (isBytes(response)) return bytesArg(response, 'response')
  if (typeof response !== 'object' || response === null) throw invalidArgument('response must be an object, a string or a Uint8Array')
  return utf8(JSON.stringify(response))
}

/**
 * True for text that is a file path rather than key material: no PEM BEGIN line, one line, shorter than any RSA-2048
 * key in base64 (1 KiB), and a path separator or a key file extension. A path given where PEM text belongs would
 * otherwise only fail as `malformed`.
 */
export function looksLikePath(text: string): boolean {
  const s = text.trim()
  if (s === '' || s.includes('-----BEGIN') || s.length >= 1024 || /[\r\n]/.test(s)) return false
  return /[\\/]/.test(s) || /\.(pem|key|der|p8|pkcs8)$/i.test(s)
}

/** Private key input: PEM text or PEM/DER bytes, not empty and not a file path; the passphrase a string if given. */
export function privateKeyInput(pem: unknown, passphrase: unknown): { data: Uint8Array; passphrase: string | undefined } {
  if (typeof pem !== 'string' && !isBytes(pem)) {
    const got = pem === undefined ? 'undefined' : pem === null ? 'null' : typeof pem
    throw invalidArgument(`the private key must be a PEM string or a Uint8Array (PEM or DER); got ${got}`)
  }
  if (passphrase !== undefined && typeof passphrase !== 'string') throw invalidArgument('passphrase must be a string')
  if (typeof pem === 'string' && looksLikePath(pem)) throw flowError('ERR_FLOW_KEY_INVALID', 'looks-like-path')
  const data = typeof pem === 'string' ? utf8(pem) : bytesArg(pem, 'the private key')
  if (data.length === 0) throw flowError('ERR_FLOW_KEY_INVALID', 'malformed', 'empty')
  return { data, passphrase }
}

const MEDIA_FIELDS = [
  ['encryption_key', 'encryptionKey', 32],
  ['hmac_key', 'hmacKey', 0],
  ['iv', 'iv', 16],
  ['plaintext_hash', 'plaintextHash', 32],
  ['encrypted_hash', 'encryptedHash', 32],
] as const

/**
 * A media item's `encryption_metadata`, base64-decoded and length-checked (AES-256 key 32 bytes, IV 16, hashes 32,
 * HMAC key non-empty). → MediaIntegrityError ERR_MEDIA_MALFORMED naming the field (never its value).
 */
export function mediaKeys(metadata: MediaEncryptionMetadata | unknown): MediaKeyBytes {
  if (metadata === null || typeof metadata !== 'object') throw flowError('ERR_MEDIA_MALFORMED', 'metadata-not-object')
  const out: Partial<Record<keyof MediaKeyBytes, Uint8Array>> = {}
  for (const [field, key, length] of MEDIA_FIELDS) {
    const text = (metadata as Record<string, unknown>)[field]
    const bytes = typeof text === 'string' ? decodeBase64(text) : undefined
    if (!bytes) throw flowError('ERR_MEDIA_MALFORMED', 'field-missing', field)
    if (length === 0 ? bytes.length === 0 : bytes.length !== length) throw flowError('ERR_MEDIA_MALFORMED', 'field-length', field)
    out[key] = bytes
  }
  return out as MediaKeyBytes
}
