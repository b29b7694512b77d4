// Node entry's media API: the portable core plus file downloads, batches and a node:stream decryptor.
import type { Transform } from 'node:stream'

import { FlowBackendError } from '../errors.js'
import type { MediaEncryptionMetadata } from '../protocol.js'
import type { Runtime } from '../runtime.js'
import { runBatch } from './batch.js'
import { bindMediaCore } from './core.js'
import { downloadToPath } from './files.js'
import { createNodeMediaDecryptor } from './node-stream.js'
import type { MediaApi } from './types.js'

export interface NodeMediaDecryptorOptions {
  /** Return a node:stream Transform instead of a Web TransformStream. */
  node: true
}

/** The Node entry's MediaApi: `createMediaDecryptor(metadata, { node: true })` gives a node:stream Transform. */
export interface NodeMediaApi extends MediaApi {
  createMediaDecryptor(metadata: MediaEncryptionMetadata): TransformStream<Uint8Array, Uint8Array>
  createMediaDecryptor(metadata: MediaEncryptionMetadata, options: NodeMediaDecryptorOptions): Transform
}

export function bindMedia(runtime: Runtime): NodeMediaApi {
  const core = bindMediaCore(runtime)
  const { backend } = runtime

  function createMediaDecryptor(metadata: MediaEncryptionMetadata): TransformStream<Uint8Array, Uint8Array>
  function createMediaDecryptor(metadata: MediaEncryptionMetadata, options: NodeMediaDecryptorOptions): Transform
  function createMediaDecryptor(metadata: MediaEncryptionMetadata, options?: { node?: boolean }) {
    return options?.node ? createNodeMediaDecryptor(backend, metadata) : core.createMediaDecryptor(metadata)
  }

  const downloadMedia: MediaApi['downloadMedia'] = (async (media, options = {}) => {
    const { to, ...limits } = options
    return to === undefined ? core.downloadMediaBytes(media, limits) : downloadToPath(backend, media, to, limits)
  }) as MediaApi['downloadMedia']

  return {
    decryptMedia: core.decryptMedia,
    createMediaDecryptor,
    downloadMedia,
    async decryptMediaBatch(items, options) {
      if (!options || typeof options.outDir !== 'string' || options.outDir === '') {
        throw new FlowBackendError('decryptMediaBatch needs options.outDir', FlowBackendError.codes.unsupported)
      }
      const { outDir, concurrency, signal, onProgress, onItem, ...limits } = options
      const dir = outDir.endsWith('/') ? outDir : `${outDir}/`
      return runBatch(items, { concurrency, signal, onProgress, onItem }, (item, onBytes, onSize) =>
        downloadToPath(backend, item, dir, { ...limits, signal, onSize }, onBytes),
      )
    },
  }
}
