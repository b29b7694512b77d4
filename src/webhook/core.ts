// The webhook's HTTP semantics over raw bytes: GET verification, signature over the raw body, the envelope walk, and
// at-least-once dispatch with de-duplication across instances (claim with a lease, mark done after success).
import { parseFlowCompletion } from './completion.js'
import { FlowSignatureError } from '../errors.js'
import { completionMedia } from '../graph/media.js'
import { bodyBytes, getHeader, statusAnswer, textAnswer } from '../http/answers.js'
import type { SignatureVerifier } from '../http/signature.js'
import type { FlowHttpRequest, FlowHttpResponse, FlowLogger } from '../http/types.js'
import type { FlowSessions, FlowStore } from '../sessions/types.js'
import { fromUtf8, utf8 } from '../util/bytes.js'
import { runWithDeadline } from '../util/deadline.js'
import { errorFields, safeName } from '../util/logger.js'
import { randomId } from '../util/token.js'
import { envelopeItems, unixSeconds, type EnvelopeItem } from './envelope.js'
import { FLOWS_EVENT_NAMES, type FlowCompletionEvent, type FlowWebhookEventName } from './types.js'
import { verifySubscription } from './verify.js'

// biome-ignore lint/suspicious/noExplicitAny: handlers are typed per event name by `webhook.on`; the registry stores them untyped
type AnyHandler = (event: any) => unknown

export interface WebhookConfig {
  verifier: SignatureVerifier
  verifyToken: string | undefined
  sessions: FlowSessions<unknown> | undefined
  store: FlowStore
  endSession: boolean
  maxBodyBytes: number
  timeoutMs: number
  leaseMs: number
  doneTtlMs: number
  logger: FlowLogger
  handlers(name: FlowWebhookEventName): AnyHandler[]
}

const FLOWS_EVENTS = new Set<string>(FLOWS_EVENT_NAMES)
/** How long a post waits for another instance that holds an event's claim, and how often it looks. */
const BUSY_WAIT_MS = 5000
const BUSY_POLL_MS = 100

