// RSA private key import for WebCrypto: PEM/DER, PKCS#1 wrapped into PKCS#8, PBES2 (PBKDF2 + AES-CBC) decryption,
// and the same refusal reasons as the native loader (messages from the table in errors.ts). globalThis.crypto only.
import { FlowBackendError, flowError, FlowKeyError, type FlowKeyErrorReason } from '../errors.js'
import * as asn1 from './asn1.js'
import { numbersAgree, pairwiseOk, rsaParts } from './rsa-check.js'

/** OpenSSL writes 2048 by default; 10 million covers every deliberate choice. */
const MAX_PBKDF2_ITERATIONS = 10_000_000
import { decodeBase64 } from '../util/base64.js'

/** Smallest modulus accepted, as Meta requires for Flows keys (same as the native side). */
export const MIN_BITS = 2048

const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  scrypt: '1.3.6.1.4.1.11591.4.11',
}

const PRF_HASH: Record<string, string> = {
  '1.2.840.113549.2.7': 'SHA-1',
  '1.2.840.113549.2.9': 'SHA-256',
  '1.2.840.113549.2.10': 'SHA-384',
  '1.2.840.113549.2.11': 'SHA-512',
}

const AES_CBC_KEY_BYTES: Record<string, number> = {
  '2.16.840.1.101.3.4.1.2': 16,
  '2.16.840.1.101.3.4.1.22': 24,
  '2.16.840.1.101.3.4.1.42': 32,
}

/** Ciphers WebCrypto lacks, named in the error so the operator knows why the key needs converting. */
const KNOWN_CIPHERS: Record<string, string> = {
  '1.2.840.113549.3.7': 'DES-EDE3-CBC',
  '1.3.14.3.2.7': 'DES-CBC',
  '1.2.840.113549.3.2': 'RC2-CBC',
}

const keyError = (reason: FlowKeyErrorReason, detail?: string, cause?: unknown) =>
  flowError('ERR_FLOW_KEY_INVALID', reason, detail, cause) as FlowKeyError

/** A key protected with a scheme WebCrypto lacks: the message names it (the caller may convert and retry). */
const unsupported = (what: string) => keyError('unsupported-format', what)

/** A view WebCrypto accepts (copies views of a SharedArrayBuffer). */
export function bufferSource(u: Uint8Array): Uint8Array<ArrayBuffer> {
  return (u.buffer instanceof ArrayBuffer ? u : u.slice()) as Uint8Array<ArrayBuffer>
}

function subtle(): SubtleCrypto {
  const s = (globalThis as { crypto?: Crypto }).crypto?.subtle
  if (!s) throw new FlowBackendError('globalThis.crypto.subtle is not available in this runtime', FlowBackendError.codes.unavailable)
  return s
}

/** A key in PKCS#8 PrivateKeyInfo DER, and whether it came out of a passphrase decryption. */
interface Pkcs8 {
  der: Uint8Array
  decrypted: boolean
}

interface PemBlock {
  label: string
  headers: string[]
  body: string | undefined
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true })

/** The text if the bytes are UTF-8 holding a PEM armour line, as the native loader decides. */
function pemText(data: Uint8Array): string | undefined {
  let text: string
  try {
    text = fatalUtf8.decode(data)
  } catch {
    return undefined
  }
  return text.includes('-----BEGIN ') ? text : undefined
}

/**
 * The private-key PEM block (or else the first block): its label, RFC 1421 headers (legacy encryption) and base64
 * body (undefined if no END line). Bundles that put a certificate or public key before the key are common.
 */
