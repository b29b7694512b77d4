// Protocol types of WhatsApp Flows data exchange (data_api_version 3.0 and 4.0): requests, responses, completion webhook. Types only.

/** Actions WhatsApp sends to a data endpoint. */
export type FlowAction = 'ping' | 'INIT' | 'BACK' | 'data_exchange'

/** A decrypted request as WhatsApp sends it (any action). */
export interface FlowRequest<Data = Record<string, unknown>> {
  version: string
  action: FlowAction
  screen?: string
  data?: Data
  flow_token?: string
  /** Present when the flow was sent with a signed token (a JWT signed with the app secret). */
  flow_token_signature?: string
}

/** The encrypted request body WhatsApp POSTs. */
export interface EncryptedFlowRequestBody {
  encrypted_flow_data: string
  encrypted_aes_key: string
  initial_vector: string
}

/** `encryption_metadata` of an uploaded media item; every field base64. */
export interface MediaEncryptionMetadata {
  encryption_key: string
  hmac_key: string
  iv: string
  plaintext_hash: string
  encrypted_hash: string
}

/** A PhotoPicker/DocumentPicker item inside a request's `data`. */
export interface FlowMediaItem {
  media_id: string
  cdn_url: string
  file_name: string
  encryption_metadata: MediaEncryptionMetadata
}

/** Health check: `{ action: 'ping' }`, answered with `FlowHealthResponse`. */
export interface FlowPingRequest {
  version: string
  action: 'ping'
}

/** The user opened the flow (flows whose first screen is served by the endpoint). */
export interface FlowInitRequest<Data = Record<string, unknown>> {
  version: string
  action: 'INIT'
  flow_token: string
  flow_token_signature?: string
  screen?: string
  data?: Data
}

/** The user pressed back on a screen with `refresh_on_back: true`; `screen` is the screen being returned to. */
export interface FlowBackRequest<Data = Record<string, unknown>> {
  version: string
  action: 'BACK'
  flow_token: string
  flow_token_signature?: string
  screen: string
  data?: Data
}

/** A screen's `data_exchange` action: `screen` is the screen that sent it, `data` its payload. */
export interface FlowDataExchangeRequest<Screen extends string = string, Data = Record<string, unknown>> {
  version: string
  action: 'data_exchange'
  flow_token: string
  flow_token_signature?: string
  screen: Screen
  data: Data
}

/** The `data` of an error notification: the client could not use the endpoint's previous response. */
export interface FlowErrorNotificationData {
  error: string
  error_message?: string
}

/** An error notification (action INIT, BACK or data_exchange with `data.error`); acknowledged with `FlowAckResponse`. */
export interface FlowErrorNotification {
  version: string
  action: 'INIT' | 'BACK' | 'data_exchange'
  flow_token: string
  flow_token_signature?: string
  screen?: string
  data: FlowErrorNotificationData
}

/** Answer to `ping`. */
export interface FlowHealthResponse {
  data: { status: 'active' }
}

/** Answer to an error notification. */
export interface FlowAckResponse {
  data: { acknowledged: true }
}

/** Navigate to `screen` with its data; `data.error_message` (optional) shows a snackbar on that screen. */
export interface FlowNextScreenResponse<Screen extends string = string, Data = Record<string, unknown>> {
  screen: Screen
  data: Data & { error_message?: string }
}

/** Parameters sent with the completion message; `flow_token` is required, the rest is yours. */
export type FlowCompletionParams<Params extends object = Record<string, unknown>> = Params & { flow_token: string }

/** Close the flow and send the completion message (`nfm_reply`) to the chat. */
export interface FlowCompletionResponse<Params extends object = Record<string, unknown>> {
  screen: 'SUCCESS'
  data: { extension_message_response: { params: FlowCompletionParams<Params> } }
}

/** Any response body an endpoint encrypts. */
export type FlowResponse = FlowNextScreenResponse | FlowCompletionResponse | FlowHealthResponse | FlowAckResponse

/** The unencrypted body of a 427 answer (flow token invalid or expired). */
export interface FlowTokenErrorBody {
  error_msg: string
}

/** The `interactive` part of the completion message in the messages webhook. */
export interface FlowCompletionInteractive {
  type: 'nfm_reply'
  nfm_reply: {
    /** Always `flow`. */
    name: string
    /** Always `Sent`. */
    body: string
    /** JSON text: the completion params (endpoint flows) or the Complete action's payload. */
    response_json: string
  }
}

/** A message of the messages webhook (`entry[].changes[].value.messages[]`) that completes a flow. */
export interface FlowCompletionMessage {
  from?: string
  id?: string
  timestamp?: string
  type: 'interactive'
  context?: { from?: string; id?: string }
  interactive: FlowCompletionInteractive
}
