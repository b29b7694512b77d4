// What the feature modules (media, endpoint) are bound to: one backend, the crypto API over it and, on Node, a
// file reader (key files: `privateKey: { path }`, WA_FLOWS_PRIVATE_KEY_FILE). The WebCrypto entry reads no files.
import type { CryptoBackend } from './backend/contract.js'
import type { FlowCrypto } from './api.js'

export interface Runtime {
  backend: CryptoBackend
  crypto: FlowCrypto
  /** Reads a whole file (Node entry only); rejects with the system error (`code` ENOENT, EACCES, …). */
  readFile?: (path: string) => Promise<Uint8Array>
}
