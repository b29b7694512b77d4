// The log sink of the endpoint and webhook: validates a user logger, builds the default one, sanitises the few names logged.
import { stringProperty } from '../util/inspect.js'
import type { FlowLogger } from '../http/types.js'

const noop = () => {}
const silent: FlowLogger = { info: noop, warn: noop, error: noop }

function isTestEnv(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
  return env?.NODE_ENV === 'test'
}

/** Console for warnings and errors, nothing for info; silent under NODE_ENV=test. */
function defaultLogger(): FlowLogger {
  if (isTestEnv()) return silent
  return {
    info: noop,
    warn: (message, fields) => console.warn(`whatsapp-flows: ${message}`, fields ?? ''),
    error: (message, fields) => console.error(`whatsapp-flows: ${message}`, fields ?? ''),
  }
}

export function resolveLogger(logger: unknown): FlowLogger {
  if (logger === undefined) return defaultLogger()
  if (logger === false) return silent
  const l = logger as Partial<FlowLogger> | null
  if (
    typeof l !== 'object' ||
    l === null ||
    typeof l.info !== 'function' ||
    typeof l.warn !== 'function' ||
    typeof l.error !== 'function'
  ) {
    throw new TypeError('logger must be an object with info, warn and error functions, or false')
  }
  return { info: l.info.bind(l), warn: l.warn.bind(l), error: l.error.bind(l) }
}

const NAME = /^[A-Za-z0-9_]{1,64}$/

/** A protocol name (action, screen) safe to log: identifier-like and short, otherwise a placeholder. */
export function safeName(value: unknown): string {
  return typeof value === 'string' && NAME.test(value) ? value : '<unnamed>'
}

/** The loggable part of an error: its class name and code, never its message. Never throws. */
export function errorFields(e: unknown): { error: string; code?: string } {
  const name = typeof e === 'object' && e !== null ? (stringProperty(e, 'name') ?? 'object') : typeof e
  const code = stringProperty(e, 'code')
  return code === undefined ? { error: safeName(name) } : { error: safeName(name), code: safeName(code) }
}

/**
 * Logs a routine event (a client that went away, a probe) at info level, at most once per `intervalMs`: the first
 * occurrence at once, later ones as a count in the next line. Uses no timer, so it keeps nothing alive.
 */
export function routineEvent(logger: FlowLogger, message: string, intervalMs = 60_000): () => void {
  let last = -Infinity
  let unreported = 0
  return () => {
    unreported++
    const now = Date.now()
    if (now - last < intervalMs) return
    logger.info(message, { count: unreported, sinceMs: Number.isFinite(last) ? now - last : 0 })
    last = now
    unreported = 0
  }
}
