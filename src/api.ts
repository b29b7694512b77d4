// The request/response crypto API over one backend: key loading, decryption, response encryption. Inputs are
// checked by validate.ts first; both entry points (Node, WebCrypto) bind the API to their backend.
import type { BackendKey, BackendName, CryptoBackend } from './backend/contract.js'
import { FlowBackendError, FlowKeyError, invalidArgument } from './errors.js'
import type { FlowRequest } from './protocol.js'
import { encodeBase64 } from './util/base64.js'
import { decryptedRequest, encryptedBody, privateKeyInput, responseBytes, responseMaterial } from './validate.js'

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

/** Thrown by sync calls on a backend without synchronous crypto. */
function syncUnsupported(backend: string): FlowBackendError {
  return new FlowBackendError(
    `Synchronous crypto needs the native backend; the ${backend} backend is in use. Use the async functions.`,
    FlowBackendError.codes.unsupported,
  )
}

export function createFlowCrypto(backend: CryptoBackend, convertKey?: KeyConverter): FlowCrypto {
  function backendKey(key: FlowPrivateKey): BackendKey {
    const k = (key as KeyInternals | undefined)?.[KEY]
    if (!k) throw invalidArgument('key must be a FlowPrivateKey returned by loadPrivateKey()')
    if (key.backend !== backend.name) throw invalidArgument(`this key was loaded by the ${key.backend} backend, not ${backend.name}`)
    return k
  }

  function wrap<R>(request: R, aesKey: Uint8Array, iv: Uint8Array): DecryptedFlowRequest<R> {
    return { request, aesKey, iv, encryptResponse: (response) => api.encryptResponse(response, { aesKey, iv }) }
  }

  const api: FlowCrypto = {
    async loadPrivateKey(pem, options = {}) {
      const { data, passphrase } = privateKeyInput(pem, options?.passphrase)
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
      const p = encryptedBody(body)
      // Backends report every crypto failure as FlowDecryptionError (421); anything else (an internal error) is
      // not a key problem and must not tell WhatsApp to re-fetch the public key, so it passes through (500).
      const { aesKey, plaintext } = await backend.decryptRequest(k, p.encryptedAesKey, p.iv, p.data)
      return wrap(decryptedRequest<R>(plaintext), aesKey, p.iv)
    },

    decryptRequestSync<R>(body: object | string | Uint8Array, key: FlowPrivateKey) {
      if (!backend.decryptRequestSync) throw syncUnsupported(backend.name)
      const k = backendKey(key)
      const p = encryptedBody(body)
      const out = backend.decryptRequestSync(k, p.encryptedAesKey, p.iv, p.data)
      return wrap(decryptedRequest<R>(out.plaintext), out.aesKey, p.iv)
    },

    async encryptResponse(response, material) {
      const { aesKey, iv } = responseMaterial(material)
      return encodeBase64(await backend.encryptResponse(aesKey, iv, responseBytes(response)))
    },

    encryptResponseSync(response, material) {
      if (!backend.encryptResponseSync) throw syncUnsupported(backend.name)
      const { aesKey, iv } = responseMaterial(material)
      return encodeBase64(backend.encryptResponseSync(aesKey, iv, responseBytes(response)))
    },

    getBackend: () => backend.name,
  }
  return api
}
