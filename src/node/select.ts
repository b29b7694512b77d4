// Chooses the backend on Node: WHATSAPP_FLOWS_BACKEND=native|webcrypto forces one; by default native if the
// addon loads, else WebCrypto with one warning that carries the load error.
import type { CryptoBackend } from '../backend/contract.js'
import { createNativeBackend } from '../backend/native.js'
import { createWebCryptoBackend } from '../backend/webcrypto.js'
import { FlowBackendError } from '../errors.js'
import { loadNativeBinding } from './loader.js'

let warned = false

export function selectBackend(env: Record<string, string | undefined> = process.env): CryptoBackend {
  const forced = env.WHATSAPP_FLOWS_BACKEND?.trim().toLowerCase()
  if (forced && forced !== 'native' && forced !== 'webcrypto') {
    throw new FlowBackendError(`WHATSAPP_FLOWS_BACKEND must be "native" or "webcrypto", got "${forced}"`, FlowBackendError.codes.unavailable)
  }
  if (forced === 'webcrypto') return createWebCryptoBackend()
  try {
    return createNativeBackend(loadNativeBinding())
  } catch (e) {
    if (forced === 'native') throw e
    if (!warned) {
      warned = true
      const reason = e instanceof Error ? e.message : String(e)
      process.emitWarning(`whatsapp-flows: using the WebCrypto backend (${reason})`, { code: 'WHATSAPP_FLOWS_WEBCRYPTO_FALLBACK', detail: 'Set WHATSAPP_FLOWS_BACKEND=webcrypto to choose it explicitly.' })
    }
    return createWebCryptoBackend()
  }
}
