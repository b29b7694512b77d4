// Chooses the backend on Node: WA_FLOWS_BACKEND=native|webcrypto forces one; by default native if the
// addon loads, else WebCrypto with one process warning that carries the load error (message and `cause`).
import type { CryptoBackend } from '../backend/contract.js'
import { createNativeBackend } from '../backend/native.js'
import { createWebCryptoBackend } from '../backend/webcrypto.js'
import { FlowBackendError } from '../errors.js'
import { loadNativeBinding } from './loader.js'

/** The `code` of the fallback warning, for `process.on('warning')` filters and `--disable-warning` (documented). */
const FALLBACK_WARNING_CODE = 'WA_FLOWS_WEBCRYPTO_FALLBACK'

let warned = false

function warnFallback(error: unknown): void {
  if (warned) return
  warned = true
  const reason = error instanceof Error ? error.message : String(error)
  const warning = new Error(
    `whatsapp-flows: using the WebCrypto backend (${reason}). Set WA_FLOWS_BACKEND=webcrypto to choose it explicitly, or =native to make this an error.`,
    { cause: error },
  )
  warning.name = 'WhatsAppFlowsWarning'
  Object.defineProperty(warning, 'code', { value: FALLBACK_WARNING_CODE, enumerable: true })
  process.emitWarning(warning)
}

export function selectBackend(env: Record<string, string | undefined> = process.env): CryptoBackend {
  const forced = env.WA_FLOWS_BACKEND?.trim().toLowerCase()
  if (forced && forced !== 'native' && forced !== 'webcrypto') {
    throw new FlowBackendError(`WA_FLOWS_BACKEND must be "native" or "webcrypto", got "${forced}"`, FlowBackendError.codes.unavailable)
  }
  if (forced === 'webcrypto') return createWebCryptoBackend()
  try {
    return createNativeBackend(loadNativeBinding(env))
  } catch (e) {
    // Forced native: the loader's FlowBackendError (ERR_FLOW_BACKEND_UNAVAILABLE, every attempt in `cause`).
    if (forced === 'native') throw e
    warnFallback(e)
    return createWebCryptoBackend()
  }
}
