// Public types of the WhatsApp-side simulator (createFlowClient).
import type { AnyFlowScreens, FlowHttpRequest, FlowHttpResponse, FlowScreenInput, FlowScreenName } from '../endpoint/types.js'
import type { FlowPublicKeyInput } from './public-key.js'

/** Anything with the endpoint's `handle` (a `FlowEndpoint`), called directly without HTTP. */
export interface FlowHandleTarget {
  handle(request: FlowHttpRequest): Promise<FlowHttpResponse>
}

export interface FlowClientOptions {
  /** The endpoint's URL (POSTed with fetch). Give `url` or `endpoint`. */
  url?: string | URL
  /** An endpoint object, called through `endpoint.handle()` (no HTTP). */
  endpoint?: FlowHandleTarget
  /** The business public key: PEM SPKI (`PUBLIC KEY`), PEM PKCS#1 (`RSA PUBLIC KEY`), SPKI DER bytes, or a CryptoKey. */
  publicKey: FlowPublicKeyInput
  /** Signs every body with `X-Hub-Signature-256`, as Meta does. */
  appSecret?: string
  /** The flow token of this session (default: a random one, see `client.flowToken`). */
  flowToken?: string
  /** Protocol version sent in requests (default `3.0`). */
  version?: string
  /** fetch implementation for `url` (default globalThis.fetch). */
  fetch?: typeof globalThis.fetch
}

/** A response as WhatsApp sees it: a loosely typed JSON object. */
export interface FlowClientResponse {
  screen?: string
  data?: Record<string, any>
  error_msg?: string
  [key: string]: unknown
}

export interface FlowClientResult {
  status: number
  /**
   * 200: the decrypted response. Other statuses: the body parsed as JSON when it is JSON (e.g. `{ error_msg }` for
   * 427), otherwise the body text.
   */
  response: FlowClientResponse | string
  /** Response headers, names lower-case. */
  headers: Record<string, string>
}

export interface FlowNotifyErrorOptions {
  /** Action carrying the notification (default `data_exchange`). */
  action?: 'INIT' | 'BACK' | 'data_exchange'
  screen?: string
}

export interface FlowClient<S = AnyFlowScreens> {
  /** The flow token this client sends. */
  readonly flowToken: string
  /** Encrypts and sends any request object as-is (add `version`, `flow_token` yourself). */
  send(request: object): Promise<FlowClientResult>
  ping(): Promise<FlowClientResult>
  init(data?: Record<string, unknown>): Promise<FlowClientResult>
  dataExchange<K extends FlowScreenName<S>>(screen: K, data: FlowScreenInput<S, K>): Promise<FlowClientResult>
  back(screen?: FlowScreenName<S>): Promise<FlowClientResult>
  notifyError(error: string, message: string, options?: FlowNotifyErrorOptions): Promise<FlowClientResult>
}
