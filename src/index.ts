// Node entry point: binds the API to the native backend (WebCrypto when the addon cannot load).
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
export * from './client/index.js'
export { createWebhook, parseFlowCompletion } from './webhook/index.js'
export type * from './webhook/index.js'
export { createGraphClient, completionMedia } from './graph/index.js'
export type * from './graph/index.js'
export { createFlowSessions, createMemoryStore } from './sessions/index.js'
export type * from './sessions/index.js'
export { createRedisStore } from './sessions/redis.js'
export type { RedisStoreOptions, RedisClientLike } from './sessions/redis.js'
export type * from './endpoint/types.js'
export * from './flow-json/index.js'
export type * from './media/types.js'
export { collectMediaItems } from './media/collect.js'
export {
  createFlowMetrics,
  mergeSnapshots,
  PROMETHEUS_CONTENT_TYPE,
  quantile,
  renderPrometheus,
  summarize,
  summaryLine,
  HANDLER_BUCKETS,
  META_THRESHOLDS,
} from './metrics/metrics.js'
export type { FlowMetrics, FlowMetricsSnapshot, FlowMetricsSummary } from './metrics/metrics.js'

export type { FlowPrivateKey, LoadPrivateKeyOptions, DecryptedFlowRequest, FlowResponseInput, ResponseKeyMaterial } from './api.js'
export type { BackendName } from './backend/contract.js'
export * from './errors.js'
export type * from './protocol.js'
