// createWebhook: validates options, wires the handler registry, the store and the core, and serves it through the
// same adapters as the endpoint (node:http/Express, Fastify, fetch).
import { MAX_TIMER_MS, positiveInt } from '../util/options.js'
import { createFastifyPlugin } from '../http/adapters/fastify.js'
import { createFetchAdapter } from '../http/adapters/fetch.js'
import { createNodeHandler } from '../http/adapters/node.js'
import type { AdapterDeps } from '../http/adapters/body.js'
import { createSignatureVerifier, normaliseSecrets } from '../http/signature.js'
import { createMemoryStore } from '../sessions/memory.js'
import { validSessions } from '../sessions/sessions.js'
import type { FlowStore } from '../sessions/types.js'
import { ENV, readEnv, readEnvList } from '../util/env.js'
import { resolveLogger } from '../util/logger.js'
import { createWebhookCore } from './core.js'
import { type FlowWebhook, type FlowWebhookEventName, type FlowWebhookOptions, WEBHOOK_EVENT_NAMES } from './types.js'

const EVENTS: readonly FlowWebhookEventName[] = WEBHOOK_EVENT_NAMES
const DAY_MS = 24 * 60 * 60 * 1000

function validStore(store: unknown): FlowStore {
  const s = store as Partial<FlowStore> | null
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.claim !== 'function' ||
    typeof s.finish !== 'function' ||
    typeof s.release !== 'function'
  ) {
    throw new TypeError('store must implement FlowStore (claim, finish, release, …)')
  }
  return s as FlowStore
}

export function createWebhook<T = unknown>(options: FlowWebhookOptions<T> = {}): FlowWebhook<T> {
  if (typeof options !== 'object' || options === null) throw new TypeError('createWebhook takes { appSecret, verifyToken?, sessions? }')
  // Explicit options win; WA_FLOWS_APP_SECRET and WA_FLOWS_VERIFY_TOKEN otherwise.
  const secrets = normaliseSecrets(options.appSecret ?? readEnvList(ENV.appSecret))
  if (!secrets)
    throw new TypeError(
      'appSecret is required (or set WA_FLOWS_APP_SECRET): the webhook refuses posts it cannot verify (X-Hub-Signature-256)',
    )
  const verifyToken = options.verifyToken ?? readEnv(ENV.verifyToken)
  if (verifyToken !== undefined && (typeof verifyToken !== 'string' || verifyToken === ''))
    throw new TypeError('verifyToken must be a non-empty string')
  const sessions = validSessions(options.sessions)
  const store = options.store !== undefined ? validStore(options.store) : (sessions?.store ?? createMemoryStore())
  if (options.endSessionOnCompletion !== undefined && typeof options.endSessionOnCompletion !== 'boolean')
    throw new TypeError('endSessionOnCompletion must be a boolean')
  const maxBodyBytes = positiveInt(options.maxBodyBytes, 'maxBodyBytes', 4 * 1024 * 1024)
  const timeoutMs = positiveInt(options.timeoutMs, 'timeoutMs', 20_000, MAX_TIMER_MS)
  const leaseMs = positiveInt(options.leaseMs, 'leaseMs', Math.max(60_000, timeoutMs * 2))
  if (leaseMs <= timeoutMs) throw new RangeError('leaseMs must exceed timeoutMs, or a slow handler could run twice')
  const doneTtlMs = positiveInt(options.doneTtlMs, 'doneTtlMs', 7 * DAY_MS)
  const logger = resolveLogger(options.logger)

  const registry = new Map<FlowWebhookEventName, ((event: unknown) => unknown)[]>()
  const handle = createWebhookCore({
    verifier: createSignatureVerifier(secrets),
    verifyToken,
    sessions: sessions as never,
    store,
    endSession: options.endSessionOnCompletion ?? true,
    maxBodyBytes,
    timeoutMs,
    leaseMs,
    doneTtlMs,
    logger,
    handlers: (name) => registry.get(name) ?? [],
  })
  const deps: AdapterDeps = { handle, maxBodyBytes, logger }

  const webhook = {
    on(event: unknown, handler: unknown) {
      if (!EVENTS.includes(event as FlowWebhookEventName))
        throw new TypeError(`unknown webhook event ${JSON.stringify(event)}; one of ${EVENTS.join(', ')}`)
      if (typeof handler !== 'function') throw new TypeError('handler must be a function')
      const list = registry.get(event as FlowWebhookEventName) ?? []
      list.push(handler as (event: unknown) => unknown)
      registry.set(event as FlowWebhookEventName, list)
      return webhook
    },
    handle,
    maxBodyBytes,
    fetch: createFetchAdapter(deps),
    nodeHandler: () => createNodeHandler(deps),
    fastifyPlugin: createFastifyPlugin(deps),
  }
  return webhook as unknown as FlowWebhook<T>
}
