// The native backend: the Rust N-API addon. Async calls run on the addon's own thread pool; sync calls run
// inline. Native errors are mapped to whatsapp-flows error classes here, in one place.
import type { BackendKey, CryptoBackend, MediaKeyBytes, MediaStreamState } from './contract.js'
import { FlowDecryptionError, FlowError, FlowKeyError, FlowRequestError, MediaIntegrityError, type FlowKeyErrorReason, type MediaIntegrityErrorCode } from '../errors.js'
import type { NativeBinding } from '../node/loader.js'

interface NativeKey extends BackendKey {
  readonly handle: object
}

/** Maps an error thrown by the addon (`err.code` set by the Rust side) to a whatsapp-flows error. */
export function mapNativeError(e: unknown): unknown {
  if (e instanceof FlowError || !(e instanceof Error)) return e
  const code = (e as { code?: string }).code ?? ''
  if (code.startsWith('ERR_FLOW_KEY_INVALID')) return new FlowKeyError(e.message, (code.split(':')[1] ?? 'malformed') as FlowKeyErrorReason)
  if (code === 'ERR_FLOW_DECRYPTION_FAILED') return new FlowDecryptionError()
  if (code === 'ERR_FLOW_REQUEST_INVALID') return new FlowRequestError(e.message)
  if (code.startsWith('ERR_MEDIA_') && code !== 'ERR_MEDIA_STREAM_BUSY') return new MediaIntegrityError(e.message, code as MediaIntegrityErrorCode)
  return e
}

/** Responses up to this size are encrypted on the calling thread (AES-GCM runs at several GB/s). */
const INLINE_ENCRYPT_MAX = 64 * 1024

function rethrow(e: unknown): never {
  throw mapNativeError(e)
}

function handleOf(key: BackendKey): object {
  const handle = (key as NativeKey).handle
  if (!handle) throw new TypeError('this key was loaded by another backend')
  return handle
}

export function createNativeBackend(binding: NativeBinding): CryptoBackend & { binding: NativeBinding } {
  const mediaArgs = (k: MediaKeyBytes) => [k.encryptionKey, k.hmacKey, k.iv, k.plaintextHash, k.encryptedHash] as const
  return {
    name: 'native',
    binding,
    async importKey(data, passphrase) {
      try {
        const handle = binding.loadKey(data, passphrase)
        return { handle, bits: binding.keyBits(handle) } satisfies NativeKey
      } catch (e) {
        return rethrow(e)
      }
    },
    async decryptRequest(key, encryptedAesKey, iv, data) {
      const [aesKey, plaintext] = await binding.decryptRequest(handleOf(key), encryptedAesKey, iv, data).catch(rethrow)
      return { aesKey, plaintext }
    },
    decryptRequestSync(key, encryptedAesKey, iv, data) {
      try {
        const [aesKey, plaintext] = binding.decryptRequestSync(handleOf(key), encryptedAesKey, iv, data)
        return { aesKey, plaintext }
      } catch (e) {
        return rethrow(e)
      }
    },
    encryptResponse(aesKey, iv, plaintext) {
      // A response of a few KiB encrypts in microseconds: a trip through the thread pool costs more than the
      // work, so small ones run inline; large ones go off the JS thread.
      if (plaintext.length <= INLINE_ENCRYPT_MAX) {
        try {
          return Promise.resolve(binding.encryptResponseSync(aesKey, iv, plaintext))
        } catch (e) {
          return Promise.reject(mapNativeError(e))
        }
      }
      return binding.encryptResponse(aesKey, iv, plaintext).catch(rethrow)
    },
    encryptResponseSync(aesKey, iv, plaintext) {
      try {
        return binding.encryptResponseSync(aesKey, iv, plaintext)
      } catch (e) {
        return rethrow(e)
      }
    },
    decryptMedia(file, keys) {
      try {
        return binding.decryptMedia(file, ...mediaArgs(keys)).catch(rethrow)
      } catch (e) {
        return Promise.reject(mapNativeError(e))
      }
    },
    createMediaStream(keys): MediaStreamState {
      let handle: object
      try {
        handle = binding.mediaDecryptor(...mediaArgs(keys))
      } catch (e) {
        return rethrow(e)
      }
      return {
        update: (chunk) => binding.mediaUpdate(handle, chunk).catch(rethrow),
        final: () => binding.mediaFinal(handle).catch(rethrow),
      }
    },
  }
}
