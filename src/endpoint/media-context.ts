// `ctx.media`: finds the media items inside a request's data and downloads them with the request's deadline signal.
import { collectMediaItems } from '../media/collect.js'
import type { DownloadMediaOptions, MediaApi, MediaBatchOptions } from '../media/types.js'
import type { FlowMediaItem } from '../protocol.js'
import type { FlowMediaContext } from './types.js'

/** Our deadline signal combined with the caller's, when both exist. */
function withSignal(deadline: AbortSignal, own: AbortSignal | undefined): AbortSignal {
  if (!own) return deadline
  const any = (AbortSignal as { any?: (signals: AbortSignal[]) => AbortSignal }).any
  return typeof any === 'function' ? any([deadline, own]) : deadline
}

export function createMediaContext(media: MediaApi, data: unknown, signal: AbortSignal): FlowMediaContext {
  let cached: FlowMediaItem[] | undefined
  const items = () => (cached ??= collectMediaItems(data)).slice()
  return {
    items,
    download(item: FlowMediaItem, options: DownloadMediaOptions = {}) {
      if (typeof item !== 'object' || item === null) throw new TypeError('item must be a media item from ctx.media.items()')
      if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
      return media.downloadMedia(item, { ...options, signal: withSignal(signal, options.signal) }) as Promise<never>
    },
    downloadAll(options: MediaBatchOptions & { items?: FlowMediaItem[] }) {
      if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object with outDir')
      const { items: chosen, ...rest } = options
      if (chosen !== undefined && !Array.isArray(chosen)) throw new TypeError('options.items must be an array of media items')
      return media.decryptMediaBatch(chosen ?? items(), { ...rest, signal: withSignal(signal, rest.signal) })
    },
  }
}
