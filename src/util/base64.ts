// Strict standard base64 (RFC 4648 §4) without node: imports: decoding rejects anything that is not base64.

// A linear character-class scan (fast in every regex engine) plus length rules for the padding.
const B64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/**
 * Canonical standard base64: the alphabet, padding only at the end and only to a whole quad, and the bits the last
 * character carries beyond the data zero (`AB` and `QR==` decode, but no encoder writes them: refused, as on the
 * Buffer path).
 */
function isBase64(text: string): boolean {
  if (!B64_CHARS.test(text)) return false
  const padded = text.charCodeAt(text.length - 1) === 0x3d // '='
  if (padded ? text.length % 4 !== 0 : text.length % 4 === 1) return false
  const data = text.replace(/=+$/, '')
  const spare = data.length % 4 === 2 ? 0x0f : data.length % 4 === 3 ? 0x03 : 0
  return (ALPHABET.indexOf(data.charAt(data.length - 1)) & spare) === 0
}

interface BufferLike {
  from(s: string, enc: 'base64'): Uint8Array
  from(b: ArrayBufferLike, off: number, len: number): { toString(enc: 'base64'): string }
}
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer

/** Decodes standard base64 (padding optional, no whitespace); returns undefined if the text is not base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined
  if (NodeBuffer) {
    // Node's decoder skips what it does not understand, so check by encoding back: only canonical standard
    // base64 (padding optional) survives the round trip. Several times faster than a regex over the text.
    if (text.length % 4 === 1 || (text.length % 4 !== 0 && text.endsWith('='))) return undefined
    const b = NodeBuffer.from(text, 'base64')
    const again = NodeBuffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')
    const padded = text.length % 4 === 0 ? text : text + '='.repeat(4 - (text.length % 4))
    if (again !== padded) return undefined
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
  }
  if (!isBase64(text)) return undefined
  const bin = atob(text)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

/** Encodes bytes as padded standard base64. */
export function encodeBase64(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
  let bin = ''
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(bin)
}
