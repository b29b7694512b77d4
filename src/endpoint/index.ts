// The endpoint module: bindEndpoint(runtime, media) gives each entry point its createFlowEndpoint.
import type { MediaApi } from '../media/types.js'
import type { Runtime } from '../runtime.js'
import { makeCreateFlowEndpoint } from './endpoint.js'

export type * from './types.js'

export function bindEndpoint(runtime: Runtime, media: MediaApi) {
  if (typeof runtime !== 'object' || runtime === null || typeof runtime.crypto?.decryptRequest !== 'function') {
    throw new TypeError('bindEndpoint takes a Runtime ({ backend, crypto })')
  }
  if (typeof media !== 'object' || media === null) throw new TypeError('bindEndpoint takes a MediaApi')
  return { createFlowEndpoint: makeCreateFlowEndpoint(runtime, media) }
}
