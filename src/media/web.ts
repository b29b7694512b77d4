// WebCrypto entry's media API: the portable core; no file system, so no `to` and no batches.
import { FlowBackendError } from '../errors.js'
import type { Runtime } from '../runtime.js'
import { bindMediaCore } from './core.js'
import type { MediaApi } from './types.js'

const noFiles = (what: string) =>
  new FlowBackendError(`${what} writes files and is only available on the Node entry point`, FlowBackendError.codes.unsupported)

export function bindMedia(runtime: Runtime): MediaApi {
  const core = bindMediaCore(runtime)
  return {
    decryptMedia: core.decryptMedia,
    createMediaDecryptor: core.createMediaDecryptor,
    downloadMedia: (async (media, options = {}) => {
      const { to, ...limits } = options
      if (to !== undefined) throw noFiles('downloadMedia({ to })')
      return core.downloadMediaBytes(media, limits)
    }) as MediaApi['downloadMedia'],
    async decryptMediaBatch() {
      throw noFiles('decryptMediaBatch')
    },
  }
}
