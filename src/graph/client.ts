// The Graph API transport shared by every Graph call (sending flows, the Media API, the key commands): bearer auth,
// API version, retries with backoff on 429/5xx and Meta's throttling codes, errors carrying Graph's code, subcode
// and fbtrace_id, and the access token redacted from every message. fetch + WebCrypto only (no node: imports).
import { GraphApiError } from '../errors.js'
import { ENV, readEnv } from '../util/env.js'
import { describeNetworkError } from '../util/net-error.js'
import { redact } from '../util/redact.js'

export const DEFAULT_GRAPH_URL = 'https://graph.facebook.com'
export const DEFAULT_API_VERSION = 'v21.0'

/** Graph error codes that mean "try again later" whatever the HTTP status (Meta: key on error.code). */
const TRANSIENT_CODES = new Set([1, 2, 4, 17, 341, 80007, 130429, 131000, 131016])
/** Longest wait between two attempts, whatever Retry-After says. */
const MAX_DELAY_MS = 30_000

export interface GraphTransportOptions {
  /**
   * System user access token with `whatsapp_business_messaging` (and `whatsapp_business_management` for keys).
   * Default: WA_FLOWS_ACCESS_TOKEN.
   */
  accessToken?: string
  /** Graph API version (default `v21.0`). */
  apiVersion?: string
  /** Base URL (default `https://graph.facebook.com`); a local mock in tests. */
  baseUrl?: string | URL
  /** Retries after the first attempt on 429, 5xx and throttling codes (default 3; 0 disables). */
  retries?: number
  /** First backoff delay in ms, doubled per retry with jitter (default 500). `Retry-After` is honoured when longer. */
  retryDelayMs?: number
  /** Time limit per attempt in ms (default 30 000). */
  timeoutMs?: number
  /** fetch implementation (default globalThis.fetch). */
  fetch?: typeof globalThis.fetch
}

export interface GraphRequestInit {
  /** Query parameters. */
  query?: Record<string, string>
  /** JSON body. */
  json?: unknown
  /** Form body (`application/x-www-form-urlencoded`). */
  form?: Record<string, string>
  signal?: AbortSignal
}

export interface GraphTransport {
  readonly apiVersion: string
  readonly baseUrl: string
  /** `{base}/{version}/{path}`: JSON answer of a 2xx, `GraphApiError` otherwise (after the retries). */
  request(method: 'GET' | 'POST' | 'DELETE', path: string, init?: GraphRequestInit): Promise<unknown>
  /** GETs an absolute URL with the bearer token (Media API download URLs); the Response of a 2xx, else GraphApiError. */
  fetchAuthorized(url: string, init?: { signal?: AbortSignal }): Promise<Response>
  /** Removes the token (whole or in part) from a text meant for people. */
  redact(text: string): string
}

function nonNegativeInt(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new TypeError(`${name} must be a non-negative integer`)
  return value
}

interface GraphErrorBody {
  message?: unknown
  type?: unknown
  code?: unknown
  error_subcode?: unknown
  fbtrace_id?: unknown
  error_user_msg?: unknown
  error_data?: { details?: unknown }
}

const num = (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined)

/** Seconds (or an HTTP date) of a Retry-After header, as ms; undefined when absent or unreadable. */
function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const at = Date.parse(value)
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

