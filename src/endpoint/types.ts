// Public types of the flow endpoint: options, typed screens, handlers, handler context, HTTP core and adapter shapes.
import type { FlowPrivateKey } from '../api.js'
import type { DownloadMediaOptions, MediaBatchOptions, MediaBatchResult } from '../media/types.js'
import type {
  FlowBackRequest,
  FlowCompletionResponse,
  FlowDataExchangeRequest,
  FlowErrorNotification,
  FlowInitRequest,
  FlowMediaItem,
  FlowNextScreenResponse,
} from '../protocol.js'

/**
 * What one screen exchanges with the endpoint: `in` is the payload the screen's `data_exchange` action sends,
 * `out` the data the endpoint returns when navigating TO the screen. Both optional.
 */
export interface FlowScreenSpec {
  in?: object
  out?: object
}

/** The untyped screen map used when you give none: any screen name, any data. */
export type AnyFlowScreens = Record<string, { in: Record<string, unknown>; out: Record<string, unknown> }>

/** Screen names of a screen map. */
export type FlowScreenName<S> = Extract<keyof S, string>

/** The `data` a screen sends with `data_exchange`. */
export type FlowScreenInput<S, K extends keyof S> = S[K] extends { in: infer I } ? I : Record<string, unknown>

/** The `data` the endpoint must return to show a screen. */
export type FlowScreenOutput<S, K extends keyof S> = S[K] extends { out: infer O } ? O : Record<string, unknown>

/** Every next-screen response the map allows: `{ screen: K, data: out of K }` for each screen K. */
export type FlowScreenResponse<S> = { [K in FlowScreenName<S>]: FlowNextScreenResponse<K, FlowScreenOutput<S, K>> }[FlowScreenName<S>]

/** What a handler may return: a next screen of the map, or the completion. */
export type FlowHandlerResponse<S, C extends object = Record<string, unknown>> = FlowScreenResponse<S> | FlowCompletionResponse<C>

/** A `data_exchange` request from any screen of the map, discriminated by `screen`. */
export type FlowDataExchangeRequestOf<S> = { [K in FlowScreenName<S>]: FlowDataExchangeRequest<K, FlowScreenInput<S, K>> }[FlowScreenName<S>]

/** A BACK request typed with the map's screen names. */
export type FlowBackRequestOf<S> = FlowBackRequest & { screen: FlowScreenName<S> }

/** Any request a handler (or `onTimeout`) can receive. */
export type FlowHandledRequest<S> = FlowInitRequest | FlowBackRequestOf<S> | FlowDataExchangeRequestOf<S>

/** Media helpers bound to the current request and its deadline signal. */
export interface FlowMediaContext {
  /** Every object with `cdn_url` and `encryption_metadata` inside `request.data`, found recursively. */
  items(): FlowMediaItem[]
  /** Downloads and verifies one item (`media.downloadMedia`); aborted at the request deadline. */
  download(item: FlowMediaItem, options: DownloadMediaOptions & { to: string }): Promise<string>
  download(item: FlowMediaItem, options?: DownloadMediaOptions): Promise<Uint8Array>
  /** Downloads every item (or `options.items`) into `outDir` (`media.decryptMediaBatch`); aborted at the deadline. */
  downloadAll(options: MediaBatchOptions & { items?: FlowMediaItem[] }): Promise<MediaBatchResult[]>
}

/** The second argument of every handler. */
export interface FlowHandlerContext {
  /** The request's `flow_token` (empty string when WhatsApp sent none). */
  readonly flowToken: string
  /** The request's protocol version, e.g. `3.0`. */
  readonly version: string
  /** Aborts when the endpoint's deadline (`timeoutMs`) passes; pass it to your own I/O. */
  readonly signal: AbortSignal
  readonly media: FlowMediaContext
}

export type Awaitable<T> = T | Promise<T>

export type FlowHandler<Req, Res> = (request: Req, ctx: FlowHandlerContext) => Awaitable<Res>

export type FlowErrorNotificationHandler = (notification: FlowErrorNotification, ctx: FlowHandlerContext) => Awaitable<void>

