// Media a flow's terminal screen uploaded (PhotoPicker/DocumentPicker in a `complete` payload) arrives in the
// completion's response_json as Cloud API media ids: find them, look them up (GET /{media-id}), download them with
// the bearer token and verify their SHA-256 before handing the bytes out. fetch + WebCrypto only.
import { GraphApiError, MediaIntegrityError } from '../errors.js'
import { decodeBase64 } from '../util/base64.js'
import { ByteSink, timingSafeEqual } from '../util/bytes.js'
import { isPlainObject } from '../util/inspect.js'
import type { GraphTransport } from './client.js'

/** One uploaded file as response_json lists it: `{ file_name, mime_type, sha256, id }`. */
export interface CompletionMediaItem {
  /** Cloud API media id. */
  id: string
  sha256?: string
  mime_type?: string
  file_name?: string
}

/** GET /{media-id}: where to download the file (for 5 minutes) and what it is. */
export interface GraphMediaInfo {
  id: string
  url: string
  mime_type: string | undefined
  sha256: string | undefined
  /** Bytes (Graph sends a string; parsed). */
  file_size: number | undefined
}

export interface DownloadedMedia {
  id: string
  bytes: Uint8Array
  mimeType: string | undefined
  fileName: string | undefined
}

export interface GraphMediaDownloadOptions {
  /** Largest file accepted (default 100 MiB). */
  maxBytes?: number
  /** Asks Graph to check the media belongs to this number (`?phone_number_id=`). */
  phoneNumberId?: string
  signal?: AbortSignal
}

const MEDIA_ID = /^[A-Za-z0-9_-]{1,128}$/
const DEFAULT_MAX_BYTES = 100 * 1024 * 1024

/**
 * Every media item in a completion's parsed response_json: arrays of objects with a string `id` and a `sha256` or
 * `mime_type`, found at any depth (at most 8 levels, 1000 items).
 */
export function completionMedia(response: unknown): CompletionMediaItem[] {
  const found: CompletionMediaItem[] = []
  const walk = (value: unknown, depth: number): void => {
    if (depth > 8 || found.length >= 1000) return
    if (Array.isArray(value)) {
      for (const v of value) walk(v, depth + 1)
      return
    }
    if (!isPlainObject(value)) return
    if (
      typeof value.id === 'string' &&
      MEDIA_ID.test(value.id) &&
      (typeof value.sha256 === 'string' || typeof value.mime_type === 'string')
    ) {
      found.push(value as unknown as CompletionMediaItem)
      return
    }
    for (const v of Object.values(value)) walk(v, depth + 1)
  }
  walk(response, 0)
  return found
}

/** A SHA-256 as Meta writes it (hex in the Media API, base64 in response_json) into its 32 bytes. */
function hashBytes(text: string | undefined): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined
  const t = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Uint8Array.from(t.match(/../g)!, (h) => parseInt(h, 16))
  const b = decodeBase64(t.replace(/-/g, '+').replace(/_/g, '/'))
  return b && b.length === 32 ? b : undefined
}

async function readCapped(res: Response, max: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN)
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => {})
    throw new GraphApiError(`the media file is ${declared} bytes, more than maxBytes (${max})`, GraphApiError.codes.api, {
      httpStatus: res.status,
    })
  }
  if (!res.body) return new Uint8Array(0)
  const sink = new ByteSink(max, Number.isFinite(declared) ? declared : 0)
  const reader = res.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return sink.bytes()
    if (!sink.push(value)) {
      await reader.cancel().catch(() => {})
      throw new GraphApiError(`the media file is larger than maxBytes (${max})`, GraphApiError.codes.api, { httpStatus: res.status })
    }
  }
}

export async function getMediaInfo(
  graph: GraphTransport,
  id: string,
  options: { phoneNumberId?: string; signal?: AbortSignal } = {},
): Promise<GraphMediaInfo> {
  if (typeof id !== 'string' || !MEDIA_ID.test(id)) throw new TypeError('the media id must be a Cloud API media id')
  const query = options.phoneNumberId === undefined ? undefined : { phone_number_id: options.phoneNumberId }
  const a = (await graph.request('GET', id, { query, signal: options.signal })) as Record<string, unknown> | undefined
  if (typeof a?.url !== 'string') throw new GraphApiError('the Media API answer has no url', GraphApiError.codes.api)
  const size =
    typeof a.file_size === 'number'
      ? a.file_size
      : typeof a.file_size === 'string' && /^\d+$/.test(a.file_size)
        ? Number(a.file_size)
        : undefined
  return {
    id,
    url: a.url,
    mime_type: typeof a.mime_type === 'string' ? a.mime_type : undefined,
    sha256: typeof a.sha256 === 'string' ? a.sha256 : undefined,
    file_size: size,
  }
}

/**
 * Downloads one media id (or a completion item) and checks its SHA-256 against the item's and the Media API's
 * (at least one must be known); `MediaIntegrityError` (`ERR_MEDIA_PLAINTEXT_HASH_MISMATCH`) when they differ.
 */
export async function downloadGraphMedia(
  graph: GraphTransport,
  item: string | CompletionMediaItem,
  options: GraphMediaDownloadOptions = {},
): Promise<DownloadedMedia> {
  const it: CompletionMediaItem = typeof item === 'string' ? { id: item } : item
  if (!isPlainObject(it) && typeof item !== 'string') throw new TypeError('item must be a media id or an item from completionMedia()')
  const max = options.maxBytes ?? DEFAULT_MAX_BYTES
  if (!Number.isSafeInteger(max) || max <= 0) throw new TypeError('maxBytes must be a positive integer')
  const info = await getMediaInfo(graph, it.id, options)
  const expected = [hashBytes(it.sha256), hashBytes(info.sha256)].filter((h): h is Uint8Array => h !== undefined)
  if (expected.length === 0)
    throw new MediaIntegrityError('neither the item nor the Media API gave a SHA-256 to verify the file with', 'ERR_MEDIA_MALFORMED')
  if (info.file_size !== undefined && info.file_size > max) {
    throw new GraphApiError(`the media file is ${info.file_size} bytes, more than maxBytes (${max})`, GraphApiError.codes.api)
  }
  const bytes = await readCapped(await graph.fetchAuthorized(info.url, { signal: options.signal }), max)
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as BufferSource))
  let ok = true
  for (const h of expected) if (!timingSafeEqual(digest, h)) ok = false
  if (!ok) throw new MediaIntegrityError('the downloaded media does not match its SHA-256', 'ERR_MEDIA_PLAINTEXT_HASH_MISMATCH')
  return { id: it.id, bytes, mimeType: info.mime_type ?? it.mime_type, fileName: it.file_name }
}
