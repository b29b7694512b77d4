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

/** Downloads one item to a file; `onBytes(n)` reports CDN bytes as they arrive. Resolves the final path. */
export type BatchWorker = (item: FlowMediaItem, onBytes: (n: number) => void) => Promise<string>

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
  const report = () => options.onProgress?.({ ...progress })
  const results: MediaBatchResult[] = new Array(items.length)
  let next = 0

  const runOne = async (index: number) => {
    const item = items[index]!
    const result: MediaBatchResult = {
      media_id: typeof item?.media_id === 'string' ? item.media_id : '',
      file_name: typeof item?.file_name === 'string' ? item.file_name : '',
    }
    try {
      if (options.signal?.aborted) throw new MediaDownloadError('the batch was aborted', undefined, { cause: options.signal.reason })
      result.path = await work(item, (n) => {
        progress.bytes += n
        report()
      })
    } catch (e) {
      result.error = asFlowError(e)
      progress.failed++
    }
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
