// Public types of the messages webhook: options, the typed events (flow completion, the `flows` field's status
// changes and health alerts as Meta documents them, generic messages and changes), handlers and the webhook object.
import type { CompletionMediaItem } from '../graph/media.js'
import type { FastifyFlowPlugin, FlowHttpRequest, FlowHttpResponse, FlowLogger, NodeFlowHandler } from '../http/types.js'
import type { FlowSessions, FlowStore } from '../sessions/types.js'

export interface FlowWebhookOptions<T = unknown> {
  /**
   * Meta app secret(s) checking `X-Hub-Signature-256` (several during rotation). Default: WA_FLOWS_APP_SECRET
   * (comma-separated). Required one way or the other: unsigned posts are refused.
   */
  appSecret?: string | readonly string[]
  /** The verify token you entered in the App Dashboard (default: WA_FLOWS_VERIFY_TOKEN); GET verification answers 403 without it. */
  verifyToken?: string
  /** Sessions: the completion event carries the token's session and ends it; their store also de-duplicates. */
  sessions?: FlowSessions<T>
  /** De-duplication store when there are no `sessions` (default: `sessions.store`, else an in-memory store). */
  store?: FlowStore
  /** Delete the session once the completion's handlers succeeded (default true). */
  endSessionOnCompletion?: boolean
  /** Largest accepted body (default 4 MiB; Meta sends at most 3 MB). */
  maxBodyBytes?: number
  /** Deadline for the handlers of one event, in ms (default 20 000); late → 500, Meta redelivers. */
  timeoutMs?: number
  /** How long a claim on an event lasts, in ms (default 60 000; must exceed timeoutMs). */
  leaseMs?: number
  /** How long a handled event is remembered, in ms (default 7 days: Meta retries for up to 7 days). */
  doneTtlMs?: number
  /** Log sink; `false` silences it. */
  logger?: FlowLogger | false
}

/** The WhatsApp user's profile as the webhook's `contacts[]` gives it. */
export interface WebhookContact {
  name: string | undefined
  waId: string | undefined
}

/** `'flow.completion'`: a user finished a flow (an `interactive.nfm_reply` message). */
export interface FlowCompletionEvent<T = unknown, R extends object = Record<string, unknown>> {
  /** `flow_token` of response_json; when absent (some iOS clients), the token linked to `contextMessageId`; else ''. */
  flowToken: string
  /** response_json, parsed. */
  response: R & { flow_token?: string }
  /** This completion message's id (`wamid…`). */
  messageId: string
  /** The id of the flow message it answers (`context.id`), when given. */
  contextMessageId: string | undefined
  /** The user's number. */
  from: string
  /** The business number that received it. */
  phoneNumberId: string
  displayPhoneNumber: string | undefined
  /** Unix seconds. */
  timestamp: number
  /** `nfm_reply.name` (`flow`). */
  name: string
  /** `nfm_reply.body` (`Sent`). */
  body: string
  contact: WebhookContact | undefined
  /** The token's session value as it was when the completion arrived (ended after the handlers succeed). */
  session: T | undefined
  /** Uploaded files (media ids) found in the response; download with `graph.downloadMedia(item)`. */
  media: CompletionMediaItem[]
  /** The WhatsApp Business Account id (`entry[].id`). */
  wabaId: string
  /** The message as received. */
  message: Record<string, unknown>
}

export type FlowStatus = 'DRAFT' | 'PUBLISHED' | 'DEPRECATED' | 'BLOCKED' | 'THROTTLED'
export type FlowAlertState = 'ACTIVATED' | 'DEACTIVATED'

/** What every `flows` field event carries besides the value Meta sent. */
interface FlowsEnvelope {
  /** The WhatsApp Business Account id (`entry[].id`). */
  waba_id: string
  /** `entry[].time`, Unix seconds. */
  time: number
  flow_id: string
  message?: string
}

/** `FLOW_STATUS_CHANGE`: the flow was created (`old_status` absent, `new_status` DRAFT), published, throttled, blocked or deprecated. */
export interface FlowStatusChangeEvent extends FlowsEnvelope {
  event: 'FLOW_STATUS_CHANGE'
  old_status?: FlowStatus
  new_status: FlowStatus
  /** Sent on creation when the flow's version is about to freeze. */
  warning?: string
}

/** One error type of an error-rate alert (`error_type` values are open: INVALID_SCREEN_TRANSITION, TIMEOUT, …). */
export interface FlowErrorRateEntry {
  error_type: string
  error_rate: number
  error_count: number
}

/** `CLIENT_ERROR_RATE` (60 min window) / `ENDPOINT_ERROR_RATE` (30 min): thresholds 5 %, 10 %, 50 %. */
export interface FlowErrorRateEvent<E extends 'CLIENT_ERROR_RATE' | 'ENDPOINT_ERROR_RATE' = 'CLIENT_ERROR_RATE' | 'ENDPOINT_ERROR_RATE'>
  extends FlowsEnvelope {
  event: E
  alert_state: FlowAlertState
  /** Percent. */
  error_rate: number
  threshold: number
  errors: FlowErrorRateEntry[]
}