function firstPemBlock(text: string): PemBlock {
  const lines = text.split('\n').map((l) => l.trim())
  const isBegin = (l: string) => l.startsWith('-----BEGIN ') && l.endsWith('-----')
  const privateAt = lines.findIndex((l) => isBegin(l) && l.endsWith('PRIVATE KEY-----'))
  const begin = privateAt >= 0 ? privateAt : lines.findIndex(isBegin)
  if (begin < 0) return { label: '', headers: [], body: undefined }
  const label = lines[begin]!.slice('-----BEGIN '.length, -'-----'.length)
  const headers: string[] = []
  const body: string[] = []
  for (let i = begin + 1; i < lines.length; i++) {
    const line = lines[i]!
    if (line.startsWith('-----END ')) return { label, headers, body: line === `-----END ${label}-----` ? body.join('') : undefined }
    if (body.length === 0 && line.includes(':')) headers.push(line)
    else body.push(line)
  }
  return { label, headers, body: undefined }
}

function decodePemBody(body: string | undefined): Uint8Array {
  const b64 = body?.replace(/\s+/g, '')
  // PEM bodies are always padded: require whole quads, then the shared strict decoder.
  const out = b64 && b64.length % 4 === 0 ? decodeBase64(b64) : undefined
  if (!out) throw keyError('malformed')
  return out
}

/** True if `der` is an RSAPrivateKey (PKCS#1): version 0/1 then at least eight INTEGERs. */
function isPkcs1Private(der: Uint8Array): boolean {
  try {
    const items = asn1.sequence(asn1.parse(der))
    return items.length >= 9 && items.slice(0, 9).every((n) => n.tag === asn1.TAG.INTEGER) && asn1.smallInt(items[0]) <= 1
  } catch {
    return false
  }
}

/** PrivateKeyInfo { version 0, rsaEncryption + NULL, OCTET STRING RSAPrivateKey }. */
function wrapPkcs1(pkcs1: Uint8Array): Uint8Array {
  const { tlv, TAG, encodeOid } = asn1
  return tlv(
    TAG.SEQUENCE,
    tlv(TAG.INTEGER, Uint8Array.of(0)),
    tlv(TAG.SEQUENCE, encodeOid(OID.rsaEncryption), tlv(TAG.NULL)),
    tlv(TAG.OCTET_STRING, pkcs1),
  )
}

async function fromPem(text: string, passphrase: string | undefined): Promise<Pkcs8> {
  const block = firstPemBlock(text)
  switch (block.label) {
    case 'PRIVATE KEY':
      return { der: decodePemBody(block.body), decrypted: false }
    case 'ENCRYPTED PRIVATE KEY':
      if (passphrase === undefined) throw keyError('passphrase-required')
      return decryptPkcs8(decodePemBody(block.body), passphrase)
    case 'RSA PRIVATE KEY': {
      if (block.headers.some((h) => h.replace(/\s+/g, '') === 'Proc-Type:4,ENCRYPTED')) {
        if (passphrase === undefined) throw keyError('passphrase-required')
        const dek = block.headers.find((h) => h.startsWith('DEK-Info:'))
        const cipher = dek ? dek.slice('DEK-Info:'.length).split(',')[0]!.trim() : 'an unknown cipher'
        throw unsupported(`legacy PEM encryption (${cipher}, MD5 key derivation)`)
      }
      const pkcs1 = decodePemBody(block.body)
      if (!isPkcs1Private(pkcs1)) throw keyError('malformed')
      return { der: wrapPkcs1(pkcs1), decrypted: false }
    }
    case 'PUBLIC KEY':
    case 'RSA PUBLIC KEY':
    case 'CERTIFICATE':
      throw keyError('public-key')
    default:
      if (block.label.endsWith('PRIVATE KEY')) throw keyError('not-rsa')
      throw keyError('malformed', 'no-private-key')
  }
}

type DerShape = 'pkcs8' | 'encrypted-pkcs8' | 'pkcs1' | 'sec1' | 'public' | 'unknown'

