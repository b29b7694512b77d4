// The media API's public types (decryptMedia, createMediaDecryptor, downloadMedia, decryptMediaBatch).
import type { FlowError } from '../errors.js'
import type { FlowMediaItem, MediaEncryptionMetadata } from '../protocol.js'

export interface DownloadMediaOptions {
  /** Directory or file path; the file appears only after every check passed. Node entry only. */
  to?: string
  fetch?: typeof globalThis.fetch
  signal?: AbortSignal
  timeoutMs?: number
  maxBytes?: number
}

export interface MediaBatchProgress {
  done: number
  failed: number
  total: number
  bytes: number
}

export interface MediaBatchOptions extends Omit<DownloadMediaOptions, 'to'> {
  outDir: string
  concurrency?: number
  onProgress?: (progress: MediaBatchProgress) => void
}

export interface MediaBatchResult {
  media_id: string
  file_name: string
  path?: string
  error?: FlowError
}

export interface MediaApi {
  /** Verified plaintext of a whole CDN file. */
  decryptMedia(cdnFile: Uint8Array, metadata: MediaEncryptionMetadata): Promise<Uint8Array>
  /** Streaming decryptor; output is trustworthy only when the stream ends without error. */
  createMediaDecryptor(metadata: MediaEncryptionMetadata): TransformStream<Uint8Array, Uint8Array>
  /** Downloads and verifies: with `to`, resolves the final path; without, the plaintext bytes. */
  downloadMedia(media: FlowMediaItem, options: DownloadMediaOptions & { to: string }): Promise<string>
  downloadMedia(media: FlowMediaItem, options?: DownloadMediaOptions): Promise<Uint8Array>
  decryptMediaBatch(items: FlowMediaItem[], options: MediaBatchOptions): Promise<MediaBatchResult[]>
}
