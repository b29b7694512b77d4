// The WhatsApp-side simulator module: createFlowClient and its types.
export { createFlowClient } from './client.js'
export type {
  FlowClient,
  FlowClientOptions,
  FlowClientResponse,
  FlowClientResult,
  FlowHandleTarget,
  FlowNotifyErrorOptions,
  FlowWebhookDelivery,
  SimulatedCompletionOptions,
  WebhookTarget,
} from './types.js'
export { completionNotification, flowsNotification } from './webhook.js'
export type { FlowPublicKeyInput } from './public-key.js'