/** Tells the DER containers apart by their outer structure. */
function derShape(der: Uint8Array): DerShape {
  let items: asn1.Node[]
  try {
    items = asn1.sequence(asn1.parse(der))
  } catch {
    return 'unknown'
  }
  const tags = items.map((n) => n.tag)
  const { INTEGER, SEQUENCE, OCTET_STRING, BIT_STRING } = asn1.TAG
  if (tags[0] === INTEGER && tags[1] === SEQUENCE && tags[2] === OCTET_STRING) return 'pkcs8'
  if (tags.length === 2 && tags[0] === SEQUENCE && tags[1] === OCTET_STRING) return 'encrypted-pkcs8'
  if (isPkcs1Private(der)) return 'pkcs1'
  if (tags[0] === INTEGER && tags[1] === OCTET_STRING) return 'sec1'
  if (tags.length === 2 && tags[0] === INTEGER && tags[1] === INTEGER) return 'public'
  if (tags.length === 2 && tags[0] === SEQUENCE && tags[1] === BIT_STRING) return 'public'
  if (tags.length === 3 && tags[0] === SEQUENCE && tags[1] === SEQUENCE && tags[2] === BIT_STRING) return 'public'
  return 'unknown'
}

async function fromDer(der: Uint8Array, passphrase: string | undefined): Promise<Pkcs8> {
  switch (derShape(der)) {
    case 'pkcs8':
      return { der, decrypted: false }
    case 'encrypted-pkcs8':
      if (passphrase === undefined) throw keyError('passphrase-required')
      return decryptPkcs8(der, passphrase)
    case 'pkcs1':
      return { der: wrapPkcs1(der), decrypted: false }
    case 'sec1':
      throw keyError('not-rsa')
    case 'public':
      throw keyError('public-key')
    default:
      throw keyError('malformed')
  }
}

interface Pbes2Params {
  salt: Uint8Array
  iterations: number
  hash: string
  keyBytes: number
  iv: Uint8Array
  encrypted: Uint8Array
}

/** Reads EncryptedPrivateKeyInfo with PBES2/PBKDF2/AES-CBC; anything else WebCrypto cannot open is `unsupported-format`. */
function pbes2Params(der: Uint8Array): Pbes2Params {
  let scheme: string
  let params: asn1.Node | undefined
  let encrypted: Uint8Array
  try {
    const [algId, data] = asn1.sequence(asn1.parse(der))
    const alg = asn1.sequence(algId)
    scheme = asn1.oid(alg[0])
    params = alg[1]
    encrypted = asn1.expect(data, asn1.TAG.OCTET_STRING).content
  } catch (e) {
    throw keyError('malformed', undefined, e)
  }
  if (scheme !== OID.pbes2) throw unsupported(`a PKCS#5 v1.5 or PKCS#12 scheme (${scheme})`)
  let kdf: asn1.Node[]
  let enc: asn1.Node[]
  let kdfOid: string
  let encOid: string
  try {
    ;[kdf, enc] = asn1.sequence(params).map((n) => asn1.sequence(n)) as [asn1.Node[], asn1.Node[]]
    kdfOid = asn1.oid(kdf[0])
    encOid = asn1.oid(enc[0])
  } catch (e) {
    throw keyError('malformed', undefined, e)
  }
  if (kdfOid !== OID.pbkdf2) throw unsupported(kdfOid === OID.scrypt ? 'scrypt' : `the key derivation ${kdfOid}`)
  const keyBytes = AES_CBC_KEY_BYTES[encOid]
  if (keyBytes === undefined) throw unsupported(KNOWN_CIPHERS[encOid] ?? `the cipher ${encOid}`)
  try {
    const iv = asn1.expect(enc[1], asn1.TAG.OCTET_STRING).content
    const p = asn1.sequence(kdf[1])
    const salt = asn1.expect(p[0], asn1.TAG.OCTET_STRING).content
    const iterations = asn1.smallInt(p[1])
    let i = 2
    if (p[i]?.tag === asn1.TAG.INTEGER && asn1.smallInt(p[i++]) !== keyBytes)
      throw new asn1.Asn1Error('key length does not match the cipher')
    let hash = 'SHA-1'
    if (p[i]) {
      const prf = asn1.oid(asn1.sequence(p[i])[0])
      const h = PRF_HASH[prf]
      if (!h) throw unsupported(`the PBKDF2 PRF ${prf}`)
      hash = h
    }
    // An absurd iteration count in a crafted file would stall key loading for minutes: cap it far above any real key.
    if (iv.length !== 16 || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) throw new asn1.Asn1Error('bad IV or iteration count')
    return { salt, iterations, hash, keyBytes, iv, encrypted }
  } catch (e) {
    if (e instanceof FlowKeyError) throw e
    throw keyError('malformed', undefined, e)
  }
}

