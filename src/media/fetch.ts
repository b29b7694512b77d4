// Fetches a CDN file with a timeout, an abort signal and a size limit, handing the body over chunk by chunk
// (portable: only fetch and Web streams). Transport failures become MediaDownloadError.
import { FlowError, MediaDownloadError } from '../errors.js'
import { describeNetworkError } from '../util/net-error.js'

/** Default size limit: 100 MiB, well above the 25 MB WhatsApp accepts for Flows media by default. */
export const DEFAULT_MAX_BYTES = 100 * 1024 * 1024
/** Default time limit for the whole download (headers and body): 2 minutes. */
export const DEFAULT_TIMEOUT_MS = 120_000

export interface FetchLimits {
  fetch?: typeof globalThis.fetch
  signal?: AbortSignal
  timeoutMs?: number
  maxBytes?: number
  /** Called once the CDN answered with a Content-Length (the file's size, for progress estimates). */
  onSize?: (bytes: number) => void
}

/** Wraps an error thrown by the chunk consumer so it passes through unchanged. */
class ConsumerError {
  constructor(readonly error: unknown) {}
}

function describe(e: unknown): string {
  return describeNetworkError(e)
}

/**
 * GETs `url` and calls `onChunk` for each body chunk in order (awaiting it: backpressure). Resolves the number
 * of bytes received. Errors from `onChunk` propagate unchanged; everything else (network error, HTTP status
 * other than 2xx, timeout, abort, more than `maxBytes`) rejects with `MediaDownloadError`.
 */
export async function fetchMediaBody(url: string, limits: FetchLimits, onChunk: (chunk: Uint8Array) => unknown): Promise<number> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES
  const timeoutMs = limits.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const doFetch = limits.fetch ?? globalThis.fetch
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) throw new MediaDownloadError('cdn_url must be an http(s) URL')
  if (typeof doFetch !== 'function') throw new MediaDownloadError('no fetch implementation is available; pass options.fetch')
  const user = limits.signal
  if (user?.aborted) throw new MediaDownloadError('the download was aborted', undefined, { cause: user.reason })

  const controller = new AbortController()
  let stopped: MediaDownloadError | undefined
  const stop = (err: MediaDownloadError) => {
    stopped ??= err
    controller.abort(stopped)
  }
  const onUserAbort = () => stop(new MediaDownloadError('the download was aborted', undefined, { cause: user?.reason }))
  user?.addEventListener('abort', onUserAbort, { once: true })
  const timer =
    timeoutMs > 0 && Number.isFinite(timeoutMs)
      ? setTimeout(() => stop(new MediaDownloadError(`the download timed out after ${timeoutMs} ms`)), timeoutMs)
      : undefined

  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  try {
    let res: Response
    try {
      res = await doFetch(url, { signal: controller.signal, redirect: 'follow' })
    } catch (e) {
      throw stopped ?? new MediaDownloadError(`the download failed: ${describe(e)}`, undefined, { cause: e })
    }
    if (stopped) throw stopped
    if (!res.ok) {
      await res.body?.cancel().catch(() => {})
      throw new MediaDownloadError(`the CDN answered HTTP ${res.status}`, res.status)
    }
    const declared = Number(res.headers.get('content-length') ?? NaN)
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel().catch(() => {})
      throw new MediaDownloadError(`the file is ${declared} bytes, more than maxBytes (${maxBytes})`, res.status)
    }
    if (Number.isFinite(declared) && declared >= 0) limits.onSize?.(declared)
    if (!res.body) return 0
    reader = res.body.getReader()
    let total = 0
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>
      try {
        step = await reader.read()
      } catch (e) {
        throw stopped ?? new MediaDownloadError(`the download failed: ${describe(e)}`, undefined, { cause: e })
      }
      if (stopped) throw stopped
      if (step.done) break
      total += step.value.length
      if (total > maxBytes) throw new MediaDownloadError(`the file is larger than maxBytes (${maxBytes})`, res.status)
      try {
        await onChunk(step.value)
      } catch (e) {
        throw new ConsumerError(e)
      }
      if (stopped) throw stopped
    }
    if (Number.isFinite(declared) && total !== declared) {
      throw new MediaDownloadError(`the body ended after ${total} of ${declared} bytes`, res.status)
    }
    reader = undefined
    return total
  } catch (e) {
    if (e instanceof ConsumerError) throw e.error
    if (e instanceof FlowError) throw e
    throw stopped ?? new MediaDownloadError(`the download failed: ${describe(e)}`, undefined, { cause: e })
  } finally {
    if (timer !== undefined) clearTimeout(timer)
    user?.removeEventListener('abort', onUserAbort)
    if (reader) {
      controller.abort(stopped ?? new MediaDownloadError('the download was stopped'))
      reader.cancel().catch(() => {})
    }
  }
}
