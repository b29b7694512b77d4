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

/** Joins byte chunks with one allocation. Takes an array, never spread arguments: a request decides how many. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0
  for (const p of parts) total += p.length
  const out = new Uint8Array(total)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/**
 * Collects a byte stream of unknown length: each chunk is copied into one buffer that grows geometrically (or is
 * sized once from a declared length), so neither the number of chunks nor their size decides the cost, and no
 * reference to the producer's chunks is kept. `push` returns false, and keeps nothing more, past `max` bytes.
 */
export class ByteSink {
  #buf: Uint8Array
  #length = 0
  readonly max: number

  constructor(max = Number.MAX_SAFE_INTEGER, expected = 0) {
    this.max = max
    this.#buf = new Uint8Array(Math.min(Math.max(expected, 0), max))
  }

  get length(): number {
    return this.#length
  }

  push(chunk: Uint8Array): boolean {
    const need = this.#length + chunk.length
    if (need > this.max) return false
    if (need > this.#buf.length) {
      const grown = new Uint8Array(Math.min(this.max, Math.max(need, this.#buf.length * 2, 16 * 1024)))
      grown.set(this.#buf.subarray(0, this.#length))
      this.#buf = grown
    }
    this.#buf.set(chunk, this.#length)
    this.#length = need
    return true
  }

  /** The bytes collected (a view of the sink's buffer: the sink must not be used afterwards). */
  bytes(): Uint8Array {
    return this.#length === this.#buf.length ? this.#buf : this.#buf.subarray(0, this.#length)
  }
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
