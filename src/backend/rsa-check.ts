// The RSA key check and the pairwise test for keys loaded on WebCrypto (the native backend runs OpenSSL's or the
// `rsa` crate's): a key whose private half does not match its public half loads, then fails every request.
import { encodeBase64 } from '../util/base64.js'
import * as asn1 from './asn1.js'

interface RsaParts {
  n: bigint
  e: bigint
  d: bigint
  p: bigint
  q: bigint
  dp: bigint
  dq: bigint
  qinv: bigint
  /** The modulus and exponent as unsigned big-endian bytes (for the public JWK). */
  nBytes: Uint8Array
  eBytes: Uint8Array
}

/** An INTEGER's content without its sign byte. */
function unsigned(node: asn1.Node | undefined): Uint8Array {
  const c = asn1.expect(node, asn1.TAG.INTEGER).content
  let i = 0
  while (i < c.length - 1 && c[i] === 0) i++
  return c.subarray(i)
}

function toBigInt(bytes: Uint8Array): bigint {
  let hex = ''
  for (const b of bytes) hex += b.toString(16).padStart(2, '0')
  return hex === '' ? 0n : BigInt(`0x${hex}`)
}

/** The numbers of an RSAPrivateKey (PKCS#1) DER. Throws `asn1.Asn1Error` when it is not one. */
export function rsaParts(pkcs1: Uint8Array): RsaParts {
  const items = asn1.sequence(asn1.parse(pkcs1))
  const [n, e, d, p, q, dp, dq, qinv] = items.slice(1, 9).map(unsigned) as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ]
  return {
    n: toBigInt(n),
    e: toBigInt(e),
    d: toBigInt(d),
    p: toBigInt(p),
    q: toBigInt(q),
    dp: toBigInt(dp),
    dq: toBigInt(dq),
    qinv: toBigInt(qinv),
    // Copies: the DER they come from is wiped once the key is imported.
    nBytes: n.slice(),
    eBytes: e.slice(),
  }
}

/** n = p·q, d·e ≡ 1 (mod p−1 and q−1), and the CRT values dp, dq, qinv as the key's own numbers give them. */
export function numbersAgree(k: RsaParts): boolean {
  const { n, e, d, p, q, dp, dq, qinv } = k
  if (p < 2n || q < 2n || e < 3n) return false
  return (
    p * q === n &&
    (d * e) % (p - 1n) === 1n &&
    (d * e) % (q - 1n) === 1n &&
    dp === d % (p - 1n) &&
    dq === d % (q - 1n) &&
    (qinv * q) % p === 1n
  )
}

const base64url = (bytes: Uint8Array) => encodeBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

/** A random 16-byte message encrypted with the public half decrypts, with the private key, to itself. */
export async function pairwiseOk(subtle: SubtleCrypto, privateKey: CryptoKey, k: RsaParts): Promise<boolean> {
  try {
    const jwk: JsonWebKey = { kty: 'RSA', n: base64url(k.nBytes), e: base64url(k.eBytes), alg: 'RSA-OAEP-256', ext: true }
    const publicKey = await subtle.importKey('jwk', jwk, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt'])
    const probe = globalThis.crypto.getRandomValues(new Uint8Array(16))
    const ct = await subtle.encrypt({ name: 'RSA-OAEP' }, publicKey, probe)
    const pt = new Uint8Array(await subtle.decrypt({ name: 'RSA-OAEP' }, privateKey, ct))
    return pt.length === probe.length && pt.every((b, i) => b === probe[i])
  } catch {
    return false
  }
}
