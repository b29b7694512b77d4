// The native backend: the Rust addon (crates/flows-node). Async calls run on the addon's own thread pool; sync
// calls run inline. The addon's errors carry only `code` and `reason`; they become the package's error classes
// through the table in errors.ts, here in one place.
import type { BackendKey, CryptoBackend, MediaKeyBytes, MediaStreamState } from './contract.js'
import { FlowError, flowError, invalidArgument } from '../errors.js'
import type { NativeBinding } from '../node/loader.js'
import type { FlowKey } from '../node/native-binding.js'

interface NativeKey extends BackendKey {
  readonly handle: FlowKey
}

/** An error thrown by the addon (`code` and `reason` set by the Rust side) as a whatsapp-flows error. */
export function fromNative(e: unknown): unknown {
  if (e instanceof FlowError || !(e instanceof Error)) return e
  const { code, reason, detail } = e as { code?: unknown; reason?: unknown; detail?: unknown }
  if (typeof code !== 'string' || typeof reason !== 'string') return e
  return flowError(code, reason, typeof detail === 'string' ? detail : undefined, code === 'ERR_FLOW_DECRYPTION_FAILED' ? undefined : e)
}

/** Responses up to this size are encrypted on the calling thread (AES-GCM runs at several GB/s). */
const INLINE_ENCRYPT_MAX = 64 * 1024

function rethrow(e: unknown): never {
  throw fromNative(e)
}

/** Runs a native call; its synchronous throw becomes a rejection with the mapped error. */
function call<T>(f: () => Promise<T>): Promise<T> {
  try {
    return f().catch(rethrow)
  } catch (e) {
    return Promise.reject(fromNative(e))
  }
}

function handleOf(key: BackendKey): FlowKey {
  const handle = (key as Partial<NativeKey>).handle
  if (!handle) throw invalidArgument('this key was loaded by another backend')
  return handle
}

const mediaArgs = (k: MediaKeyBytes) => [k.encryptionKey, k.hmacKey, k.iv, k.plaintextHash, k.encryptedHash] as const

export function createNativeBackend(binding: NativeBinding): CryptoBackend {
  return {
    name: 'native',
    async importKey(data, passphrase) {
      try {
        const handle = binding.loadKey(data, passphrase)
        return { handle, bits: handle.bits } satisfies NativeKey
      } catch (e) {
        return rethrow(e)
      }
    },
    async decryptRequest(key, encryptedAesKey, iv, data) {
      const handle = handleOf(key)
      const [aesKey, plaintext] = await call(() => binding.decryptRequest(handle, encryptedAesKey, iv, data))
      return { aesKey, plaintext }
    },
    decryptRequestSync(key, encryptedAesKey, iv, data) {
      const handle = handleOf(key)
      try {
        const [aesKey, plaintext] = binding.decryptRequestSync(handle, encryptedAesKey, iv, data)
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
          return Promise.reject(fromNative(e))
        }
      }
      return call(() => binding.encryptResponse(aesKey, iv, plaintext))
    },
    encryptResponseSync(aesKey, iv, plaintext) {
      try {
        return binding.encryptResponseSync(aesKey, iv, plaintext)
      } catch (e) {
        return rethrow(e)
      }
    },
    decryptMedia(file, keys) {
      return call(() => binding.decryptMedia(file, ...mediaArgs(keys)))
    },
    createMediaStream(keys, mode = 'full'): MediaStreamState {
      let stream: ReturnType<NativeBinding['mediaDecryptor']>
      try {
        stream = binding.mediaDecryptor(mode, ...mediaArgs(keys))
      } catch (e) {
        return rethrow(e)
      }
      return {
        update: (chunk) => call(() => stream.update(chunk)),
        final: () => call(() => stream.final()),
      }
    },
  }
}
