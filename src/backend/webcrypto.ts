// The WebCrypto backend (Deno, Bun, Workers, browsers, or Node without the addon): globalThis.crypto.subtle only,
// async only, one-shot media. Inputs arrive checked (validate.ts); errors come from the same table as the native
// backend's, with the same codes and reasons.
import type { BackendKey, CryptoBackend, DecryptedBytes, MediaKeyBytes } from './contract.js'
import { FlowBackendError, flowError, invalidArgument } from '../errors.js'
import { concatBytes, flipIv, timingSafeEqual } from '../util/bytes.js'
import { bufferSource, importRsaPrivateKey } from './webcrypto-keys.js'

const AES_KEY_LEN = 16
const TAG_LEN = 16
const HMAC_TAG_LEN = 10
const BLOCK = 16
const MIN_MEDIA_LEN = BLOCK + HMAC_TAG_LEN

interface WebKey extends BackendKey {
  readonly cryptoKey: CryptoKey
}

function subtle(): SubtleCrypto {
  const s = (globalThis as { crypto?: Crypto }).crypto?.subtle
  if (!s) throw new FlowBackendError('globalThis.crypto.subtle is not available in this runtime', FlowBackendError.codes.unavailable)
  return s
}

function cryptoKeyOf(key: BackendKey): CryptoKey {
  const k = (key as Partial<WebKey> | undefined)?.cryptoKey
  if (!k) throw invalidArgument('this key was loaded by another backend')
  return k
}

function gcmKey(aesKey: Uint8Array, usage: KeyUsage): Promise<CryptoKey> {
  return subtle().importKey('raw', bufferSource(aesKey), 'AES-GCM', false, [usage])
}

/** One error for every decryption failure, without a cause (no oracle), as the native backend. */
const decryptionFailed = () => flowError('ERR_FLOW_DECRYPTION_FAILED', 'decryption-failed')

async function decryptRequest(key: BackendKey, encryptedAesKey: Uint8Array, iv: Uint8Array, data: Uint8Array): Promise<DecryptedBytes> {
  const rsaKey = cryptoKeyOf(key)
  const s = subtle()
  let aesKey: Uint8Array
  try {
    aesKey = new Uint8Array(await s.decrypt({ name: 'RSA-OAEP' }, rsaKey, bufferSource(encryptedAesKey)))
  } catch {
    throw decryptionFailed()
  }
  if (aesKey.length !== AES_KEY_LEN || data.length < TAG_LEN) {
    aesKey.fill(0)
    throw decryptionFailed()
  }
  try {
    const gcm = await gcmKey(aesKey, 'decrypt')
    const plaintext = new Uint8Array(
      await s.decrypt({ name: 'AES-GCM', iv: bufferSource(iv), tagLength: TAG_LEN * 8 }, gcm, bufferSource(data)),
    )
    return { aesKey, plaintext }
  } catch {
    aesKey.fill(0)
    throw decryptionFailed()
  }
}

async function encryptResponse(aesKey: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  const gcm = await gcmKey(aesKey, 'encrypt')
  return new Uint8Array(
    await subtle().encrypt({ name: 'AES-GCM', iv: bufferSource(flipIv(iv)), tagLength: TAG_LEN * 8 }, gcm, bufferSource(plaintext)),
  )
}

const mediaError = (code: string, reason: string, cause?: unknown) => flowError(code, reason, undefined, cause)

/**
 * One-shot verified media decryption: file hash, then HMAC, then AES-256-CBC (WebCrypto removes and checks the
 * PKCS#7 padding), then the plaintext hash. Nothing is returned unless every check passed.
 */
async function decryptMedia(cdnFile: Uint8Array, keys: MediaKeyBytes): Promise<Uint8Array> {
  if (cdnFile.length < MIN_MEDIA_LEN) throw mediaError('ERR_MEDIA_MALFORMED', 'file-too-short')
  const ctLen = cdnFile.length - HMAC_TAG_LEN
  if (ctLen % BLOCK !== 0) throw mediaError('ERR_MEDIA_MALFORMED', 'not-block-aligned')
  const s = subtle()
  const ct = cdnFile.subarray(0, ctLen)
  const tag = cdnFile.subarray(ctLen)

  const fileHash = new Uint8Array(await s.digest('SHA-256', bufferSource(cdnFile)))
  if (!timingSafeEqual(fileHash, keys.encryptedHash)) throw mediaError('ERR_MEDIA_ENCRYPTED_HASH_MISMATCH', 'encrypted-hash-mismatch')

  const hmacKey = await s.importKey('raw', bufferSource(keys.hmacKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = new Uint8Array(await s.sign('HMAC', hmacKey, bufferSource(concatBytes([keys.iv, ct]))))
  if (!timingSafeEqual(mac.subarray(0, HMAC_TAG_LEN), tag)) throw mediaError('ERR_MEDIA_HMAC_MISMATCH', 'hmac-mismatch')

  const aesKey = await s.importKey('raw', bufferSource(keys.encryptionKey), 'AES-CBC', false, ['decrypt'])
  let plaintext: Uint8Array
  try {
    plaintext = new Uint8Array(await s.decrypt({ name: 'AES-CBC', iv: bufferSource(keys.iv) }, aesKey, bufferSource(ct)))
  } catch (e) {
    throw mediaError('ERR_MEDIA_PADDING_INVALID', 'padding-invalid', e)
  }
  const ptHash = new Uint8Array(await s.digest('SHA-256', bufferSource(plaintext)))
  if (!timingSafeEqual(ptHash, keys.plaintextHash)) {
    plaintext.fill(0)
    throw mediaError('ERR_MEDIA_PLAINTEXT_HASH_MISMATCH', 'plaintext-hash-mismatch')
  }
  return plaintext
}

/** The WebCrypto backend. It has no synchronous calls and no media streaming (the API reports both clearly). */
export function createWebCryptoBackend(): CryptoBackend {
  return {
    name: 'webcrypto',
    async importKey(data, passphrase) {
      const { key, bits } = await importRsaPrivateKey(data, passphrase)
      return { cryptoKey: key, bits } satisfies WebKey
    },
    decryptRequest,
    encryptResponse,
    decryptMedia,
  }
}
