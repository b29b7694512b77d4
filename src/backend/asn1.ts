// A minimal DER reader/writer for key containers (PKCS#1, PKCS#8, PBES2 parameters): definite lengths, one-byte tags.

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
} as const

/** One TLV: `tag`, its `content` (a view, not a copy) and the whole encoding `der`. */
export interface Node {
  readonly tag: number
  readonly content: Uint8Array
  readonly der: Uint8Array
}

/** Thrown for any structural problem; callers turn it into their own error. */
export class Asn1Error extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'Asn1Error'
  }
}

function readAt(buf: Uint8Array, offset: number): Node {
  if (offset + 2 > buf.length) throw new Asn1Error('truncated header')
  const tag = buf[offset]!
  if ((tag & 0x1f) === 0x1f) throw new Asn1Error('multi-byte tags are not supported')
  let pos = offset + 1
  let len = buf[pos++]!
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 4) throw new Asn1Error('unsupported length form')
    if (pos + n > buf.length) throw new Asn1Error('truncated length')
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos++]!
  }
  const end = pos + len
  if (end > buf.length) throw new Asn1Error('truncated content')
  return { tag, content: buf.subarray(pos, end), der: buf.subarray(offset, end) }
}

/** Parses exactly one TLV spanning the whole buffer. */
export function parse(buf: Uint8Array): Node {
  const node = readAt(buf, 0)
  if (node.der.length !== buf.length) throw new Asn1Error('trailing data')
  return node
}

/** The TLVs inside a constructed node (SEQUENCE, or a context tag holding several). */
export function children(node: Node): Node[] {
  if (!(node.tag & 0x20)) throw new Asn1Error('not a constructed type')
  const out: Node[] = []
  let offset = 0
  while (offset < node.content.length) {
    const child = readAt(node.content, offset)
    out.push(child)
    offset += child.der.length
  }
  return out
}

/** Asserts the tag, returning the node. */
export function expect(node: Node | undefined, tag: number): Node {
  if (!node || node.tag !== tag) throw new Asn1Error(`expected tag 0x${tag.toString(16)}`)
  return node
}

/** The children of a SEQUENCE, asserting the tag. */
export function sequence(node: Node | undefined): Node[] {
  return children(expect(node, TAG.SEQUENCE))
}

/** Dotted text of an OBJECT IDENTIFIER node. */
export function oid(node: Node | undefined): string {
  const c = expect(node, TAG.OID).content
  if (c.length === 0) throw new Asn1Error('empty OID')
  const arcs: number[] = []
  let value = 0
  for (let i = 0; i < c.length; i++) {
    value = value * 128 + (c[i]! & 0x7f)
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new Asn1Error('OID arc too large')
    if (!(c[i]! & 0x80)) {
      arcs.push(value)
      value = 0
    } else if (i === c.length - 1) throw new Asn1Error('truncated OID')
  }
  const first = arcs.shift()!
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80]
  return [...head, ...arcs].join('.')
}

/** A small non-negative INTEGER as a number (iteration counts, versions, key lengths). */
export function smallInt(node: Node | undefined): number {
  const c = expect(node, TAG.INTEGER).content
  if (c.length === 0 || c.length > 6 || c[0]! & 0x80) throw new Asn1Error('integer out of range')
  let v = 0
  for (const b of c) v = v * 256 + b
  return v
}

/** Bit length of a positive INTEGER (leading zero bytes ignored). */
export function intBits(node: Node | undefined): number {
  const c = expect(node, TAG.INTEGER).content
  if (c.length === 0 || c[0]! & 0x80) throw new Asn1Error('not a positive integer')
  let i = 0
  while (i < c.length && c[i] === 0) i++
  if (i === c.length) return 0
  return (c.length - i - 1) * 8 + (32 - Math.clz32(c[i]!))
}

function encodeLength(len: number): Uint8Array {
  if (len < 0x80) return Uint8Array.of(len)
  const bytes: number[] = []
  for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff)
  return Uint8Array.of(0x80 | bytes.length, ...bytes)
}

/** Encodes one TLV from already-encoded content parts. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const len = parts.reduce((n, p) => n + p.length, 0)
  const header = encodeLength(len)
  const out = new Uint8Array(1 + header.length + len)
  out[0] = tag
  out.set(header, 1)
  let o = 1 + header.length
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** Encodes a dotted OID. */
export function encodeOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number)
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0)) throw new Asn1Error('bad OID')
  const values = [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]
  const bytes: number[] = []
  for (const v of values) {
    const group = [v & 0x7f]
    for (let n = Math.floor(v / 128); n > 0; n = Math.floor(n / 128)) group.unshift((n & 0x7f) | 0x80)
    bytes.push(...group)
  }
  return tlv(TAG.OID, Uint8Array.from(bytes))
}
