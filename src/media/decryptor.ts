// createMediaDecryptor: the streaming decryptor as a Web TransformStream (portable; no node: imports).
import type { CryptoBackend } from '../backend/contract.js'
import type { MediaEncryptionMetadata } from '../protocol.js'
import { asBytes } from '../util/bytes.js'
import { mediaKeys } from '../validate.js'
import { createMediaPipeline } from './pipeline.js'

/**
 * A TransformStream from CDN-file bytes to plaintext. On the native backend plaintext flows out as it is
 * decrypted and is trustworthy only once the stream has ended without error (the checks run at the end and
 * error the stream). On a backend without streaming (WebCrypto) the whole input is buffered and decrypted,
 * verified, at flush. Bad metadata throws `MediaIntegrityError` (ERR_MEDIA_MALFORMED) right away.
 */
export function createWebMediaDecryptor(
  backend: CryptoBackend,
  metadata: MediaEncryptionMetadata,
): TransformStream<Uint8Array, Uint8Array> {
  const pipeline = createMediaPipeline(backend, mediaKeys(metadata))
  return new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      for (const out of await pipeline.push(asBytes(chunk))) controller.enqueue(out)
    },
    async flush(controller) {
      for (const out of await pipeline.end()) controller.enqueue(out)
    },
  })
}
