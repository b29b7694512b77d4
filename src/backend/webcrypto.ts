// The WebCrypto backend (Deno, Bun, Workers, browsers, or Node without the addon): globalThis.crypto.subtle only,
// async only, one-shot media. Errors match the native backend's classes, codes and messages.
import type { BackendKey, CryptoBackend, DecryptedBytes, MediaKeyBytes } from './contract.js'
import { FlowBackendError, FlowDecryptionError, FlowRequestError, MediaIntegrityError, type MediaIntegrityErrorCode } from '../errors.js'
import { concatBytes, flipIv, isBytes, timingSafeEqual } from '../util/bytes.js'
import { bufferSource, importRsaPrivateKey } from './webcrypto-keys.js'

const AES_KEY_LEN = 16
const IV_LEN = 16
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

function bytesArg(v: unknown, name: string): Uint8Array {
  if (!isBytes(v)) throw new TypeError(`${name} must be a Uint8Array`)
  return v
}

function cryptoKeyOf(key: BackendKey): CryptoKey {
  const k = (key as Partial<WebKey> | undefined)?.cryptoKey
  if (!k) throw new TypeError('this key was loaded by another backend')
  return k
}

function checkIv(iv: Uint8Array): void {
  if (iv.length !== IV_LEN) throw new FlowRequestError(`initial_vector must be ${IV_LEN} bytes, got ${iv.length}`)
}

function gcmKey(aesKey: Uint8Array, usage: KeyUsage): Promise<CryptoKey> {
  return subtle().importKey('raw', bufferSource(aesKey), 'AES-GCM', false, [usage])
}

async function decryptRequest(key: BackendKey, encryptedAesKey: Uint8Array, iv: Uint8Array, data: Uint8Array): Promise<DecryptedBytes> {
  const rsaKey = cryptoKeyOf(key)
  bytesArg(encryptedAesKey, 'encryptedAesKey')
  bytesArg(iv, 'iv')
  bytesArg(data, 'encryptedFlowData')
  checkIv(iv)
  const s = subtle()
  let aesKey: Uint8Array
  try {
    aesKey = new Uint8Array(await s.decrypt({ name: 'RSA-OAEP' }, rsaKey, bufferSource(encryptedAesKey)))
  } catch (e) {
    throw new FlowDecryptionError({ cause: e })
  }
  if (aesKey.length !== AES_KEY_LEN || data.length < TAG_LEN) {
    aesKey.fill(0)
    throw new FlowDecryptionError()
  }
  try {
    const gcm = await gcmKey(aesKey, 'decrypt')
    const plaintext = new Uint8Array(await s.decrypt({ name: 'AES-GCM', iv: bufferSource(iv), tagLength: TAG_LEN * 8 }, gcm, bufferSource(data)))
    return { aesKey, plaintext }
  } catch (e) {
    aesKey.fill(0)
    throw new FlowDecryptionError({ cause: e })
  }
}

async function encryptResponse(aesKey: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  bytesArg(aesKey, 'aesKey')
  bytesArg(iv, 'iv')
  bytesArg(plaintext, 'plaintext')
  checkIv(iv)
  if (aesKey.length !== AES_KEY_LEN) throw new FlowRequestError(`the AES key must be ${AES_KEY_LEN} bytes, got ${aesKey.length}`)
  const gcm = await gcmKey(aesKey, 'encrypt')
  return new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: bufferSource(flipIv(iv)), tagLength: TAG_LEN * 8 }, gcm, bufferSource(plaintext)))
}

const mediaError = (message: string, code: MediaIntegrityErrorCode, cause?: unknown) =>
  new MediaIntegrityError(message, code, cause === undefined ? undefined : { cause })

function checkMediaKeys(keys: MediaKeyBytes): void {
  if (typeof keys !== 'object' || keys === null) throw new TypeError('keys must be the decoded encryption_metadata')
  const fields = ['encryptionKey', 'hmacKey', 'iv', 'plaintextHash', 'encryptedHash'] as const
  for (const f of fields) bytesArg(keys[f], `keys.${f}`)
  if (keys.hmacKey.length === 0) throw mediaError('hmac_key is empty', 'ERR_MEDIA_MALFORMED')
  const fixed: [string, Uint8Array, number][] = [
    ['encryption_key', keys.encryptionKey, 32],
    ['iv', keys.iv, 16],
    ['plaintext_hash', keys.plaintextHash, 32],
    ['encrypted_hash', keys.encryptedHash, 32],
  ]
  for (const [name, v, n] of fixed) if (v.length !== n) throw mediaError(`${name} must be ${n} bytes, got ${v.length}`, 'ERR_MEDIA_MALFORMED')
}

/**
 * One-shot verified media decryption: file hash, then HMAC, then AES-256-CBC (WebCrypto removes and checks the
 * PKCS#7 padding), then the plaintext hash. Nothing is returned unless every check passed.
 */
async function decryptMedia(cdnFile: Uint8Array, keys: MediaKeyBytes): Promise<Uint8Array> {
  bytesArg(cdnFile, 'cdnFile')
  checkMediaKeys(keys)
  if (cdnFile.length < MIN_MEDIA_LEN) {
    throw mediaError(`the file has ${cdnFile.length} bytes; at least ${MIN_MEDIA_LEN} are needed`, 'ERR_MEDIA_MALFORMED')
  }
  const ctLen = cdnFile.length - HMAC_TAG_LEN
  if (ctLen % BLOCK !== 0) throw mediaError('the ciphertext length is not a multiple of 16', 'ERR_MEDIA_MALFORMED')
  const s = subtle()
  const ct = cdnFile.subarray(0, ctLen)
  const tag = cdnFile.subarray(ctLen)

  const fileHash = new Uint8Array(await s.digest('SHA-256', bufferSource(cdnFile)))
  if (!timingSafeEqual(fileHash, keys.encryptedHash)) throw mediaError('the file does not match encrypted_hash', 'ERR_MEDIA_ENCRYPTED_HASH_MISMATCH')

  const hmacKey = await s.importKey('raw', bufferSource(keys.hmacKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = new Uint8Array(await s.sign('HMAC', hmacKey, bufferSource(concatBytes([keys.iv, ct]))))
  if (!timingSafeEqual(mac.subarray(0, HMAC_TAG_LEN), tag)) throw mediaError("the file's HMAC does not verify", 'ERR_MEDIA_HMAC_MISMATCH')

  const aesKey = await s.importKey('raw', bufferSource(keys.encryptionKey), 'AES-CBC', false, ['decrypt'])
  let plaintext: Uint8Array
  try {
    plaintext = new Uint8Array(await s.decrypt({ name: 'AES-CBC', iv: bufferSource(keys.iv) }, aesKey, bufferSource(ct)))
  } catch (e) {
    throw mediaError("the file's padding is invalid", 'ERR_MEDIA_PADDING_INVALID', e)
  }
  const ptHash = new Uint8Array(await s.digest('SHA-256', bufferSource(plaintext)))
  if (!timingSafeEqual(ptHash, keys.plaintextHash)) {
    plaintext.fill(0)
    throw mediaError('the decrypted file does not match plaintext_hash', 'ERR_MEDIA_PLAINTEXT_HASH_MISMATCH')
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
