// What both entry points export besides their backend binding: one list, runtime-neutral (no node: imports), so the
// Node and WebCrypto entries cannot drift apart. Each entry adds the API bound to its backend (and Node its extras).
export * from './client/index.js'
export type * from './endpoint/types.js'
export * from './errors.js'
export * from './flow-json/index.js'
export { completionMedia, createGraphClient } from './graph/index.js'
export type * from './graph/index.js'
export { collectMediaItems } from './media/collect.js'
export type * from './media/types.js'
export {
  createFlowMetrics,
  HANDLER_BUCKETS,
  META_THRESHOLDS,
  mergeSnapshots,
  PROMETHEUS_CONTENT_TYPE,
  quantile,
  renderPrometheus,
  summarize,
  summaryLine,
} from './metrics/metrics.js'
export type { FlowMetrics, FlowMetricsSnapshot, FlowMetricsSummary } from './metrics/metrics.js'
export type * from './protocol.js'
export { createFlowSessions, createMemoryStore } from './sessions/index.js'
export type * from './sessions/index.js'
export { createWebhook, parseFlowCompletion } from './webhook/index.js'
export type * from './webhook/index.js'
export type { DecryptedFlowRequest, FlowPrivateKey, FlowResponseInput, LoadPrivateKeyOptions, ResponseKeyMaterial } from './api.js'
export type { BackendName } from './backend/contract.js'
