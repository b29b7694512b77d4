// PLACEHOLDER — being replaced by the WebCrypto backend implementation.
import type { CryptoBackend } from './contract.js'

export function createWebCryptoBackend(): CryptoBackend {
  throw new Error('the WebCrypto backend is not written yet')
}
