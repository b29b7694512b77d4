// Minimal Graph API client for the key commands: the encryption endpoint URL, bearer auth, error extraction.
import { redact } from '../util/redact.js'
import { CliError, env, required, UsageError } from './common.js'

export const DEFAULT_GRAPH_URL = 'https://graph.facebook.com'
export const DEFAULT_API_VERSION = 'v21.0'

export const graphOptions = {
  'phone-number-id': { type: 'string' },
  'graph-url': { type: 'string' },
  'api-version': { type: 'string' },
} as const

export const graphHelp = `  --phone-number-id <id>   the WhatsApp business phone number ID (required)
  --graph-url <url>        Graph API base URL (default: ${DEFAULT_GRAPH_URL})
  --api-version <v>        Graph API version (default: ${DEFAULT_API_VERSION})`

export interface GraphTarget {
  url: string
  token: string
}

/** Builds `{base}/{version}/{phone-number-id}/whatsapp_business_encryption` and reads WA_ACCESS_TOKEN. */
export function encryptionTarget(opts: { 'phone-number-id'?: string; 'graph-url'?: string; 'api-version'?: string }): GraphTarget {
  const id = required(opts['phone-number-id'], 'phone-number-id')
  if (!/^\d+$/.test(id)) throw new UsageError(`--phone-number-id must be numeric, got "${id}"`)
  const version = opts['api-version'] ?? DEFAULT_API_VERSION
  if (!/^v\d+\.\d+$/.test(version)) throw new UsageError(`--api-version must look like v21.0, got "${version}"`)
  let base: URL
  try {
    base = new URL(opts['graph-url'] ?? DEFAULT_GRAPH_URL)
  } catch {
    throw new UsageError(`--graph-url is not a URL: "${opts['graph-url']}"`)
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new UsageError('--graph-url must be an http(s) URL')
  const token = env('WA_ACCESS_TOKEN')
  if (!token) throw new CliError('WA_ACCESS_TOKEN is not set (a system user access token with whatsapp_business_messaging permission)')
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}/${version}/${id}/whatsapp_business_encryption`, base)
  return { url: url.href, token }
}

/** Sends the request; returns the parsed JSON body of a 2xx answer, throws a CliError with the API's message otherwise. */
export async function graphRequest(target: GraphTarget, init: { method: 'GET' | 'POST'; form?: Record<string, string> }): Promise<unknown> {
  const headers: Record<string, string> = { authorization: `Bearer ${target.token}`, accept: 'application/json' }
  let body: string | undefined
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded'
    body = new URLSearchParams(init.form).toString()
  }
  const clean = (s: string) => redact(s, [target.token])
  let res: Response
  try {
    res = await fetch(target.url, { method: init.method, headers, body, signal: AbortSignal.timeout(30_000) })
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message
    throw new CliError(clean(`request to ${target.url} failed: ${cause ?? (e as Error).message}`))
  }
  const text = await res.text()
  let json: unknown
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {
    json = undefined
  }
  if (!res.ok) {
    const err = (json as { error?: { message?: unknown; code?: unknown } } | undefined)?.error
    const message = typeof err?.message === 'string' ? err.message : text.slice(0, 200).replace(/\s+/g, ' ') || res.statusText
    const code = err?.code !== undefined ? `, code ${String(err.code)}` : ''
    throw new CliError(clean(`Graph API error (HTTP ${res.status}${code}): ${message}`))
  }
  if (json === undefined) throw new CliError(`Graph API answered HTTP ${res.status} without a JSON body`)
  return json
}
