// X-Hub-Signature-256 verification: HMAC-SHA256(app secret, raw body bytes) on WebCrypto, constant-time compare.
import { FlowSignatureError } from '../errors.js'
import { timingSafeEqual, utf8 } from '../util/bytes.js'

const HEADER = /^sha256=([0-9a-fA-F]{64})$/

/** Normalises `appSecret` (string or array) into a non-empty list; TypeError on anything else. */
export function normaliseSecrets(appSecret: unknown): string[] | undefined {
  if (appSecret === undefined) return undefined
  const list = typeof appSecret === 'string' ? [appSecret] : appSecret
  if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string' && s.length > 0)) {
    throw new TypeError('appSecret must be a non-empty string or a non-empty array of non-empty strings')
  }
  return [...list]
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle
  if (!s) throw new TypeError('globalThis.crypto.subtle is required to verify request signatures')
  return s
}

export interface SignatureVerifier {
  /** Resolves when one secret's HMAC of `body` equals the header's; throws `FlowSignatureError` otherwise. */
  verify(body: Uint8Array, header: string | undefined): Promise<void>
}

export function createSignatureVerifier(secrets: string[]): SignatureVerifier {
  let keys: Promise<CryptoKey[]> | undefined
  const importKeys = () =>
    (keys ??= Promise.all(
      secrets.map((s) => subtle().importKey('raw', utf8(s) as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])),
    ))

  return {
    async verify(body, header) {
      if (header === undefined || header === '') throw new FlowSignatureError('The X-Hub-Signature-256 header is missing')
      const m = HEADER.exec(header.trim())
      if (!m) throw new FlowSignatureError('The X-Hub-Signature-256 header is malformed')
      const expected = hexToBytes(m[1]!)
      let ok = false
      // Every secret is checked (no early exit), so timing does not reveal which one matched.
      for (const key of await importKeys()) {
        const mac = new Uint8Array(await subtle().sign('HMAC', key, body as BufferSource))
        if (timingSafeEqual(mac, expected)) ok = true
      }
      if (!ok) throw new FlowSignatureError('The X-Hub-Signature-256 signature does not match')
    },
  }
}
