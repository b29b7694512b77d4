// Public types of the WhatsApp-side simulator (createFlowClient).
import type { AnyFlowScreens, FlowHttpRequest, FlowHttpResponse, FlowScreenInput, FlowScreenName } from '../endpoint/types.js'
import type { FlowPublicKeyInput } from './public-key.js'

/** Anything with the endpoint's `handle` (a `FlowEndpoint`), called directly without HTTP. */
export interface FlowHandleTarget {
  handle(request: FlowHttpRequest): Promise<FlowHttpResponse>
}

export interface FlowClientOptions {
  /** The endpoint's URL (POSTed with fetch). Give `url` or `endpoint`. */
  url?: string | URL
  /** An endpoint object, called through `endpoint.handle()` (no HTTP). */
  endpoint?: FlowHandleTarget
  /** The business public key: PEM SPKI (`PUBLIC KEY`), PEM PKCS#1 (`RSA PUBLIC KEY`), SPKI DER bytes, or a CryptoKey. */
  publicKey: FlowPublicKeyInput
  /** Signs every body with `X-Hub-Signature-256`, as Meta does. */
  appSecret?: string
  /** The flow token of this session (default: a random one, see `client.flowToken`). */
  flowToken?: string
  /** Protocol version sent in requests (default `3.0`; `4.0` adds a signed `flow_token_signature` when `appSecret` is set). */
  version?: string
  /**
   * The `flow_token_signature` sent with INIT/BACK/data_exchange: by default an HS256 JWT `{ flow_token }` signed with
   * `appSecret` when `version` is 4.0 or later; a string sends that (e.g. a forged one), `false` sends none.
   */
  flowTokenSignature?: string | false
  /** Where `complete()`, `flowsEvent()` and `deliverWebhook()` post: the messages webhook's URL, or a webhook object. */
  webhook?: WebhookTarget
  /** fetch implementation for `url` (default globalThis.fetch). */
  fetch?: typeof globalThis.fetch
}

/** A response as WhatsApp sees it: a loosely typed JSON object. */
export interface FlowClientResponse {
  screen?: string
  // biome-ignore lint/suspicious/noExplicitAny: an answer read loosely by tests and scripts (screen data of any shape)
  data?: Record<string, any>
  error_msg?: string
  [key: string]: unknown
}

export interface FlowClientResult {
  status: number
  /**
   * 200: the decrypted response. Other statuses: the body parsed as JSON when it is JSON (e.g. `{ error_msg }` for
   * 427), otherwise the body text.
   */
  response: FlowClientResponse | string
  /** Response headers, names lower-case. */
  headers: Record<string, string>
}

/** A webhook to deliver notifications to: a URL, or anything with `handle()` (a `FlowWebhook`). */
export type WebhookTarget = string | URL | FlowHandleTarget

/** How a simulated completion looks besides its response. */
export interface SimulatedCompletionOptions {
  /** The completion message's id (default: a random `wamid.…`). */
  messageId?: string
  /** `context.id`: the flow message this completes (e.g. `sendFlow()`'s `messageId`). */
  contextMessageId?: string
  /** The user's number (default 16505551234). */
  from?: string
  phoneNumberId?: string
  wabaId?: string
  /** Unix seconds (default now). */
  timestamp?: number
  /** Leave `flow_token` out of response_json, as some iOS clients do (default false). */
  omitFlowToken?: boolean
}

/** The webhook's answer to a delivered notification. */
export interface FlowWebhookDelivery {
  status: number
  body: string
}

export interface FlowNotifyErrorOptions {
  /** Action carrying the notification (default `data_exchange`). */
  action?: 'INIT' | 'BACK' | 'data_exchange'
  screen?: string
}

export interface FlowClient<S = AnyFlowScreens> {
  /** The flow token this client sends. */
  readonly flowToken: string
  /** Encrypts and sends any request object as-is (add `version`, `flow_token` yourself). */
  send(request: object): Promise<FlowClientResult>
  ping(): Promise<FlowClientResult>
  init(data?: Record<string, unknown>): Promise<FlowClientResult>
  dataExchange<K extends FlowScreenName<S>>(screen: K, data: FlowScreenInput<S, K>): Promise<FlowClientResult>
  back(screen?: FlowScreenName<S>): Promise<FlowClientResult>
  notifyError(error: string, message: string, options?: FlowNotifyErrorOptions): Promise<FlowClientResult>
  /**
   * Delivers the signed completion webhook of this flow token: response_json is `{ flow_token, ...params }`, where
   * `params` default to those of the last SUCCESS answer the endpoint gave this client.
   */
  complete(params?: Record<string, unknown>, options?: SimulatedCompletionOptions): Promise<FlowWebhookDelivery & { messageId: string }>
  /** Delivers a signed `flows` field event (e.g. `{ event: 'ENDPOINT_LATENCY', flow_id, alert_state, … }`). */
  flowsEvent(value: Record<string, unknown>, options?: { wabaId?: string; time?: number }): Promise<FlowWebhookDelivery>
  /** Signs and posts any webhook body as-is (e.g. the same body twice, to test redelivery). */
  deliverWebhook(body: object | string): Promise<FlowWebhookDelivery>
}
