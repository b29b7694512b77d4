// createFlowSessions: typed, JSON-serialised sessions keyed by flow token over a FlowStore, plus the links from a
// sent flow message's id to its token (for completions that arrive without `flow_token`).
import { FlowStoreError, FlowTokenError } from '../errors.js'
import { createMemoryStore } from './memory.js'
import type { FlowSession, FlowSessions, FlowSessionsOptions, FlowStore } from './types.js'

const DEFAULT_TTL_MS = 24 * 60 * 60 * 1000
/** Longest flow token / message id used as a key; longer ones have no session. */
const MAX_ID = 1024

function validStore(store: unknown): FlowStore {
  const s = store as Partial<FlowStore> | null
  const methods = ['get', 'set', 'delete', 'claim', 'finish', 'release', 'close'] as const
  if (typeof s !== 'object' || s === null || !methods.every((m) => typeof s[m] === 'function')) {
    throw new TypeError(`store must implement FlowStore (${methods.join(', ')})`)
  }
  return s as FlowStore
}

function ttl(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    throw new TypeError(`${name} must be a positive integer (ms)`)
  return value
}

/** A usable key part: a non-empty string of at most MAX_ID characters. */
const usable = (id: unknown): id is string => typeof id === 'string' && id.length > 0 && id.length <= MAX_ID

function encode(value: unknown): string {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (e) {
    throw new TypeError('a session value must be JSON-serialisable', { cause: e })
  }
  if (text === undefined) throw new TypeError('a session value must be JSON-serialisable (not undefined or a function)')
  return text
}

function decode<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined
  try {
    return JSON.parse(text) as T
  } catch (e) {
    throw new FlowStoreError('a stored session is not JSON', { cause: e })
  }
}

export function createFlowSessions<T = unknown>(options: FlowSessionsOptions = {}): FlowSessions<T> {
  if (typeof options !== 'object' || options === null) throw new TypeError('createFlowSessions takes an options object')
  const store = options.store === undefined ? createMemoryStore() : validStore(options.store)
  const ttlMs = ttl(options.ttlMs, 'ttlMs', DEFAULT_TTL_MS)
  const sessionKey = (token: string) => `session:${token}`
  const messageKey = (id: string) => `message:${id}`

  const sessions: FlowSessions<T> = {
    store,
    ttlMs,
    async get(flowToken) {
      return usable(flowToken) ? decode<T>(await store.get(sessionKey(flowToken))) : undefined
    },
    async set(flowToken, value, ms) {
      if (!usable(flowToken)) throw new FlowTokenError('There is no usable flow token to keep a session for')
      await store.set(sessionKey(flowToken), encode(value), ttl(ms, 'ttlMs', ttlMs))
    },
    async delete(flowToken) {
      if (usable(flowToken)) await store.delete(sessionKey(flowToken))
    },
    session(flowToken): FlowSession<T> {
      const token = typeof flowToken === 'string' ? flowToken : ''
      return {
        flowToken: token,
        get: () => sessions.get(token),
        set: (value) => sessions.set(token, value),
        delete: () => sessions.delete(token),
      }
    },
    async linkMessage(messageId, flowToken) {
      if (!usable(messageId) || !usable(flowToken))
        throw new TypeError('linkMessage takes a message id and a flow token (non-empty strings)')
      await store.set(messageKey(messageId), flowToken, ttlMs)
    },
    async tokenForMessage(messageId) {
      return usable(messageId) ? store.get(messageKey(messageId)) : undefined
    },
    close: () => store.close(),
  }
  return sessions
}

/** Checks a `sessions` option of the endpoint, webhook or sender. */
// biome-ignore lint/suspicious/noExplicitAny: the caller types the session value
export function validSessions(value: unknown, name = 'sessions'): FlowSessions<any> | undefined {
  if (value === undefined) return undefined
  const s = value as Partial<FlowSessions<unknown>> | null
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.get !== 'function' ||
    typeof s.session !== 'function' ||
    typeof s.linkMessage !== 'function' ||
    typeof s.store !== 'object'
  ) {
    throw new TypeError(`${name} must come from createFlowSessions()`)
  }
  // biome-ignore lint/suspicious/noExplicitAny: as above
  return s as FlowSessions<any>
}
