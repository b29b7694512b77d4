// Imports the business public key for RSA-OAEP-SHA256 on WebCrypto: PEM SPKI, PEM PKCS#1, DER SPKI bytes or a CryptoKey.
import { FlowKeyError } from '../errors.js'
import { decodeBase64 } from '../util/base64.js'
import { TAG, tlv } from '../backend/asn1.js'
import { fromUtf8, isBytes } from '../util/bytes.js'

export type FlowPublicKeyInput = string | Uint8Array | CryptoKey

const PEM = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/

/** rsaEncryption AlgorithmIdentifier: SEQUENCE { OID 1.2.840.113549.1.1.1, NULL }. */
const RSA_ALGORITHM = new Uint8Array([0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00])

/** Wraps a PKCS#1 RSAPublicKey into SubjectPublicKeyInfo DER. */
export function pkcs1ToSpki(pkcs1: Uint8Array): Uint8Array {
  return tlv(TAG.SEQUENCE, RSA_ALGORITHM, tlv(TAG.BIT_STRING, new Uint8Array([0]), pkcs1))
}

function isCryptoKey(v: unknown): v is CryptoKey {
  return typeof CryptoKey !== 'undefined' && v instanceof CryptoKey
}

/** The SPKI DER of a PEM text (PUBLIC KEY or RSA PUBLIC KEY) or of DER bytes. */
function spkiDer(input: string | Uint8Array): Uint8Array {
  let text: string | undefined
  if (typeof input === 'string') text = input
  else {
    try {
      const t = fromUtf8(input)
      if (t.includes('-----BEGIN')) text = t
    } catch {
      text = undefined
    }
  }
  if (text === undefined) return input as Uint8Array
  const m = PEM.exec(text)
  if (!m) throw new FlowKeyError('The public key is not PEM', 'malformed')
  const der = decodeBase64(m[2]!.replace(/\s+/g, ''))
  if (!der) throw new FlowKeyError('The public key PEM is not valid base64', 'malformed')
  if (m[1] === 'PUBLIC KEY') return der
  if (m[1] === 'RSA PUBLIC KEY') return pkcs1ToSpki(der)
  if (m[1]!.includes('PRIVATE')) throw new FlowKeyError('A private key was given where the public key is expected', 'malformed')
  throw new FlowKeyError(`Unsupported public key PEM type: ${m[1]}`, 'unsupported-format')
}

/** A CryptoKey for RSA-OAEP-SHA256 encryption. */
export async function importPublicKey(input: FlowPublicKeyInput): Promise<CryptoKey> {
  if (isCryptoKey(input)) {
    const alg = input.algorithm as RsaHashedKeyAlgorithm
    if (alg.name !== 'RSA-OAEP' || alg.hash?.name !== 'SHA-256' || input.type !== 'public' || !input.usages.includes('encrypt')) {
      throw new TypeError('publicKey as a CryptoKey must be an RSA-OAEP SHA-256 public key with the encrypt usage')
    }
    return input
  }
  if (typeof input !== 'string' && !isBytes(input)) throw new TypeError('publicKey must be a PEM string, DER bytes or a CryptoKey')
  const der = spkiDer(input)
  try {
    return await globalThis.crypto.subtle.importKey('spki', der as BufferSource, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt'])
  } catch (e) {
    throw new FlowKeyError('The public key could not be imported (expected an RSA public key)', 'malformed', { cause: e })
  }
}
