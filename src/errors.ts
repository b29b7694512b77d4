// The package's errors: classes with a stable `code` (and a `reason` within it) and, for protocol errors, the HTTP
// `status` an endpoint answers with. One table maps every code and reason to its class, status and message; the
// validation layer and every backend (the native addon sends only code and reason) make their errors through it.
import type { FlowJsonFinding } from './flow-json/findings.js'

export interface FlowErrorOptions {
  cause?: unknown
  /** The reason within the code, e.g. `wrong-passphrase` (also on the error as `reason`). */
  reason?: string
}

/** Base class of every whatsapp-flows error. */
export class FlowError extends Error {
  /** Stable machine-readable code, e.g. `ERR_FLOW_DECRYPTION_FAILED`. */
  readonly code: string
  /** HTTP status an endpoint answers with when this error ends a request. */
  readonly status: number
  /** Why, within the code (e.g. `field-missing`); stable, for programs. */
  readonly reason: string | undefined

  constructor(message: string, code: string, status: number, options?: FlowErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.status = status
    this.reason = options?.reason
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
    super('Could not decrypt the request', FlowDecryptionError.code, 421, { reason: 'decryption-failed', ...options })
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
  | 'missing'
  | 'ambiguous'
  | 'looks-like-path'
  | 'unreadable'
  | 'file-unsupported'

/**
 * The private key cannot be used; `reason` and the message say why (`inconsistent`: its halves do not match). The
 * endpoint's errors start with where the key came from (`privateKey`, `WA_FLOWS_PRIVATE_KEY_FILE (keys/private.pem)`,
 * …). Configuration reasons: `missing` (no key given or configured), `ambiguous` (both key variables set),
 * `looks-like-path` (a file path given as PEM text), `unreadable` (the key file), `file-unsupported` (a key file on
 * the WebCrypto entry). → 500
 */
export class FlowKeyError extends FlowError {
  static readonly code = 'ERR_FLOW_KEY_INVALID'
  declare readonly reason: FlowKeyErrorReason
  constructor(message: string, reason: FlowKeyErrorReason, options?: Omit<FlowErrorOptions, 'reason'>) {
    super(message, FlowKeyError.code, 500, { ...options, reason })
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

/** A failure of the package itself (a caught panic in the addon, a Node-API call that failed); `reason` says where. → 500 */
export class FlowInternalError extends FlowError {
  static readonly code = 'ERR_FLOW_INTERNAL'
  constructor(message: string, options?: FlowErrorOptions) {
    super(message, FlowInternalError.code, 500, options)
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
    fields: {
      httpStatus?: number
      graphCode?: number
      graphSubcode?: number
      fbtraceId?: string
      graphType?: string
      details?: string
    } = {},
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

/**
 * A Flow JSON failed validation (`defineFlow`, `createFlowEndpoint({ flow })`): `findings` lists every error and
 * warning with its rule id and JSON pointer, as `validateFlowJson` reports them. → 500
 */
export class FlowJsonError extends FlowError {
  static readonly code = 'ERR_FLOW_JSON_INVALID'
  /** The validator's findings (errors and warnings). */
  readonly findings: readonly FlowJsonFinding[]
  constructor(message: string, findings: readonly FlowJsonFinding[] = [], options?: FlowErrorOptions) {
    super(message, FlowJsonError.code, 500, { reason: 'validation-failed', ...options })
    this.findings = findings
  }
}

// ---- the table

const CONVERT = 'openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key-pkcs8.pem'

/** A message, given the optional detail (a field name, a cipher name) the caller supplies. */
type Message = string | ((detail: string | undefined) => string)

interface Entry {
  make: (message: string, code: string, options: FlowErrorOptions) => FlowError
  messages: Record<string, Message>
  /** For reasons the table does not list (an addon newer than the table). */
  fallback: string
}

const media = (message: string, code: string, options: FlowErrorOptions) =>
  new MediaIntegrityError(message, code as MediaIntegrityErrorCode, options)

const TABLE: Record<string, Entry> = {
  ERR_FLOW_REQUEST_INVALID: {
    make: (m, _c, o) => new FlowRequestError(m, o),
    messages: {
      'body-not-json': 'The request body is not JSON',
      'body-not-object': 'The request body is not a JSON object',
      'field-missing': (d) => `The request body has no ${d ?? 'required field'}`,
      'field-not-base64': (d) => `${d ?? 'A field'} is not valid base64`,
      'iv-length': (d) => `initial_vector must be 16 bytes${d ? `, got ${d}` : ''}`,
      'aes-key-length': 'The AES key must be 16 bytes',
      'plaintext-not-json': 'The decrypted request is not UTF-8 JSON',
      'no-action': 'The decrypted request has no action',
    },
    fallback: 'The request is not a WhatsApp Flows request',
  },
  ERR_FLOW_DECRYPTION_FAILED: {
    make: (_m, _c, o) => new FlowDecryptionError(o),
    messages: {},
    fallback: 'Could not decrypt the request',
  },
  ERR_FLOW_KEY_INVALID: {
    make: (m, _c, o) => new FlowKeyError(m, (o.reason ?? 'malformed') as FlowKeyErrorReason, o),
    messages: {
      'passphrase-required':
        'the private key is encrypted and no passphrase was given (the passphrase option, or WA_FLOWS_PRIVATE_KEY_PASSPHRASE)',
      'wrong-passphrase': 'the passphrase does not decrypt the private key',
      'public-key': 'this is a public key or certificate; the endpoint needs the RSA private key',
      'not-rsa': 'this is not an RSA private key; WhatsApp Flows needs RSA-2048 or larger',
      'too-small': (d) => `the RSA key ${d ? `has ${d} bits` : 'is smaller than 2048 bits'}; WhatsApp Flows needs at least 2048`,
      inconsistent: 'the private key is inconsistent: its private half does not match its public half',
      'unsupported-format': (d) =>
        `the private key is ${d ? `protected with ${d}, which this backend cannot decrypt` : 'in a format this build cannot read'}; convert it once with: ${CONVERT}`,
      malformed: (d) =>
        d === 'empty'
          ? 'the private key is empty'
          : d === 'no-private-key'
            ? 'the PEM document holds no private key'
            : 'the private key could not be parsed: the data is neither a PEM nor a DER RSA private key, or it is truncated or corrupt',
      missing: (d) =>
        `${d === 'undefined' ? 'privateKey is undefined (is the variable you read it from set?), and' : 'no private key: privateKey is not given and'} neither WA_FLOWS_PRIVATE_KEY (PEM text) nor WA_FLOWS_PRIVATE_KEY_FILE (a file path) is set`,
      ambiguous: 'both WA_FLOWS_PRIVATE_KEY and WA_FLOWS_PRIVATE_KEY_FILE are set; set only one',
      'looks-like-path':
        'this looks like a file path, not PEM text: pass privateKey: { path } (or read the file yourself), or set WA_FLOWS_PRIVATE_KEY_FILE to the path',
      unreadable: (d) => `the key file cannot be read${d ? ` (${d})` : ''}`,
      'file-unsupported':
        'a key file cannot be read on this runtime (the WebCrypto entry reads no files): pass the PEM text as privateKey or WA_FLOWS_PRIVATE_KEY',
    },
    fallback: 'the private key cannot be used',
  },
  ERR_FLOW_INTERNAL: {
    make: (m, _c, o) => new FlowInternalError(m, o),
    messages: {
      panic: 'internal error in the native addon (a Rust panic was caught)',
      'stream-busy': 'the previous update() or final() of this media decryptor has not finished yet',
      'stream-poisoned': 'the media decryptor is unusable after an internal error',
    },
    fallback: 'internal error in whatsapp-flows',
  },
  ERR_FLOW_JSON_INVALID: {
    make: (m, _c, o) => new FlowJsonError(m, [], o),
    messages: { 'validation-failed': 'the Flow JSON has errors' },
    fallback: 'the Flow JSON has errors',
  },
  ERR_MEDIA_ENCRYPTED_HASH_MISMATCH: { make: media, messages: {}, fallback: 'the file does not match encrypted_hash' },
  ERR_MEDIA_HMAC_MISMATCH: { make: media, messages: {}, fallback: "the file's HMAC does not verify" },
  ERR_MEDIA_PADDING_INVALID: { make: media, messages: {}, fallback: "the file's padding is invalid" },
  ERR_MEDIA_PLAINTEXT_HASH_MISMATCH: { make: media, messages: {}, fallback: 'the decrypted file does not match plaintext_hash' },
  ERR_MEDIA_MALFORMED: {
    make: media,
    messages: {
      'file-too-short': 'the file is shorter than one AES block and the 10-byte HMAC (26 bytes)',
      'not-block-aligned': 'the ciphertext length is not a multiple of 16',
      'metadata-not-object': 'encryption_metadata must be an object',
      'field-missing': (d) => `encryption_metadata.${d ?? 'field'} is missing or not base64`,
      'field-length': (d) => `encryption_metadata.${d ?? 'field'} has the wrong length`,
      'bad-metadata': 'encryption_metadata has a key, IV or hash of the wrong length',
      finished: 'the media decryptor has already finished',
    },
    fallback: 'the media file or its metadata is malformed',
  },
}

/**
 * The error for `code` and `reason` (and an optional `detail` its message names): the table's class, status and
 * message. An unknown code becomes a `FlowInternalError` carrying it as its reason.
 */
export function flowError(code: string, reason?: string, detail?: string, cause?: unknown): FlowError {
  const entry = TABLE[code]
  const options: FlowErrorOptions = { ...(reason === undefined ? {} : { reason }), ...(cause === undefined ? {} : { cause }) }
  if (!entry) return new FlowInternalError(`internal error in whatsapp-flows (${code})`, { ...options, reason: code })
  const message = (reason === undefined ? undefined : entry.messages[reason]) ?? entry.fallback
  return entry.make(typeof message === 'function' ? message(detail) : message, code, options)
}

/** A `TypeError` with Node's `ERR_INVALID_ARG_TYPE` code: a program passed the wrong kind of argument. */
export function invalidArgument(message: string): TypeError & { code: 'ERR_INVALID_ARG_TYPE' } {
  const e = new TypeError(message) as TypeError & { code: 'ERR_INVALID_ARG_TYPE' }
  e.code = 'ERR_INVALID_ARG_TYPE'
  return e
}
