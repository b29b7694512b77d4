// Node entry point: binds the API to the native backend (WebCrypto when the addon cannot load); adds the Redis store.
import { bindEndpoint } from './endpoint/index.js'
import { bindMedia } from './media/node.js'
import { runtime } from './node/runtime.js'

const { crypto } = runtime

export const loadPrivateKey = crypto.loadPrivateKey
export const decryptRequest = crypto.decryptRequest
export const decryptRequestSync = crypto.decryptRequestSync
export const encryptResponse = crypto.encryptResponse
export const encryptResponseSync = crypto.encryptResponseSync
/** The backend in use: `native` (the Rust addon) or `webcrypto`. */
export const getBackend = crypto.getBackend

const media = bindMedia(runtime)
export const { decryptMedia, createMediaDecryptor, downloadMedia, decryptMediaBatch } = media
export const { createFlowEndpoint } = bindEndpoint(runtime, media)
export * from './entry.js'
export { createRedisStore } from './sessions/redis.js'
export type { RedisClientLike, RedisStoreOptions } from './sessions/redis.js'
