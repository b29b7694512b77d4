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
import type { FlowHttpRequest, FlowHttpResponse, FlowLogger, FastifyFlowPlugin, NodeFlowHandler } from '../http/types.js'
import type { FlowSession, FlowSessions } from '../sessions/types.js'
import type { FlowMetrics } from '../metrics/metrics.js'
import type { FlowScreensOf } from '../flow-json/derive.js'
import type { FlowJson } from '../flow-json/schema.js'
import type { AllowedAfter, AllowedAfterReason, CheckedResponse, InitScreens } from './typed-responses.js'

export type * from '../http/types.js'
export type { AllowedAfter, CheckedResponse, InitScreens } from './typed-responses.js'

/**
 * What one screen exchanges with the endpoint: `in` is the payload the screen's `data_exchange` action sends,
 * `out` the data the endpoint returns when navigating TO the screen (exactly: no other field), `next` the screens
 * a data_exchange from it may lead to (its routing_model entry; any screen when absent), `entry` marks the screens
 * INIT may open (every screen when none is marked). All optional; `FlowScreensOf<typeof flow>` derives them all
 * from a Flow JSON.
 */
export interface FlowScreenSpec {
  in?: object
  out?: object
  next?: string
  entry?: boolean
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

/** A `data_exchange` request from any screen of the map that sends one (its `in` is not never), discriminated by `screen`. */
export type FlowDataExchangeRequestOf<S> = {
  [K in FlowScreenName<S>]: [FlowScreenInput<S, K>] extends [never] ? never : FlowDataExchangeRequest<K, FlowScreenInput<S, K>>
}[FlowScreenName<S>]

/** A handler result before it is checked: a screen (or SUCCESS) and a data object. */
export type FlowLooseResponse<S> = {
  screen: FlowScreenName<S> | 'SUCCESS' | (string & {})
  data: object
}

/** The request a 2-argument `on(action, handler)` receives. */
export type FlowRequestFor<S, A extends 'INIT' | 'BACK' | 'data_exchange'> = A extends 'INIT'
  ? FlowInitRequest
  : A extends 'BACK'
    ? FlowBackRequestOf<S>
    : FlowDataExchangeRequestOf<S>

/** The screens a handler for `A` may answer with: INIT opens an entry screen, BACK and the catch-all any screen. */
type AllowedFor<S, A> = A extends 'INIT' ? InitScreens<S> : FlowScreenName<S>

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

/** The second argument of every handler; `T` is the session value's type. */
export interface FlowHandlerContext<T = unknown> {
  /** The request's `flow_token` (empty string when WhatsApp sent none). */
  readonly flowToken: string
  /** The request's protocol version, e.g. `3.0` or `4.0`. */
  readonly version: string
  /**
   * True when the request's `flow_token_signature` (Data API 4.0) was verified with the app secret and names this
   * `flowToken`. False when there was none to check or no `appSecret` is configured (a bad one never reaches a handler).
   */
  readonly flowTokenVerified: boolean
  /** This flow token's session (`get`, `set`, `delete`), kept in the endpoint's `sessions`. */
  readonly session: FlowSession<T>
  /** Aborts when the endpoint's deadline (`timeoutMs`) passes; pass it to your own I/O. */
  readonly signal: AbortSignal
  readonly media: FlowMediaContext
}

export type Awaitable<T> = T | Promise<T>

export type FlowHandler<Req, Res, T = unknown> = (request: Req, ctx: FlowHandlerContext<T>) => Awaitable<Res>

export type FlowErrorNotificationHandler<T = unknown> = (notification: FlowErrorNotification, ctx: FlowHandlerContext<T>) => Awaitable<void>

export interface FlowEndpointOptions<S = AnyFlowScreens, C extends object = Record<string, unknown>, T = unknown> {
  /**
   * PEM text, PEM/DER bytes, `{ path }` of a key file (Node entry), or a key from `loadPrivateKey()` of the same entry
   * point; loaded and checked at once (see `ready()`). Default: WA_FLOWS_PRIVATE_KEY (PEM text) or
   * WA_FLOWS_PRIVATE_KEY_FILE (a path, Node entry).
   */
  privateKey?: string | Uint8Array | FlowPrivateKey | { path: string }
  /** Opens an encrypted private key. Default: WA_FLOWS_PRIVATE_KEY_PASSPHRASE. */
  passphrase?: string
  /**
   * Meta app secret(s) for `X-Hub-Signature-256`; several during rotation. Default: WA_FLOWS_APP_SECRET
   * (comma-separated). Without either, signatures are not checked.
   */
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
  /** Where `ctx.session` lives (default: `createFlowSessions()` in memory, this process only). Share it with the webhook. */
  sessions?: FlowSessions<T>
  /**
   * Answer INIT, BACK and data_exchange requests whose flow token has no live session with 427 (WhatsApp shows the
   * message and disables the flow's button). `true` uses a default message; a string is the message.
   */
  requireSession?: boolean | string
  /**
   * With `appSecret`: also refuse (432) requests without `flow_token_signature`. Default false: a signature is
   * verified when present (Data API 4.0 with Flow JSON 7.3+ sends one) and `ctx.flowTokenVerified` says so.
   */
  requireFlowTokenSignature?: boolean
  /**
   * The flow's Flow JSON. It is validated when the endpoint is created (`FlowJsonError` on errors), types the
   * handlers (`FlowScreensOf`), and every handler result is checked against it at run time (see `flowCheck`).
   */
  flow?: FlowJson
  /**
   * With `flow`: what happens to a result that leaves the routing model or does not match the next screen's declared
   * data. `'reject'` (default): logged as an error naming the screen and the field, answered 500, never sent.
   * `'log'`: logged as a warning and sent anyway. `'off'`: not checked.
   */
  flowCheck?: 'reject' | 'log' | 'off'
  /**
   * Counters to record every answer in (status, time, decryption failures, deadline misses): `createFlowMetrics()`,
   * served as Prometheus text by `metrics.prometheus()`. See docs/metrics.md.
   */
  metrics?: FlowMetrics
}

/** `createFlowEndpoint`: typed from `flow` when one is given, otherwise from the screen map type argument. */
export interface CreateFlowEndpoint {
  <const F extends FlowJson, C extends object = Record<string, unknown>, T = unknown>(
    options: FlowEndpointOptions<FlowScreensOf<F>, C, T> & { flow: F },
  ): FlowEndpoint<FlowScreensOf<F>, C, T>
  <S = AnyFlowScreens, C extends object = Record<string, unknown>, T = unknown>(
    options?: FlowEndpointOptions<S, C, T>,
  ): FlowEndpoint<S, C, T>
}

/** A flow endpoint: handler registry, HTTP core and framework adapters. */
export interface FlowEndpoint<S = AnyFlowScreens, C extends object = Record<string, unknown>, T = unknown> {
  /**
   * `INIT`, `BACK`, or the catch-all for `data_exchange` from screens without their own handler. The result is
   * checked: INIT must open an entry screen, and the data of the next screen must be exactly what it declares.
   */
  on<A extends 'INIT' | 'BACK' | 'data_exchange', R extends Awaitable<FlowLooseResponse<S>>>(
    action: A,
    handler: (
      request: FlowRequestFor<S, A>,
      ctx: FlowHandlerContext<T>,
    ) => CheckedResponse<S, C, A, AllowedFor<S, A>, 'INIT opens an entry screen of the routing model', R>,
  ): this
  /** `data_exchange` from `screen`: the result must be `screen` itself, a screen its `next` (routing_model) allows, or the completion. */
  on<K extends FlowScreenName<S>, R extends Awaitable<FlowLooseResponse<S>>>(
    action: 'data_exchange',
    screen: K,
    handler: (
      request: FlowDataExchangeRequest<K, FlowScreenInput<S, K>>,
      ctx: FlowHandlerContext<T>,
    ) => CheckedResponse<S, C, `screen ${K}`, AllowedAfter<S, K>, AllowedAfterReason<S, K>, R>,
  ): this
  /** Called for error notifications before the automatic `{ data: { acknowledged: true } }`. */
  onErrorNotification(handler: FlowErrorNotificationHandler<T>): this
  /** The sessions behind `ctx.session` (the `sessions` option, or the in-memory default); give them to `createWebhook`. */
  readonly sessions: FlowSessions<T>
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
