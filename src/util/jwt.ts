// HS256 JSON Web Tokens on WebCrypto: strict verification (alg HS256 only, every secret tried, constant-time) and
// signing (for the simulator). Used for Data API 4.0's `flow_token_signature`. No node: imports.
import { decodeBase64, encodeBase64 } from './base64.js'
import { fromUtf8, timingSafeEqual, utf8 } from './bytes.js'

const SEGMENT = /^[A-Za-z0-9_-]+$/
/** Allowed clock difference for `exp` / `nbf`, in seconds. */
const LEEWAY_S = 60

/** Why a token was refused; the verifier's callers turn it into their own error. */
export class JwtError extends Error {
  override name = 'JwtError'
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle
  if (!s) throw new TypeError('globalThis.crypto.subtle is required for HS256 tokens')
  return s
}

function fromBase64Url(segment: string): Uint8Array | undefined {
  if (!SEGMENT.test(segment) || segment.length % 4 === 1) return undefined
  return decodeBase64(segment.replace(/-/g, '+').replace(/_/g, '/'))
}

export function toBase64Url(bytes: Uint8Array): string {
  return encodeBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function jsonObject(segment: string, what: string): Record<string, unknown> {
  const bytes = fromBase64Url(segment)
  if (!bytes) throw new JwtError(`the ${what} is not base64url`)
  let value: unknown
  try {
    value = JSON.parse(fromUtf8(bytes))
  } catch {
    throw new JwtError(`the ${what} is not JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new JwtError(`the ${what} is not a JSON object`)
  return value as Record<string, unknown>
}

function importHmac(secret: string): Promise<CryptoKey> {
  return subtle().importKey('raw', utf8(secret) as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
}

export interface Hs256Verifier {
  /**
   * Verifies an HS256 JWT against every secret (no early exit) and returns its payload. Refuses anything whose header
   * `alg` is not exactly `HS256` (`none`, `HS512`, `RS256`…), a `crit` header, a wrong signature, and an `exp` in
   * the past or an `nbf` in the future (when present, with 60 s leeway). Throws `JwtError` saying which.
   */
  verify(token: string, nowS?: number): Promise<Record<string, unknown>>
}

/** A verifier for these secrets (several during rotation); the HMAC keys are imported once. */
export function createHs256Verifier(secrets: readonly string[]): Hs256Verifier {
  if (secrets.length === 0) throw new TypeError('at least one secret is required')
  let keys: Promise<CryptoKey[]> | undefined
  return {
    async verify(token, nowS = Date.now() / 1000) {
      if (typeof token !== 'string' || token.length === 0) throw new JwtError('the token is empty')
      if (token.length > 8192) throw new JwtError('the token is too long')
      const parts = token.split('.')
      if (parts.length !== 3) throw new JwtError('the token does not have three parts')
      const [h, p, s] = parts as [string, string, string]
      const header = jsonObject(h, 'header')
      if (header.alg !== 'HS256') throw new JwtError('the algorithm is not HS256')
      if (header.typ !== undefined && header.typ !== 'JWT') throw new JwtError('the token type is not JWT')
      if (header.crit !== undefined) throw new JwtError('the token has critical extensions')
      const mac = fromBase64Url(s)
      if (!mac) throw new JwtError('the signature is not base64url')
      const signed = utf8(`${h}.${p}`)
      let ok = false
      for (const key of await (keys ??= Promise.all(secrets.map(importHmac)))) {
        const expected = new Uint8Array(await subtle().sign('HMAC', key, signed as BufferSource))
        if (timingSafeEqual(expected, mac)) ok = true
      }
      if (!ok) throw new JwtError('the signature does not match')
      const payload = jsonObject(p, 'payload')
      if (payload.exp !== undefined && (typeof payload.exp !== 'number' || payload.exp + LEEWAY_S <= nowS))
        throw new JwtError('the token has expired')
      if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf - LEEWAY_S > nowS))
        throw new JwtError('the token is not valid yet')
      return payload
    },
  }
}

/** Signs `payload` as an HS256 JWT (`{"alg":"HS256","typ":"JWT"}`), e.g. a simulated `flow_token_signature`. */
export async function signHs256(payload: object, secret: string): Promise<string> {
  const h = toBase64Url(utf8(JSON.stringify({ alg: 'HS256', typ: 'JWT' })))
  const p = toBase64Url(utf8(JSON.stringify(payload)))
  const mac = new Uint8Array(await subtle().sign('HMAC', await importHmac(secret), utf8(`${h}.${p}`) as BufferSource))
  return `${h}.${p}.${toBase64Url(mac)}`
}
