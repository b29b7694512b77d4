// PLACEHOLDER — being replaced by the endpoint implementation (bindEndpoint).
import type { Runtime } from '../runtime.js'
import type { MediaApi } from '../media/types.js'

export function bindEndpoint(_runtime: Runtime, _media: MediaApi) {
  return {
    createFlowEndpoint(_options: unknown): never {
      throw new Error('the endpoint is not implemented yet')
    },
  }
}
