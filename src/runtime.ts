// What the feature modules (media, endpoint) are bound to: one backend and the crypto API over it.
import type { CryptoBackend } from './backend/contract.js'
import type { FlowCrypto } from './api.js'

export interface Runtime {
  backend: CryptoBackend
  crypto: FlowCrypto
}