export function createGraphTransport(options: GraphTransportOptions): GraphTransport {
  if (typeof options !== 'object' || options === null) throw new TypeError('the Graph client takes an options object (accessToken, …)')
  const token = options.accessToken ?? readEnv(ENV.accessToken)
  if (token === undefined)
    throw new TypeError('accessToken is required (or set WA_FLOWS_ACCESS_TOKEN): a system user token with whatsapp_business_messaging')
  if (typeof token !== 'string' || token.trim() === '') throw new TypeError('accessToken must be a non-empty string')
  const apiVersion = options.apiVersion ?? DEFAULT_API_VERSION
  if (typeof apiVersion !== 'string' || !/^v\d+\.\d+$/.test(apiVersion)) throw new TypeError(`apiVersion must look like v21.0`)
  let base: URL
  try {
    base = new URL(options.baseUrl ?? DEFAULT_GRAPH_URL)
  } catch {
    throw new TypeError('baseUrl must be a URL')
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new TypeError('baseUrl must be an http(s) URL')
  const retries = nonNegativeInt(options.retries, 'retries', 3)
  const retryDelayMs = nonNegativeInt(options.retryDelayMs, 'retryDelayMs', 500)
  const timeoutMs = nonNegativeInt(options.timeoutMs, 'timeoutMs', 30_000) || 30_000
  const doFetch = options.fetch ?? globalThis.fetch
  if (typeof doFetch !== 'function') throw new TypeError('fetch must be a function')
  const clean = (text: string) => redact(text, [token])
  const basePath = base.pathname.replace(/\/+$/, '')

  const backoff = (attempt: number) => {
    const full = Math.min(MAX_DELAY_MS, retryDelayMs * 2 ** attempt)
    return Math.round(full / 2 + Math.random() * (full / 2))
  }

  /** The error for a non-2xx answer, and whether another attempt may succeed. */
  function apiError(res: Response, text: string): { error: GraphApiError; retry: boolean } {
    let body: GraphErrorBody | undefined
    try {
      body = (JSON.parse(text) as { error?: GraphErrorBody }).error
    } catch {
      body = undefined
    }
    const graphCode = num(body?.code)
    const fbtraceId = str(body?.fbtrace_id)
    const message = str(body?.message) ?? (text.slice(0, 200).replace(/\s+/g, ' ') || res.statusText || 'no message')
    const head = `Graph API error (HTTP ${res.status}${graphCode === undefined ? '' : `, code ${graphCode}`})`
    const error = new GraphApiError(clean(`${head}: ${message}${fbtraceId ? ` (fbtrace_id ${fbtraceId})` : ''}`), GraphApiError.codes.api, {
      httpStatus: res.status,
      graphCode,
      graphSubcode: num(body?.error_subcode),
      fbtraceId,
      graphType: str(body?.type),
      details: body?.error_data?.details === undefined ? undefined : clean(String(body.error_data.details)),
    })
    const retry = res.status === 429 || res.status >= 500 || (graphCode !== undefined && TRANSIENT_CODES.has(graphCode))
    return { error, retry }
  }

  /** One call with retries; `idempotent` calls are also retried after network errors and timeouts. */
  async function attempt(url: string, init: RequestInit, idempotent: boolean, signal: AbortSignal | undefined): Promise<Response> {
    let last: GraphApiError | undefined
    let wait: number | undefined
    for (let i = 0; i <= retries; i++) {
      if (i > 0) await sleep(Math.min(MAX_DELAY_MS, Math.max(backoff(i - 1), wait ?? 0)), signal)
      const timeout = AbortSignal.timeout(timeoutMs)
      const any = (AbortSignal as { any?: (s: AbortSignal[]) => AbortSignal }).any
      const combined = signal && typeof any === 'function' ? any([signal, timeout]) : (signal ?? timeout)
      let res: Response
      try {
        res = await doFetch(url, { ...init, signal: combined })
      } catch (e) {
        if (signal?.aborted) throw signal.reason
        const error = new GraphApiError(
          clean(`request to ${url} failed: ${describeNetworkError(e)}`),
          GraphApiError.codes.unreachable,
          {},
          { cause: e },
        )
        if (!idempotent) throw error
        last = error
        wait = undefined
        continue
      }
      if (res.ok) return res
      const text = await res.text().catch(() => '')
      const { error, retry } = apiError(res, text)
      if (!retry) throw error
      last = error
      wait = retryAfterMs(res.headers.get('retry-after'))
    }
    throw last!
  }

  const headers = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, accept: 'application/json', ...extra })

  return {
    apiVersion,
    baseUrl: base.href,
    redact: clean,
    async request(method, path, init = {}) {
      if (typeof path !== 'string' || path === '' || path.startsWith('/') || path.includes('..'))
        throw new TypeError('path must be a relative Graph path like "<id>/messages"')
      const url = new URL(`${basePath}/${apiVersion}/${path}`, base)
      for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v)
      let body: string | undefined
      const extra: Record<string, string> = {}
      if (init.json !== undefined) {
        extra['content-type'] = 'application/json'
        body = JSON.stringify(init.json)
      } else if (init.form) {
        extra['content-type'] = 'application/x-www-form-urlencoded'
        body = new URLSearchParams(init.form).toString()
      }
      const res = await attempt(url.href, { method, headers: headers(extra), body }, method === 'GET', init.signal)
      const text = await res.text()
      if (text === '') return undefined
      try {
        return JSON.parse(text)
      } catch {
        throw new GraphApiError(`Graph API answered HTTP ${res.status} without a JSON body`, GraphApiError.codes.api, {
          httpStatus: res.status,
        })
      }
    },
    fetchAuthorized(url, init = {}) {
      if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) throw new TypeError('url must be an http(s) URL')
      return attempt(url, { method: 'GET', headers: headers({ accept: '*/*' }) }, true, init.signal)
    },
  }
}
