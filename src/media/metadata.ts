// Decodes and validates a media item's `encryption_metadata` (base64 fields) into the backend's key bytes.
import type { MediaKeyBytes } from '../backend/contract.js'
import { MediaIntegrityError } from '../errors.js'
import type { MediaEncryptionMetadata } from '../protocol.js'
import { decodeBase64 } from '../util/base64.js'

const FIELDS = [
  ['encryption_key', 'encryptionKey', 32],
  ['hmac_key', 'hmacKey', 0],
  ['iv', 'iv', 16],
  ['plaintext_hash', 'plaintextHash', 32],
  ['encrypted_hash', 'encryptedHash', 32],
] as const

/**
 * Base64-decodes every field and checks the lengths (AES-256 key 32 bytes, IV 16, hashes 32, HMAC key non-empty).
 * Throws `MediaIntegrityError` ERR_MEDIA_MALFORMED naming the field (never its value).
 */
export function decodeMediaMetadata(metadata: MediaEncryptionMetadata): MediaKeyBytes {
  if (metadata === null || typeof metadata !== 'object') {
    throw new MediaIntegrityError('encryption_metadata must be an object', 'ERR_MEDIA_MALFORMED')
  }
  const out: Partial<Record<keyof MediaKeyBytes, Uint8Array>> = {}
  for (const [field, key, length] of FIELDS) {
    const text = (metadata as unknown as Record<string, unknown>)[field]
    const bytes = typeof text === 'string' ? decodeBase64(text) : undefined
    if (!bytes) throw new MediaIntegrityError(`encryption_metadata.${field} is missing or not base64`, 'ERR_MEDIA_MALFORMED')
    if (length === 0 ? bytes.length === 0 : bytes.length !== length) {
      const want = length === 0 ? 'non-empty' : `${length} bytes`
      throw new MediaIntegrityError(`encryption_metadata.${field} must be ${want}, got ${bytes.length} bytes`, 'ERR_MEDIA_MALFORMED')
    }
    out[key] = bytes
  }
  return out as MediaKeyBytes
}
