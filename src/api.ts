// The request/response crypto API over one backend: key loading, request parsing and validation,
// decryption, response encryption. Both entry points (Node, WebCrypto) bind it to their backend.
import type { BackendKey, BackendName, CryptoBackend } from './backend/contract.js'
import { FlowKeyError, FlowRequestError } from './errors.js'
import type { FlowRequest } from './protocol.js'
import { decodeBase64, encodeBase64 } from './util/base64.js'
import { fromUtf8, isBytes, utf8 } from './util/bytes.js'
import { syncUnsupported } from './backend/errors.js'

const KEY = Symbol('whatsapp-flows.key')

/** A parsed RSA private key, bound to the backend that loaded it. */
export interface FlowPrivateKey {
  readonly bits: number
  readonly backend: BackendName
}

interface KeyInternals extends FlowPrivateKey {
  readonly [KEY]: BackendKey
}

export interface LoadPrivateKeyOptions {
  /** Opens encrypted keys (PKCS#8 PBES2 or legacy `Proc-Type: 4,ENCRYPTED` PEM). */
  passphrase?: string
}

/** What `encryptResponse` accepts: an object is JSON.stringify'd, a string or bytes are encrypted as given. */
export type FlowResponseInput = object | string | Uint8Array

export interface ResponseKeyMaterial {
  aesKey: Uint8Array
  /** The REQUEST's initial vector (the response uses it inverted). */
  iv: Uint8Array
}

export interface DecryptedFlowRequest<R = FlowRequest> extends ResponseKeyMaterial {
  request: R
  /** Encrypts a response to this request: base64 text for a text/plain 200 answer. */
  encryptResponse(response: FlowResponseInput): Promise<string>
}

/** Converts a key the backend cannot read (e.g. DES-EDE3 or legacy PEM on WebCrypto) into plain PKCS#8 DER. */
export type KeyConverter = (data: Uint8Array, passphrase: string | undefined) => Uint8Array | undefined

export interface FlowCrypto {
  loadPrivateKey(pem: string | Uint8Array, options?: LoadPrivateKeyOptions): Promise<FlowPrivateKey>
  decryptRequest<R = FlowRequest>(body: object | string | Uint8Array, key: FlowPrivateKey): Promise<DecryptedFlowRequest<R>>
  decryptRequestSync<R = FlowRequest>(body: object | string | Uint8Array, key: FlowPrivateKey): DecryptedFlowRequest<R>
  encryptResponse(response: FlowResponseInput, material: ResponseKeyMaterial): Promise<string>
  encryptResponseSync(response: FlowResponseInput, material: ResponseKeyMaterial): string
  getBackend(): BackendName
}

interface ParsedBody {
  encryptedAesKey: Uint8Array
  iv: Uint8Array
  data: Uint8Array
}

function field(obj: Record<string, unknown>, name: string): Uint8Array {
  const v = obj[name]
  if (typeof v !== 'string' || v.length === 0) throw new FlowRequestError(`The request body has no ${name}`)
  const bytes = decodeBase64(v)
  if (!bytes) throw new FlowRequestError(`${name} is not valid base64`)
  return bytes
}

