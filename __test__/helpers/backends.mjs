// Every backend the suite runs against: each entry is a Runtime ({ backend, crypto }) built from dist/.
// Tests loop over `runtimes` so the same vectors and cases run on native and WebCrypto.
import { createFlowCrypto } from '../../dist/api.js'
import { createNativeBackend } from '../../dist/backend/native.js'
import { createWebCryptoBackend } from '../../dist/backend/webcrypto.js'
import { convertKeyWithNodeCrypto } from '../../dist/node/key-convert.js'
import { loadNativeBinding } from '../../dist/node/loader.js'

function make(backend, { convert = true } = {}) {
  return { name: backend.name, backend, crypto: createFlowCrypto(backend, convert ? convertKeyWithNodeCrypto : undefined) }
}

export const nativeBinding = (() => {
  try {
    return loadNativeBinding()
  } catch (e) {
    if (process.env.CI || process.env.WA_FLOWS_REQUIRE_NATIVE) throw e
    return undefined
  }
})()

/** [{ name: 'native' | 'webcrypto', backend, crypto }] */
export const runtimes = [...(nativeBinding ? [make(createNativeBackend(nativeBinding))] : []), make(createWebCryptoBackend())]

/** The WebCrypto runtime without the node:crypto key converter (as on Deno/Workers). */
export const pureWebCrypto = make(createWebCryptoBackend(), { convert: false })

export const vectors = new URL('../vectors/', import.meta.url)
