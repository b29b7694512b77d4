// Node-only: the streaming decryptor as a node:stream Transform (same semantics as the Web TransformStream).
import { Transform } from 'node:stream'

import type { CryptoBackend } from '../backend/contract.js'
import type { MediaEncryptionMetadata } from '../protocol.js'
import { mediaKeys } from '../validate.js'
import { createMediaPipeline } from './pipeline.js'

/** Plaintext is trustworthy only if the stream ends without an 'error' event (checks run at the end). */
export function createNodeMediaDecryptor(backend: CryptoBackend, metadata: MediaEncryptionMetadata): Transform {
  const pipeline = createMediaPipeline(backend, mediaKeys(metadata))
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      pipeline.push(chunk).then(
        (parts) => {
          for (const p of parts) this.push(p)
          callback()
        },
        (e) => callback(e),
      )
    },
    flush(callback) {
      pipeline.end().then(
        (parts) => {
          for (const p of parts) this.push(p)
          callback()
        },
        (e) => callback(e),
      )
    },
  })
}
