// createGraphClient: one Graph API client for sending flows and downloading completion media (the CLI's key
// commands use the same transport).
import { createGraphTransport, type GraphRequestInit, type GraphTransportOptions } from './client.js'
import {
  downloadGraphMedia,
  getMediaInfo,
  type CompletionMediaItem,
  type DownloadedMedia,
  type GraphMediaDownloadOptions,
  type GraphMediaInfo,
} from './media.js'
import {
  flowMessage,
  flowTemplateMessage,
  sendWithSession,
  type SendFlowOptions,
  type SendFlowTemplateOptions,
  type SentFlow,
} from './messages.js'

export { completionMedia } from './media.js'
export type { CompletionMediaItem, DownloadedMedia, GraphMediaDownloadOptions, GraphMediaInfo } from './media.js'
export type { SendFlowOptions, SendFlowTemplateOptions, SentFlow } from './messages.js'
export type { GraphRequestInit } from './client.js'

export interface GraphClientOptions extends GraphTransportOptions {
  /** Default sender phone number id for `sendFlow` / `sendFlowTemplate`. */
  phoneNumberId?: string
}

export interface GraphClient {
  readonly apiVersion: string
  /** Any Graph call: `{base}/{version}/{path}`, with the client's auth, retries and errors. */
  request(method: 'GET' | 'POST' | 'DELETE', path: string, init?: GraphRequestInit): Promise<unknown>
  /** Sends an interactive flow message; resolves the message id and the flow token. */
  sendFlow<T = unknown>(options: SendFlowOptions<T>): Promise<SentFlow>
  /** Sends an approved template whose FLOW button carries the flow token. */
  sendFlowTemplate<T = unknown>(options: SendFlowTemplateOptions<T>): Promise<SentFlow>
  /** GET /{media-id}: the short-lived download URL, type, size and SHA-256. */
  getMedia(id: string, options?: { phoneNumberId?: string; signal?: AbortSignal }): Promise<GraphMediaInfo>
  /** Downloads a media id (or a `completionMedia()` item) and verifies its SHA-256. */
  downloadMedia(item: string | CompletionMediaItem, options?: GraphMediaDownloadOptions): Promise<DownloadedMedia>
}

export function createGraphClient(options: GraphClientOptions = {}): GraphClient {
  const graph = createGraphTransport(options)
  const defaultNumber = options.phoneNumberId
  if (defaultNumber !== undefined && (typeof defaultNumber !== 'string' || !/^\d+$/.test(defaultNumber)))
    throw new TypeError('phoneNumberId must be a numeric string')
  const number = (given: string | undefined) => {
    const n = given ?? defaultNumber
    if (n === undefined) throw new TypeError('phoneNumberId is required (per call or in createGraphClient)')
    return n
  }
  const check = (o: unknown) => {
    if (typeof o !== 'object' || o === null) throw new TypeError('options must be an object')
  }
  return {
    apiVersion: graph.apiVersion,
    request: (method, path, init) => graph.request(method, path, init),
    async sendFlow(o) {
      check(o)
      return sendWithSession(graph, number(o.phoneNumberId), o, (token) => flowMessage(o, token))
    },
    async sendFlowTemplate(o) {
      check(o)
      return sendWithSession(graph, number(o.phoneNumberId), o, (token) => flowTemplateMessage(o, token))
    },
    getMedia: (id, o) => getMediaInfo(graph, id, o),
    downloadMedia: (item, o) => downloadGraphMedia(graph, item, o),
  }
}
