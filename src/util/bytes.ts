// Byte helpers shared by the backends and the protocol layer (no node: imports).

const encoder = new TextEncoder()
const strictDecoder = new TextDecoder('utf-8', { fatal: true })

export const utf8 = (s: string): Uint8Array => encoder.encode(s)

/** Decodes UTF-8, throwing on invalid sequences. */
export const fromUtf8 = (b: Uint8Array): string => strictDecoder.decode(b)

/** The response IV: every byte of the request IV inverted. */
export function flipIv(iv: Uint8Array): Uint8Array {
  const out = new Uint8Array(iv.length)
  for (let i = 0; i < iv.length; i++) out[i] = iv[i]! ^ 0xff
  return out
}

/** Constant-time equality: time depends on the lengths only. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** A Uint8Array view of any ArrayBufferView or ArrayBuffer, without copying. */
export function asBytes(v: ArrayBufferView | ArrayBuffer): Uint8Array {
  if (isBytes(v)) return v
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
  return new Uint8Array(v)
}

/** A Uint8Array (or Buffer), also one made in another realm (a vm context, an iframe), where instanceof fails. */
export function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array || (ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === '[object Uint8Array]')
}
