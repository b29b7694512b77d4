// Strict standard base64 (RFC 4648 §4) without node: imports: decoding rejects anything that is not base64.

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/

interface BufferLike {
  from(s: string, enc: 'base64'): Uint8Array
  from(b: ArrayBufferLike, off: number, len: number): { toString(enc: 'base64'): string }
}
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer

/** Decodes standard base64 (padding optional, no whitespace); returns undefined if the text is not base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (typeof text !== 'string' || !B64.test(text)) return undefined
  if (NodeBuffer) {
    const b = NodeBuffer.from(text, 'base64')
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
  }
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
