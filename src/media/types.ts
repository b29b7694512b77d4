// The media API's public types (decryptMedia, createMediaDecryptor, downloadMedia, decryptMediaBatch).
import type { FlowError } from '../errors.js'
import type { FlowMediaItem, MediaEncryptionMetadata } from '../protocol.js'

export interface DownloadMediaOptions {
  /**
   * Directory (an existing one, or a path ending in `/`: the file is named from `file_name`, made safe and
   * unique) or a file path (replaced if it exists). The file appears only after every check passed. Node entry only.
   */
  to?: string
  /** The fetch to use (default: the global fetch). */
  fetch?: typeof globalThis.fetch
  signal?: AbortSignal
  /** Time limit for the whole download, headers and body (default 120 000 ms; 0 = none). */
  timeoutMs?: number
  /** Size limit of the CDN file (default 100 MiB): a larger Content-Length fails at once, a longer body aborts. */
  maxBytes?: number
}

export interface MediaBatchProgress {
  /** Items finished, successfully or not. */
  done: number
  /** Of those, how many failed. */
  failed: number
  total: number
  /** CDN bytes downloaded so far (all items). */
  bytes: number
  /**
   * CDN bytes the whole batch is expected to download: the sizes known so far (Content-Length, or what a finished
   * item downloaded) plus, for each item not started yet, their mean. Undefined until one size is known.
   */
  expectedBytes?: number
}

export interface MediaBatchOptions extends Omit<DownloadMediaOptions, 'to'> {
  outDir: string
  /** Items processed at once (default 4). */
  concurrency?: number
  /** Called at the start, as bytes arrive and after each item. */
  onProgress?: (progress: MediaBatchProgress) => void
  /** Called when one item finished (its result, its index in `items`). */
  onItem?: (result: MediaBatchResult, index: number) => void
}

export interface MediaBatchResult {
  media_id: string
  file_name: string
  /** Where the verified file was written (absent on failure). */
  path?: string
  /** Why this item failed: MediaIntegrityError, MediaDownloadError (file-system errors too, with `cause`). */
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
  /** Downloads every item into `outDir` with bounded concurrency; one result per item, in input order. */
  decryptMediaBatch(items: FlowMediaItem[], options: MediaBatchOptions): Promise<MediaBatchResult[]>
}
