// The portable half of the media API: decryptMedia, the Web-stream decryptor and downloads into memory.
import { MediaDownloadError } from '../errors.js'
import type { FlowMediaItem, MediaEncryptionMetadata } from '../protocol.js'
import type { Runtime } from '../runtime.js'
import { asBytes } from '../util/bytes.js'
import { createWebMediaDecryptor } from './decryptor.js'
import { DEFAULT_MAX_BYTES, fetchMediaBody, type FetchLimits } from './fetch.js'
import { mediaKeys } from '../validate.js'

export interface MediaCore {
  decryptMedia(cdnFile: Uint8Array, metadata: MediaEncryptionMetadata): Promise<Uint8Array>
  createMediaDecryptor(metadata: MediaEncryptionMetadata): TransformStream<Uint8Array, Uint8Array>
  /** Downloads the whole CDN file, then decrypts it in one verified call. */
  downloadMediaBytes(media: FlowMediaItem, limits?: FetchLimits): Promise<Uint8Array>
}

/** Checks the item's shape before any network access. */
export function checkMediaItem(media: FlowMediaItem): void {
  if (media === null || typeof media !== 'object') throw new MediaDownloadError('the media item must be an object')
  if (typeof media.cdn_url !== 'string') throw new MediaDownloadError('the media item has no cdn_url')
}

export function bindMediaCore(runtime: Runtime): MediaCore {
  const { backend } = runtime
  return {
    async decryptMedia(cdnFile, metadata) {
      const keys = mediaKeys(metadata)
      return backend.decryptMedia(asBytes(cdnFile), keys)
    },
    createMediaDecryptor(metadata) {
      return createWebMediaDecryptor(backend, metadata)
    },
    async downloadMediaBytes(media, limits = {}) {
      checkMediaItem(media)
      const keys = mediaKeys(media.encryption_metadata)
      const parts: Uint8Array[] = []
      let size = 0
      await fetchMediaBody(media.cdn_url, { ...limits, maxBytes: limits.maxBytes ?? DEFAULT_MAX_BYTES }, (chunk) => {
        parts.push(chunk)
        size += chunk.length
      })
      let file: Uint8Array
      if (parts.length === 1) file = parts[0]!
      else {
        file = new Uint8Array(size)
        let off = 0
        for (const p of parts) {
          file.set(p, off)
          off += p.length
        }
        parts.length = 0
      }
      return backend.decryptMedia(file, keys)
    },
  }
}
