// Handler registry and routing: which handler (if any) answers a decrypted request, and the request kinds.
import type { FlowRequest } from '../protocol.js'
import type { FlowErrorNotificationHandler } from './types.js'

// biome-ignore lint/suspicious/noExplicitAny: handlers are typed per screen map by `endpoint.on`; the registry stores them untyped
type AnyHandler = (request: any, ctx: any) => unknown

export type RequestKind = 'ping' | 'error-notification' | 'handled'

/** An error notification: INIT/BACK/data_exchange whose `data.error` is a string (and `error_message`, if any, too). */
export function isErrorNotification(request: FlowRequest): boolean {
  if (request.action !== 'INIT' && request.action !== 'BACK' && request.action !== 'data_exchange') return false
  const data = request.data as Record<string, unknown> | undefined
  if (typeof data !== 'object' || data === null) return false
  return typeof data.error === 'string' && (data.error_message === undefined || typeof data.error_message === 'string')
}

export function requestKind(request: FlowRequest): RequestKind {
  if (request.action === 'ping') return 'ping'
  return isErrorNotification(request) ? 'error-notification' : 'handled'
}

export interface Registry {
  /** Registers per the `endpoint.on` overloads; TypeError on anything else. */
  on(args: unknown[]): void
  setErrorHook(handler: unknown): void
  errorHook(): FlowErrorNotificationHandler | undefined
  /** The handler for a request, or undefined when none is registered. */
  resolve(request: FlowRequest): AnyHandler | undefined
}

const fn = (h: unknown, what: string): AnyHandler => {
  if (typeof h !== 'function') throw new TypeError(`${what} must be a function`)
  return h as AnyHandler
}

export function createRegistry(): Registry {
  let init: AnyHandler | undefined
  let back: AnyHandler | undefined
  let catchAll: AnyHandler | undefined
  let onError: FlowErrorNotificationHandler | undefined
  const screens = new Map<string, AnyHandler>()

  return {
    on(args) {
      const [action, a, b] = args
      if (action === 'INIT' || action === 'BACK') {
        if (args.length !== 2) throw new TypeError(`on('${action}', handler) takes exactly a handler`)
        const h = fn(a, 'handler')
        if (action === 'INIT') init = h
        else back = h
        return
      }
      if (action === 'data_exchange') {
        if (args.length === 2) {
          catchAll = fn(a, 'handler')
          return
        }
        if (args.length === 3 && typeof a === 'string' && a.length > 0) {
          screens.set(a, fn(b, 'handler'))
          return
        }
        throw new TypeError("on('data_exchange', [screen: non-empty string,] handler)")
      }
      if (action === 'ping') throw new TypeError('ping is answered automatically; it takes no handler')
      throw new TypeError(
        `action must be 'INIT', 'BACK' or 'data_exchange', got ${typeof action === 'string' ? `'${action}'` : typeof action}`,
      )
    },
    setErrorHook(handler) {
      onError = fn(handler, 'onErrorNotification handler') as FlowErrorNotificationHandler
    },
    errorHook: () => onError,
    resolve(request) {
      switch (request.action) {
        case 'INIT':
          return init
        case 'BACK':
          return back
        case 'data_exchange':
          return (typeof request.screen === 'string' ? screens.get(request.screen) : undefined) ?? catchAll
        default:
          return undefined
      }
    },
  }
}