async function decryptPkcs8(der: Uint8Array, passphrase: string): Promise<Pkcs8> {
  const p = pbes2Params(der)
  const s = subtle()
  const password = await s.importKey('raw', bufferSource(new TextEncoder().encode(passphrase)), 'PBKDF2', false, ['deriveBits'])
  const bits = await s.deriveBits(
    { name: 'PBKDF2', salt: bufferSource(p.salt), iterations: p.iterations, hash: p.hash },
    password,
    p.keyBytes * 8,
  )
  let aes: CryptoKey
  try {
    aes = await s.importKey('raw', bits, 'AES-CBC', false, ['decrypt'])
  } catch {
    throw unsupported(`AES-${p.keyBytes * 8}-CBC`)
  }
  let plain: ArrayBuffer
  try {
    plain = await s.decrypt({ name: 'AES-CBC', iv: bufferSource(p.iv) }, aes, bufferSource(p.encrypted))
  } catch (e) {
    throw keyError('wrong-passphrase', undefined, e)
  }
  return { der: new Uint8Array(plain), decrypted: true }
}

/** Checks PrivateKeyInfo for rsaEncryption; returns the modulus size and the RSAPrivateKey (PKCS#1) inside. */
function rsaKeyInfo(k: Pkcs8): { bits: number; pkcs1: Uint8Array } {
  const fail = (e: unknown) => (k.decrypted ? keyError('wrong-passphrase', undefined, e) : keyError('malformed', undefined, e))
  let alg: string
  let inner: Uint8Array
  try {
    const items = asn1.sequence(asn1.parse(k.der))
    if (asn1.smallInt(items[0]) > 1) throw new asn1.Asn1Error('unknown PrivateKeyInfo version')
    alg = asn1.oid(asn1.sequence(items[1])[0])
    inner = asn1.expect(items[2], asn1.TAG.OCTET_STRING).content
  } catch (e) {
    throw fail(e)
  }
  if (alg !== OID.rsaEncryption) throw keyError('not-rsa')
  try {
    if (!isPkcs1Private(inner)) throw new asn1.Asn1Error('not an RSAPrivateKey')
    return { bits: asn1.intBits(asn1.sequence(asn1.parse(inner))[1]), pkcs1: inner }
  } catch (e) {
    throw fail(e)
  }
}

export interface ImportedRsaKey {
  key: CryptoKey
  bits: number
}

/** Parses PEM text or DER bytes into a non-extractable RSA-OAEP/SHA-256 decryption key. Throws `FlowKeyError`. */
export async function importRsaPrivateKey(data: Uint8Array, passphrase?: string): Promise<ImportedRsaKey> {
  const text = pemText(data)
  const pkcs8 = text !== undefined ? await fromPem(text, passphrase) : await fromDer(data, passphrase)
  const { bits, pkcs1 } = rsaKeyInfo(pkcs8)
  if (bits < MIN_BITS) throw keyError('too-small', String(bits))
  let key: CryptoKey
  let parts: ReturnType<typeof rsaParts>
  try {
    parts = rsaParts(pkcs1)
    key = await subtle().importKey('pkcs8', bufferSource(pkcs8.der), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt'])
  } catch (e) {
    if (e instanceof FlowKeyError) throw e
    throw keyError('malformed', undefined, e)
  } finally {
    if (pkcs8.der !== data) pkcs8.der.fill(0)
  }
  // The RSA key check, then a pairwise encrypt/decrypt: an inconsistent key would fail every request with 421.
  if (!numbersAgree(parts) || !(await pairwiseOk(subtle(), key, parts))) throw keyError('inconsistent')
  return { key, bits }
}
