// Error classes with stable `code`s and, for protocol errors, the HTTP `status` an endpoint answers with.

export interface FlowErrorOptions {
  cause?: unknown
}

/** Base class of every whatsapp-flows error. */
export class FlowError extends Error {
  /** Stable machine-readable code, e.g. `ERR_FLOW_DECRYPTION_FAILED`. */
  readonly code: string
  /** HTTP status an endpoint answers with when this error ends a request. */
  readonly status: number

  constructor(message: string, code: string, status: number, options?: FlowErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.status = status
  }
}

/** The request body is not what WhatsApp sends: not JSON, fields missing, not base64, IV not 16 bytes. → 400 */
export class FlowRequestError extends FlowError {
  static readonly code = 'ERR_FLOW_REQUEST_INVALID'
  constructor(message: string, options?: FlowErrorOptions) {
    super(message, FlowRequestError.code, 400, options)
  }
}

/**
 * RSA unwrap or AES-GCM authentication failed. → 421, after which WhatsApp's client re-fetches the public key.
 * The message is the same for every cause (no oracle); the underlying error, if any, is only in `cause`.
 */
export class FlowDecryptionError extends FlowError {
  static readonly code = 'ERR_FLOW_DECRYPTION_FAILED'
  constructor(options?: FlowErrorOptions) {
    super('Could not decrypt the request', FlowDecryptionError.code, 421, options)
  }
}

/** Why a private key was refused. */
export type FlowKeyErrorReason =
  | 'passphrase-required'
  | 'wrong-passphrase'
  | 'public-key'
  | 'not-rsa'
  | 'too-small'
  | 'inconsistent'
  | 'unsupported-format'
  | 'malformed'

/** The private key cannot be used; `reason` and the message say why (`inconsistent`: its halves do not match). → 500 */
export class FlowKeyError extends FlowError {
  static readonly code = 'ERR_FLOW_KEY_INVALID'
  readonly reason: FlowKeyErrorReason
  constructor(message: string, reason: FlowKeyErrorReason, options?: FlowErrorOptions) {
    super(message, FlowKeyError.code, 500, options)
    this.reason = reason
  }
}

/** Thrown by a handler when the flow token is invalid or expired. → 427 with `{"error_msg": message}`. */
export class FlowTokenError extends FlowError {
  static readonly code = 'ERR_FLOW_TOKEN_INVALID'
  constructor(message = 'The flow token is no longer valid', options?: FlowErrorOptions) {
    super(message, FlowTokenError.code, 427, options)
  }
}

/** `X-Hub-Signature-256` missing, malformed or wrong. → 432 */
export class FlowSignatureError extends FlowError {
  static readonly code = 'ERR_FLOW_SIGNATURE_INVALID'
  constructor(message = 'Request signature is missing or invalid', options?: FlowErrorOptions) {
    super(message, FlowSignatureError.code, 432, options)
  }
}

/** The chosen backend cannot do this: the native addon did not load, or a sync call on WebCrypto. → 500 */
export class FlowBackendError extends FlowError {
  static readonly codes = {
    unavailable: 'ERR_FLOW_BACKEND_UNAVAILABLE',
    unsupported: 'ERR_FLOW_BACKEND_UNSUPPORTED',
  } as const
  constructor(message: string, code: (typeof FlowBackendError.codes)[keyof typeof FlowBackendError.codes], options?: FlowErrorOptions) {
    super(message, code, 500, options)
  }
}

/** Codes of `MediaIntegrityError`: each check of the media algorithm has its own. */
export type MediaIntegrityErrorCode =
  | 'ERR_MEDIA_ENCRYPTED_HASH_MISMATCH'
  | 'ERR_MEDIA_HMAC_MISMATCH'
  | 'ERR_MEDIA_PADDING_INVALID'
  | 'ERR_MEDIA_PLAINTEXT_HASH_MISMATCH'
  | 'ERR_MEDIA_MALFORMED'

/** An uploaded media file failed verification (or its metadata is malformed); no plaintext was released. */
export class MediaIntegrityError extends FlowError {
  declare readonly code: MediaIntegrityErrorCode
  constructor(message: string, code: MediaIntegrityErrorCode, options?: FlowErrorOptions) {
    super(message, code, 500, options)
  }
}

/** Downloading a media file failed: HTTP error (`httpStatus`), timeout, abort, or larger than allowed. */
export class MediaDownloadError extends FlowError {
  static readonly code = 'ERR_MEDIA_DOWNLOAD_FAILED'
  /** The CDN's HTTP status, when it answered with an error. */
  readonly httpStatus: number | undefined
  constructor(message: string, httpStatus?: number, options?: FlowErrorOptions) {
    super(message, MediaDownloadError.code, 502, options)
    this.httpStatus = httpStatus
  }
}

/**
 * The decrypted request's `flow_token_signature` (Data API 4.0, a JWT signed with the app secret) failed: not HS256,
 * a wrong signature, an expired token, or a `flow_token` claim other than the request's. → 432 (the request is not
 * authentic, like a failed `X-Hub-Signature-256`; docs/endpoint.md says why not 427).
 */
export class FlowTokenSignatureError extends FlowError {
  static readonly code = 'ERR_FLOW_TOKEN_SIGNATURE_INVALID'
  constructor(message = 'The flow token signature is missing or invalid', options?: FlowErrorOptions) {
    super(message, FlowTokenSignatureError.code, 432, options)
  }
}

/**
 * A Graph API call failed: Graph answered an error (`ERR_GRAPH_API`, with Graph's `graphCode`, `graphSubcode`,
 * `fbtraceId` and the HTTP status) or could not be reached (`ERR_GRAPH_UNREACHABLE`: network error or timeout).
 * The message never contains the access token. → 502
 */
export class GraphApiError extends FlowError {
  static readonly codes = { api: 'ERR_GRAPH_API', unreachable: 'ERR_GRAPH_UNREACHABLE' } as const
  /** HTTP status of Graph's answer (undefined when unreachable). */
  readonly httpStatus: number | undefined
  /** Graph's `error.code`, e.g. 130429 (rate limit), 132068 (flow blocked). */
  readonly graphCode: number | undefined
  /** Graph's `error.error_subcode` (deprecated by Meta since v16, still sent at times). */
  readonly graphSubcode: number | undefined
  /** Graph's `error.fbtrace_id`, to quote to Meta support. */
  readonly fbtraceId: string | undefined
  /** Graph's `error.type`, e.g. `OAuthException`. */
  readonly graphType: string | undefined
  /** Graph's `error.error_data.details`, when given. */
  readonly details: string | undefined
  constructor(
    message: string,
    code: (typeof GraphApiError.codes)[keyof typeof GraphApiError.codes],
    fields: { httpStatus?: number; graphCode?: number; graphSubcode?: number; fbtraceId?: string; graphType?: string; details?: string } = {},
    options?: FlowErrorOptions,
  ) {
    super(message, code, 502, options)
    this.httpStatus = fields.httpStatus
    this.graphCode = fields.graphCode
    this.graphSubcode = fields.graphSubcode
    this.fbtraceId = fields.fbtraceId
    this.graphType = fields.graphType
    this.details = fields.details
  }
}

/** The session store failed (Redis unreachable, a command refused) or holds a value that is not this package's. → 503 */
export class FlowStoreError extends FlowError {
  static readonly code = 'ERR_FLOW_STORE_FAILED'
  constructor(message: string, options?: FlowErrorOptions) {
    super(message, FlowStoreError.code, 503, options)
  }
}