const str = (v: unknown): string => (typeof v === 'string' ? v : '')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function sha256Hex(text: string): Promise<string> {
  const d = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', utf8(text) as BufferSource))
  return Array.from(d.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('')
}

/** A prepared dispatch: which handlers, under which de-duplication key, with which event. */
interface Prepared {
  names: FlowWebhookEventName[]
  key(): Promise<string>
  event(): Promise<unknown>
  /** Runs after the handlers succeeded (the completion ends its session). */
  after?: () => Promise<void>
}

class HandlerTimeout extends Error {}

export function createWebhookCore(cfg: WebhookConfig): (input: FlowHttpRequest) => Promise<FlowHttpResponse> {
  const { logger, store } = cfg
  const owner = randomId('w_')

  const messageKey = async (message: Record<string, unknown>) =>
    typeof message.id === 'string' && message.id !== '' && message.id.length <= 512
      ? `webhook:message:${message.id}`
      : `webhook:message:#${await sha256Hex(JSON.stringify(message))}`

  function prepare(item: EnvelopeItem): Prepared {
    if (item.kind === 'flows') {
      const event = str(item.value.event)
      return {
        names: FLOWS_EVENTS.has(event) ? [event as FlowWebhookEventName, 'flows'] : ['flows'],
        key: async () => `webhook:flows:${await sha256Hex(JSON.stringify([item.wabaId, item.time, item.value]))}`,
        event: async () => ({ ...item.value, waba_id: item.wabaId, time: item.time, flow_id: str(item.value.flow_id) }),
      }
    }
    if (item.kind === 'change') {
      return {
        names: ['change'],
        key: async () => `webhook:change:${await sha256Hex(JSON.stringify([item.wabaId, item.time, item.field, item.value]))}`,
        event: async () => ({ field: item.field, value: item.value, wabaId: item.wabaId, time: item.time }),
      }
    }
    const { message, metadata } = item
    const base = {
      messageId: str(message.id),
      from: str(message.from),
      timestamp: unixSeconds(message.timestamp),
      phoneNumberId: str(metadata.phone_number_id),
      contact: item.contact,
      wabaId: item.wabaId,
      message,
    }
    let completion: ReturnType<typeof parseFlowCompletion> | undefined
    if (item.kind === 'completion') {
      try {
        completion = parseFlowCompletion(message)
      } catch (e) {
        logger.warn('a flow completion whose response_json is not a JSON object is dispatched as a message', errorFields(e))
      }
    }
    if (!completion)
      return { names: ['message'], key: () => messageKey(message), event: async () => ({ ...base, type: str(message.type) }) }

    const parsed = completion
    const context = message.context as { id?: unknown } | undefined
    const contextMessageId = typeof context?.id === 'string' ? context.id : undefined
    let token = parsed.flowToken
    const sessions = cfg.sessions
    return {
      names: ['flow.completion'],
      key: () => messageKey(message),
      async event(): Promise<FlowCompletionEvent<unknown>> {
        // iOS clients may leave flow_token out of response_json: the sent message's id still knows it.
        if (token === '' && contextMessageId && sessions) token = (await sessions.tokenForMessage(contextMessageId)) ?? ''
        const session = token && sessions ? await sessions.get(token) : undefined
        return {
          ...base,
          flowToken: token,
          response: parsed.response,
          contextMessageId,
          displayPhoneNumber: typeof metadata.display_phone_number === 'string' ? metadata.display_phone_number : undefined,
          name: parsed.name,
          body: parsed.body,
          session,
          media: completionMedia(parsed.response),
        }
      },
      after: sessions && cfg.endSession ? async () => (token ? sessions.delete(token) : undefined) : undefined,
    }
  }

  /** Claims the key, waiting a little while another instance holds it. */
  async function claim(key: string): Promise<'claimed' | 'done' | 'busy'> {
    const deadline = Date.now() + BUSY_WAIT_MS
    for (let i = 0; i < BUSY_WAIT_MS / BUSY_POLL_MS + 1; i++) {
      const r = await store.claim(key, owner, cfg.leaseMs)
      if (r !== 'busy' || Date.now() >= deadline) return r
      await sleep(BUSY_POLL_MS)
    }
    return 'busy'
  }

  /** Dispatches one item at most once per store; resolves whether it is done (handled now or before). */
  async function dispatch(item: EnvelopeItem): Promise<boolean> {
    const prepared = prepare(item)
    const handlers = prepared.names.flatMap((n) => cfg.handlers(n))
    if (handlers.length === 0 && !prepared.after) return true
    const what = { event: safeName(prepared.names[0]?.replace('.', '_')) }
    let key: string
    let claimed = false
    try {
      key = await prepared.key()
      const state = await claim(key)
      if (state === 'done') {
        logger.info('webhook event already handled; acknowledged without dispatch', what)
        return true
      }
      if (state === 'busy') {
        logger.warn('webhook event is being handled elsewhere and did not finish in time; answering 500 so Meta redelivers', what)
        return false
      }
      claimed = true
      const event = await prepared.event()
      for (const h of handlers) {
        const outcome = await runWithDeadline(cfg.timeoutMs, () => h(event))
        if (outcome.timedOut) throw new HandlerTimeout()
      }
      await prepared.after?.()
      await store.finish(key, owner, cfg.doneTtlMs)
      return true
    } catch (e) {
      if (e instanceof HandlerTimeout) {
        // The handler may still be running: its claim stays until the lease ends, then a redelivery may take it.
        logger.error('a webhook handler missed the deadline; answering 500 so Meta redelivers', { ...what, timeoutMs: cfg.timeoutMs })
        return false
      }
      logger.error(
        claimed
          ? 'a webhook handler failed; answering 500 so Meta redelivers'
          : 'the webhook store failed; answering 500 so Meta redelivers',
        { ...what, ...errorFields(e) },
      )
      if (claimed) await store.release(key!, owner).catch(() => undefined)
      return false
    }
  }

  return async function handle(input) {
    if (typeof input !== 'object' || input === null) throw new TypeError('handle() takes { method?, body, headers?, url? }')
    const method = input.method === undefined ? 'POST' : input.method
    if (typeof method !== 'string') throw new TypeError('method must be a string')
    const bytes = bodyBytes(input.body)
    const m = method.toUpperCase()
    if (m === 'GET') return verifySubscription(input.url, cfg.verifyToken, logger)
    if (m !== 'POST') return statusAnswer(405, { allow: 'GET, POST' })
    if (bytes.length > cfg.maxBodyBytes) {
      logger.warn('webhook body too large', { bytes: bytes.length, maxBodyBytes: cfg.maxBodyBytes })
      return statusAnswer(413, { connection: 'close' })
    }
    try {
      await cfg.verifier.verify(bytes, getHeader(input.headers, 'x-hub-signature-256'))
    } catch (e) {
      if (!(e instanceof FlowSignatureError)) throw e
      logger.warn('webhook signature rejected', { reason: e.message })
      return statusAnswer(403)
    }
    let body: unknown
    try {
      body = JSON.parse(fromUtf8(bytes))
    } catch {
      logger.warn('webhook body is not JSON')
      return statusAnswer(400)
    }
    let ok = true
    // In order, one at a time: a user's messages keep their order, and each is claimed before its handlers run.
    for (const item of envelopeItems(body)) if (!(await dispatch(item))) ok = false
    return ok ? textAnswer(200, 'OK') : statusAnswer(500)
  }
}
