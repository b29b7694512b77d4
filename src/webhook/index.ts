// The messages-webhook module: createWebhook, the completion parser and their types.
export { createWebhook } from './webhook.js'
export { parseFlowCompletion } from './completion.js'
export type { FlowCompletion } from './completion.js'
export type * from './types.js'
