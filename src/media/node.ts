// PLACEHOLDER — being replaced by the media implementation (bindMedia).
import type { Runtime } from '../runtime.js'
import type { MediaApi } from './types.js'

export function bindMedia(_runtime: Runtime): MediaApi {
  const missing = (): never => {
    throw new Error('media is not implemented yet')
  }
  return { decryptMedia: missing, createMediaDecryptor: missing, downloadMedia: missing, decryptMediaBatch: missing } as unknown as MediaApi
}
