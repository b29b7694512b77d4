// Random identifiers from WebCrypto: flow tokens for sent flows, owners of webhook claims, simulated message ids.
import { toBase64Url } from './jwt.js'

/** `prefix` + 128 random bits in base64url (22 characters). */
export function randomId(prefix = ''): string {
  return prefix + toBase64Url(globalThis.crypto.getRandomValues(new Uint8Array(16)))
}
