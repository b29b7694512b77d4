// WebCrypto entry point (Deno, Bun, Workers, browsers): the same API on globalThis.crypto.subtle only.
// Never reaches the native loader or any node: module.
import { createFlowCrypto } from './api.js'
import { createWebCryptoBackend } from './backend/webcrypto.js'
import type { Runtime } from './runtime.js'
import { bindMedia } from './media/web.js'
import { bindEndpoint } from './endpoint/index.js'

const backend = createWebCryptoBackend()
const crypto = createFlowCrypto(backend)
const runtime: Runtime = { backend, crypto }

export const loadPrivateKey = crypto.loadPrivateKey
export const decryptRequest = crypto.decryptRequest
export const decryptRequestSync = crypto.decryptRequestSync
export const encryptResponse = crypto.encryptResponse
export const encryptResponseSync = crypto.encryptResponseSync
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
