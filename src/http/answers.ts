// HTTP helpers of the endpoint and webhook cores: header lookup over Headers or records, body bytes, fixed answers.
import { asBytes, isBytes, utf8 } from '../util/bytes.js'
import type { FlowHeaders, FlowHttpResponse } from './types.js'

/** A header's value from a fetch `Headers` or a Node-style record (case-insensitive); repeated values joined by `, `. */
export function getHeader(headers: FlowHeaders | undefined, name: string): string | undefined {
  if (headers === undefined || headers === null) return undefined
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined
  const lower = name.toLowerCase()
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
    if (k.toLowerCase() !== lower || v === undefined) continue
    if (Array.isArray(v)) return v.join(', ')
    return typeof v === 'string' ? v : undefined
  }
  return undefined
}

export function bodyBytes(body: unknown): Uint8Array {
  if (typeof body === 'string') return utf8(body)
  if (isBytes(body) || body instanceof ArrayBuffer) return asBytes(body)
  if (ArrayBuffer.isView(body)) return asBytes(body)
  throw new TypeError('body must be the raw request body: a string, a Uint8Array/Buffer or an ArrayBuffer')
}

const TEXT: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  421: 'Misdirected Request',
  432: 'Invalid Request Signature',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
}

const BASE = { 'cache-control': 'no-store' }

/** An error answer: status and its fixed reason text, nothing from the request or the error. */
export function statusAnswer(status: number, extra: Record<string, string> = {}): FlowHttpResponse {
  return { status, headers: { ...BASE, 'content-type': 'text/plain; charset=utf-8', ...extra }, body: TEXT[status] ?? 'Error' }
}

/** A plain-text answer with a body of the caller's (the webhook's echoed challenge); never sniffed as HTML. */
export function textAnswer(status: number, body: string): FlowHttpResponse {
  return { status, headers: { ...BASE, 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }, body }
}

/** The 200 answer carrying the encrypted response (base64, text/plain). */
export function encryptedAnswer(base64: string): FlowHttpResponse {
  return { status: 200, headers: { ...BASE, 'content-type': 'text/plain' }, body: base64 }
}

/** The 427 answer: WhatsApp shows `error_msg` and closes the flow. Sent unencrypted as JSON, as Meta documents. */
export function tokenErrorAnswer(message: string): FlowHttpResponse {
  return { status: 427, headers: { ...BASE, 'content-type': 'application/json' }, body: JSON.stringify({ error_msg: message }) }
}