/** Validates the encrypted body's shape; throws `FlowRequestError` (400). */
export function parseEncryptedBody(body: object | string | Uint8Array): ParsedBody {
  let obj: unknown = body
  if (typeof body === 'string' || isBytes(body)) {
    try {
      obj = JSON.parse(typeof body === 'string' ? body : fromUtf8(body))
    } catch (e) {
      throw new FlowRequestError('The request body is not JSON', { cause: e })
    }
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new FlowRequestError('The request body is not a JSON object')
  const o = obj as Record<string, unknown>
  const parsed = { encryptedAesKey: field(o, 'encrypted_aes_key'), iv: field(o, 'initial_vector'), data: field(o, 'encrypted_flow_data') }
  if (parsed.iv.length !== 16) throw new FlowRequestError(`initial_vector must be 16 bytes, got ${parsed.iv.length}`)
  return parsed
}

function parsePlaintext<R>(plaintext: Uint8Array): R {
  let request: unknown
  try {
    request = JSON.parse(fromUtf8(plaintext))
  } catch (e) {
    throw new FlowRequestError('The decrypted request is not UTF-8 JSON', { cause: e })
  }
  if (typeof request !== 'object' || request === null || typeof (request as { action?: unknown }).action !== 'string') {
    throw new FlowRequestError('The decrypted request has no action')
  }
  return request as R
}

function responseBytes(response: FlowResponseInput): Uint8Array {
  if (typeof response === 'string') return utf8(response)
  if (isBytes(response)) return response
  if (typeof response !== 'object' || response === null) throw new TypeError('response must be an object, a string or a Uint8Array')
  return utf8(JSON.stringify(response))
}

function checkMaterial(m: ResponseKeyMaterial): void {
  if (!isBytes(m?.aesKey) || m.aesKey.length !== 16) throw new TypeError('aesKey must be a 16-byte Uint8Array')
  if (!isBytes(m.iv) || m.iv.length !== 16) throw new TypeError('iv must be the 16-byte request IV')
}


export function createFlowCrypto(backend: CryptoBackend, convertKey?: KeyConverter): FlowCrypto {
  function backendKey(key: FlowPrivateKey): BackendKey {
    const k = (key as KeyInternals | undefined)?.[KEY]
    if (!k) throw new TypeError('key must be a FlowPrivateKey returned by loadPrivateKey()')
    if (key.backend !== backend.name) throw new TypeError(`this key was loaded by the ${key.backend} backend, not ${backend.name}`)
    return k
  }

  function wrap<R>(request: R, aesKey: Uint8Array, iv: Uint8Array): DecryptedFlowRequest<R> {
    return { request, aesKey, iv, encryptResponse: (response) => api.encryptResponse(response, { aesKey, iv }) }
  }

  const api: FlowCrypto = {
    async loadPrivateKey(pem, options = {}) {
      if (typeof pem !== 'string' && !isBytes(pem)) throw new TypeError('the private key must be a PEM string or a Uint8Array (PEM or DER)')
      const data = typeof pem === 'string' ? utf8(pem) : pem
      const passphrase = options.passphrase
      if (passphrase !== undefined && typeof passphrase !== 'string') throw new TypeError('passphrase must be a string')
      let key: BackendKey
      try {
        key = await backend.importKey(data, passphrase)
      } catch (e) {
        if (!(e instanceof FlowKeyError) || e.reason !== 'unsupported-format' || !convertKey) throw e
        const der = convertKey(data, passphrase)
        if (!der) throw e
        try {
          key = await backend.importKey(der, undefined)
        } finally {
          der.fill(0) // the unencrypted key material is not needed once imported
        }
      }
      const out: KeyInternals = { bits: key.bits, backend: backend.name, [KEY]: key }
      return Object.freeze(out)
    },

    async decryptRequest<R>(body: object | string | Uint8Array, key: FlowPrivateKey) {
      const k = backendKey(key)
      const p = parseEncryptedBody(body)
      // Backends report every crypto failure as FlowDecryptionError (421); anything else (an internal error) is
      // not a key problem and must not tell WhatsApp to re-fetch the public key, so it passes through (500).
      const { aesKey, plaintext } = await backend.decryptRequest(k, p.encryptedAesKey, p.iv, p.data)
      return wrap(parsePlaintext<R>(plaintext), aesKey, p.iv)
    },

    decryptRequestSync<R>(body: object | string | Uint8Array, key: FlowPrivateKey) {
      if (!backend.decryptRequestSync) throw syncUnsupported(backend.name)
      const k = backendKey(key)
      const p = parseEncryptedBody(body)
      const out = backend.decryptRequestSync(k, p.encryptedAesKey, p.iv, p.data)
      return wrap(parsePlaintext<R>(out.plaintext), out.aesKey, p.iv)
    },

    async encryptResponse(response, material) {
      checkMaterial(material)
      return encodeBase64(await backend.encryptResponse(material.aesKey, material.iv, responseBytes(response)))
    },

    encryptResponseSync(response, material) {
      if (!backend.encryptResponseSync) throw syncUnsupported(backend.name)
      checkMaterial(material)
      return encodeBase64(backend.encryptResponseSync(material.aesKey, material.iv, responseBytes(response)))
    },

    getBackend: () => backend.name,
  }
  return api
}
