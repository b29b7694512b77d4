// Framework-neutral HTTP shapes shared by the flow endpoint and the messages webhook: the request/answer pair every
// core handles, the log sink, and the Node/Fastify shapes the adapters accept.

/** Log sink; receives short messages and non-sensitive fields only (never request data or flow tokens). */
export interface FlowLogger {
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

/** Header bag accepted by `handle`: a fetch `Headers` or a Node-style record (names in any case). */
export type FlowHeaders = Headers | Record<string, string | readonly string[] | undefined>

/** Framework-neutral request given to `handle`. `body` is the raw bytes as received. */
export interface FlowHttpRequest {
  /** Default `POST`. */
  method?: string
  body: string | Uint8Array | ArrayBuffer
  headers?: FlowHeaders
  /** Path and query as received (`/webhook?hub.mode=subscribe&…`); the webhook's GET verification reads its query. */
  url?: string
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
  /** Path and query (node:http); Express rewrites it under a mount point, see `originalUrl`. */
  url?: string | undefined
  /** Express: the URL before mount-point rewriting. */
  originalUrl?: string | undefined
  headers: Record<string, string | string[] | undefined>
  /** Set by body parsers: a Buffer from `express.raw()` is used as the raw body. */
  body?: unknown
  /** Raw body bytes kept by some frameworks. */
  rawBody?: unknown
  readableEnded?: boolean
  // biome-ignore lint/suspicious/noExplicitAny: matches Node's EventEmitter signature so any IncomingMessage fits
  on(event: string, listener: (...args: any[]) => void): unknown
  // biome-ignore lint/suspicious/noExplicitAny: as above
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
  // biome-ignore lint/suspicious/noExplicitAny: matches Node's EventEmitter signature so any ServerResponse fits
  once(event: string, listener: (...args: any[]) => void): unknown
}

/** `node:http` request listener and Express middleware. */
export type NodeFlowHandler = (req: NodeRequestLike, res: NodeResponseLike, next?: (error?: unknown) => void) => void

export interface FastifyFlowPluginOptions {
  /** Route path inside the plugin's prefix (default `/`). */
  path?: string
}

/** A Fastify plugin: `app.register(endpoint.fastifyPlugin, { prefix: '/flow' })`. Encapsulated (its parser stays inside). */
// biome-ignore lint/suspicious/noExplicitAny: Fastify is an optional peer: its instance type is not imported
export type FastifyFlowPlugin = (instance: any, options: FastifyFlowPluginOptions) => Promise<void>
