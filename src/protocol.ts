// Protocol types of WhatsApp Flows data exchange (data_api_version 3.0). Types only, no I/O.

/** Actions WhatsApp sends to a data endpoint. */
export type FlowAction = 'ping' | 'INIT' | 'BACK' | 'data_exchange'

/** A decrypted request as WhatsApp sends it. */
export interface FlowRequest<Data = Record<string, unknown>> {
  version: string
  action: FlowAction
  screen?: string
  data?: Data
  flow_token?: string
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