/** Log sink; receives short messages and non-sensitive fields only (never request data or flow tokens). */
export interface FlowLogger {
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

export interface FlowEndpointOptions<S = AnyFlowScreens, C extends object = Record<string, unknown>> {
  /** PEM text or PEM/DER bytes (loaded and checked at once, see `ready()`), or a key from `loadPrivateKey()` of the same entry point. */
  privateKey: string | Uint8Array | FlowPrivateKey
  /** Opens an encrypted private key. */
  passphrase?: string
  /** Meta app secret(s) for `X-Hub-Signature-256`; several during rotation. Without it signatures are not checked. */
  appSecret?: string | readonly string[]
  /** Largest accepted body in bytes (default 1 MiB); larger → 413. */
  maxBodyBytes?: number
  /** Handler deadline in ms (default 9000, under WhatsApp's 10 s); see `onTimeout`. */
  timeoutMs?: number
  /** Log sink; `false` silences it. Default: console for warnings and errors (silent when NODE_ENV=test). */
  logger?: FlowLogger | false
  /**
   * Answer (encrypted, 200) sent when a handler misses the deadline, e.g. the same screen with an `error_message`.
   * Must be fast. Without it, or when it throws, the endpoint answers 504.
   */
  onTimeout?: (request: FlowHandledRequest<S>) => Awaitable<FlowHandlerResponse<S, C>>
}

/** Header bag accepted by `handle`: a fetch `Headers` or a Node-style record (names in any case). */
export type FlowHeaders = Headers | Record<string, string | readonly string[] | undefined>

/** Framework-neutral request given to `endpoint.handle`. `body` is the raw bytes as received. */
export interface FlowHttpRequest {
  /** Default `POST`. */
  method?: string
  body: string | Uint8Array | ArrayBuffer
  headers?: FlowHeaders
}

/** Framework-neutral answer: write `status`, `headers` and `body` as they are. */
export interface FlowHttpResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** The parts of a Node `IncomingMessage` (or Express request) the Node adapter uses. */
export interface NodeRequestLike {
  method?: string | undefined
  headers: Record<string, string | string[] | undefined>
  /** Set by body parsers: a Buffer from `express.raw()` is used as the raw body. */
  body?: unknown
  /** Raw body bytes kept by some frameworks. */
  rawBody?: unknown
  readableEnded?: boolean
  on(event: string, listener: (...args: any[]) => void): unknown
  removeListener(event: string, listener: (...args: any[]) => void): unknown
  pause(): unknown
  resume(): unknown
  destroy(error?: Error): unknown
}

/** The parts of a Node `ServerResponse` (or Express response) the Node adapter uses. */
export interface NodeResponseLike {
  headersSent?: boolean
  writeHead(status: number, headers: Record<string, string | number>): unknown
  end(body?: string): unknown
  once(event: string, listener: (...args: any[]) => void): unknown
}

/** `node:http` request listener and Express middleware. */
export type NodeFlowHandler = (req: NodeRequestLike, res: NodeResponseLike, next?: (error?: unknown) => void) => void

export interface FastifyFlowPluginOptions {
  /** Route path inside the plugin's prefix (default `/`). */
  path?: string
}

/** A Fastify plugin: `app.register(endpoint.fastifyPlugin, { prefix: '/flow' })`. Encapsulated (its parser stays inside). */
export type FastifyFlowPlugin = (instance: any, options: FastifyFlowPluginOptions) => Promise<void>

/** A flow endpoint: handler registry, HTTP core and framework adapters. */
export interface FlowEndpoint<S = AnyFlowScreens, C extends object = Record<string, unknown>> {
  on(action: 'INIT', handler: FlowHandler<FlowInitRequest, FlowHandlerResponse<S, C>>): this
  on(action: 'BACK', handler: FlowHandler<FlowBackRequestOf<S>, FlowHandlerResponse<S, C>>): this
  on<K extends FlowScreenName<S>>(
    action: 'data_exchange',
    screen: K,
    handler: FlowHandler<FlowDataExchangeRequest<K, FlowScreenInput<S, K>>, FlowHandlerResponse<S, C>>,
  ): this
  /** Catch-all for `data_exchange` from screens without their own handler. */
  on(action: 'data_exchange', handler: FlowHandler<FlowDataExchangeRequestOf<S>, FlowHandlerResponse<S, C>>): this
  /** Called for error notifications before the automatic `{ data: { acknowledged: true } }`. */
  onErrorNotification(handler: FlowErrorNotificationHandler): this
  /**
   * Resolves once the private key is loaded and checked (loading starts when the endpoint is created); rejects with
   * `FlowKeyError` when it cannot be used. Await it before listening, so a bad key stops the start.
   */
  ready(): Promise<void>
  /** The HTTP semantics of the endpoint over raw bytes; every adapter calls it. Never rejects for request problems. */
  handle(request: FlowHttpRequest): Promise<FlowHttpResponse>
  /** The body size cap in bytes; give it to a body parser in front of `nodeHandler()` (`express.raw({ limit })`). */
  readonly maxBodyBytes: number
  /** Fetch-API adapter (Hono, Bun, Deno, Workers). */
  fetch(request: Request): Promise<Response>
  /** `node:http` listener / Express middleware. */
  nodeHandler(): NodeFlowHandler
  /** Fastify plugin keeping the raw body bytes. */
  readonly fastifyPlugin: FastifyFlowPlugin
}