/** `ENDPOINT_LATENCY`: p90 crossed 1 s / 5 s / 7 s in 30 minutes (values in ms). */
export interface FlowEndpointLatencyEvent extends FlowsEnvelope {
  event: 'ENDPOINT_LATENCY'
  alert_state: FlowAlertState
  p50_latency: number
  p90_latency: number
  requests_count: number
  threshold: number
}

/** `ENDPOINT_AVAILABILITY`: below / back above 90 % in 10 minutes. */
export interface FlowEndpointAvailabilityEvent extends FlowsEnvelope {
  event: 'ENDPOINT_AVAILABILITY'
  alert_state: FlowAlertState
  /** Percent. */
  availability: number
  threshold: number
}

/** `FLOW_VERSION_EXPIRY_WARNING`: a flow was sent whose Flow JSON version is about to expire. */
export interface FlowVersionExpiryWarningEvent extends FlowsEnvelope {
  event: 'FLOW_VERSION_EXPIRY_WARNING'
  warning: string
}

/** A `flows` event this package does not know yet: the value as sent. */
export interface FlowUnknownEvent extends FlowsEnvelope {
  event: string
  [field: string]: unknown
}

/** Every event of the `flows` field. */
export type FlowsEvent =
  | FlowStatusChangeEvent
  | FlowErrorRateEvent<'CLIENT_ERROR_RATE'>
  | FlowErrorRateEvent<'ENDPOINT_ERROR_RATE'>
  | FlowEndpointLatencyEvent
  | FlowEndpointAvailabilityEvent
  | FlowVersionExpiryWarningEvent

/** `'message'`: any other message of the messages field (text, button replies, media…), as received. */
export interface WebhookMessageEvent {
  messageId: string
  from: string
  type: string
  timestamp: number
  phoneNumberId: string
  contact: WebhookContact | undefined
  wabaId: string
  message: Record<string, unknown>
}

/** `'change'`: a change of any other field, or a messages-field change without messages (statuses, errors). */
export interface WebhookChangeEvent {
  field: string
  value: unknown
  wabaId: string
  time: number | undefined
}

/** Event name → event. */
export interface FlowWebhookEvents<T = unknown> {
  'flow.completion': FlowCompletionEvent<T>
  /** Every `flows` field event (also those of a newer kind: check `event`). */
  flows: FlowsEvent | FlowUnknownEvent
  FLOW_STATUS_CHANGE: FlowStatusChangeEvent
  CLIENT_ERROR_RATE: FlowErrorRateEvent<'CLIENT_ERROR_RATE'>
  ENDPOINT_ERROR_RATE: FlowErrorRateEvent<'ENDPOINT_ERROR_RATE'>
  ENDPOINT_LATENCY: FlowEndpointLatencyEvent
  ENDPOINT_AVAILABILITY: FlowEndpointAvailabilityEvent
  FLOW_VERSION_EXPIRY_WARNING: FlowVersionExpiryWarningEvent
  message: WebhookMessageEvent
  change: WebhookChangeEvent
}

export type FlowWebhookEventName = keyof FlowWebhookEvents

/** The `flows` field's typed events, each also dispatched as 'flows'; any other `event` value reaches only 'flows'. */
export const FLOWS_EVENT_NAMES = [
  'FLOW_STATUS_CHANGE',
  'CLIENT_ERROR_RATE',
  'ENDPOINT_ERROR_RATE',
  'ENDPOINT_LATENCY',
  'ENDPOINT_AVAILABILITY',
  'FLOW_VERSION_EXPIRY_WARNING',
] as const satisfies readonly FlowWebhookEventName[]

/** Every name `webhook.on` accepts. */
export const WEBHOOK_EVENT_NAMES = [
  'flow.completion',
  'flows',
  ...FLOWS_EVENT_NAMES,
  'message',
  'change',
] as const satisfies readonly FlowWebhookEventName[]

/** An event handler; throwing (or rejecting) makes the post answer 500 so that Meta delivers it again. */
export type FlowWebhookHandler<E> = (event: E) => void | Promise<void>

/** The messages webhook: GET verification, signed POSTs, typed events dispatched once per message. */
export interface FlowWebhook<T = unknown> {
  /** Adds a handler (several per event run in registration order). */
  on<K extends FlowWebhookEventName>(event: K, handler: FlowWebhookHandler<FlowWebhookEvents<T>[K]>): this
  /** Typed completion handler with your response_json shape. */
  on<R extends object>(event: 'flow.completion', handler: FlowWebhookHandler<FlowCompletionEvent<T, R>>): this
  /** The HTTP semantics over raw bytes (GET verification needs `url`); every adapter calls it. */
  handle(request: FlowHttpRequest): Promise<FlowHttpResponse>
  readonly maxBodyBytes: number
  /** Fetch-API adapter (Hono, Bun, Deno, Workers). */
  fetch(request: Request): Promise<Response>
  /** `node:http` listener / Express middleware (GET and POST). */
  nodeHandler(): NodeFlowHandler
  /** Fastify plugin keeping the raw body bytes. */
  readonly fastifyPlugin: FastifyFlowPlugin
}
