// decryptMediaBatch's scheduler: bounded concurrency, one result per item in input order, progress counts.
import { FlowError, MediaDownloadError } from '../errors.js'
import type { FlowMediaItem } from '../protocol.js'
import type { MediaBatchProgress, MediaBatchResult } from './types.js'

export const DEFAULT_CONCURRENCY = 4

export interface BatchRunOptions {
  concurrency?: number
  signal?: AbortSignal
  onProgress?: (progress: MediaBatchProgress) => void
  onItem?: (result: MediaBatchResult, index: number) => void
}

/**
 * Downloads one item to a file; `onBytes(n)` reports CDN bytes as they arrive, `onSize(n)` the file's declared size.
 * Resolves the final path.
 */
export type BatchWorker = (item: FlowMediaItem, onBytes: (n: number) => void, onSize: (n: number) => void) => Promise<string>

/** Any failure as a whatsapp-flows error (file-system errors become MediaDownloadError with the cause). */
export function asFlowError(e: unknown): FlowError {
  if (e instanceof FlowError) return e
  const msg = e instanceof Error ? e.message : String(e)
  return new MediaDownloadError(msg, undefined, { cause: e })
}

export async function runBatch(items: FlowMediaItem[], options: BatchRunOptions, work: BatchWorker): Promise<MediaBatchResult[]> {
  if (!Array.isArray(items)) throw new TypeError('items must be an array of media items')
  const limit = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY) || DEFAULT_CONCURRENCY)
  const progress: MediaBatchProgress = { done: 0, failed: 0, total: items.length, bytes: 0 }
  // Sizes for the byte-based estimate: the declared (or, once finished, downloaded) size of each sized item.
  const sizes = new Map<number, number>()
  let sizedBytes = 0
  const setSize = (index: number, bytes: number) => {
    sizedBytes += bytes - (sizes.get(index) ?? 0)
    sizes.set(index, bytes)
  }
  const report = () => {
    const unsized = items.length - sizes.size
    const expectedBytes = sizes.size === 0 ? undefined : Math.round(sizedBytes + (unsized * sizedBytes) / sizes.size)
    options.onProgress?.({
      ...progress,
      ...(expectedBytes === undefined ? {} : { expectedBytes: Math.max(expectedBytes, progress.bytes) }),
    })
  }
  const results: MediaBatchResult[] = new Array(items.length)
  let next = 0

  const runOne = async (index: number) => {
    const item = items[index]!
    const result: MediaBatchResult = {
      media_id: typeof item?.media_id === 'string' ? item.media_id : '',
      file_name: typeof item?.file_name === 'string' ? item.file_name : '',
    }
    let received = 0
    try {
      if (options.signal?.aborted) throw new MediaDownloadError('the batch was aborted', undefined, { cause: options.signal.reason })
      result.path = await work(
        item,
        (n) => {
          received += n
          progress.bytes += n
          report()
        },
        (n) => setSize(index, n),
      )
    } catch (e) {
      result.error = asFlowError(e)
      progress.failed++
    }
    // What it actually took (a failed item is done: it needs nothing more).
    setSize(index, received)
    progress.done++
    results[index] = result
    options.onItem?.(result, index)
    report()
  }
  const lane = async () => {
    while (next < items.length) await runOne(next++)
  }
  report()
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
  return results
}
