// The endpoint's HTTP semantics over raw bytes: method, size, signature, decryption, dispatch, deadline, status codes.
import type { DecryptedFlowRequest, FlowCrypto, FlowPrivateKey } from '../api.js'
import { FlowDecryptionError, FlowRequestError, FlowSignatureError, FlowTokenError, FlowTokenSignatureError } from '../errors.js'
import type { MediaApi } from '../media/types.js'
import type { FlowErrorNotification, FlowRequest } from '../protocol.js'
import { type DeadlineOutcome, runWithDeadline } from '../util/deadline.js'
import { requestKind, type Registry } from './dispatch.js'
import { bodyBytes, encryptedAnswer, getHeader, statusAnswer, tokenErrorAnswer } from '../http/answers.js'
import { errorFields, safeName } from '../util/logger.js'
import { isInstance, isPlainObject, property, stringProperty } from '../util/inspect.js'
import { createMediaContext } from './media-context.js'
import type { SignatureVerifier } from '../http/signature.js'
import type { FlowSessions } from '../sessions/types.js'
import type { Hs256Verifier } from '../util/jwt.js'
import { checkFlowTokenSignature } from './flow-token-signature.js'
import type { FlowHandlerContext, FlowHttpRequest, FlowHttpResponse, FlowLogger } from './types.js'
import type { FlowResponseMismatch } from '../flow-json/response-check.js'

export type FlowResponseCheck = (
  request: FlowRequest,
  response: { screen: string; data: Record<string, unknown> },
) => FlowResponseMismatch | undefined

export interface CoreConfig {
  crypto: FlowCrypto
  media: MediaApi
  key: () => Promise<FlowPrivateKey>
  verifier: SignatureVerifier | undefined
  maxBodyBytes: number
  timeoutMs: number
  logger: FlowLogger
  registry: Registry
  // biome-ignore lint/suspicious/noExplicitAny: typed per screen map at createFlowEndpoint; the core is untyped
  onTimeout: ((request: any) => unknown) | undefined
  sessions: FlowSessions<unknown>
  /** The 427 message for tokens without a live session; undefined: sessions are not required. */
  requireSession: string | undefined
  /** Verifies `flow_token_signature` (present when appSecret is set). */
  tokenVerifier: Hs256Verifier | undefined
  requireTokenSignature: boolean
  /** With a Flow JSON: the check of results against it, and whether a mismatch is refused or only logged. */
  flowCheck: { check: FlowResponseCheck; mode: 'reject' | 'log' } | undefined
  /** Told each time a handler or error-notification hook misses the deadline (metrics). */
  onDeadlineMiss?: () => void
}

/**
 * Why a handler's result cannot be sent to WhatsApp, or undefined when it can: a plain object with a non-empty
 * `screen` string and a plain-object `data` (a next screen, or SUCCESS with the completion params). `{}`, a Date,
 * a class instance or an array would be encrypted and answered 200, and WhatsApp could not render them.
 */
function responseProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'not a plain object'
  const screen = property(value, 'screen')
  if (typeof screen !== 'string' || screen === '') return 'no screen'
  if (!isPlainObject(property(value, 'data'))) return 'data is not a plain object'
  return undefined
}

/** `data_exchange screen X`, `INIT`…: how log lines name a request (identifier-like names only). */
function describe(request: FlowRequest): { action: string; screen?: string } {
  const action = safeName(request.action)
  return typeof request.screen === 'string' && request.screen !== '' ? { action, screen: safeName(request.screen) } : { action }
}

/** How long `onTimeout` may take once the handler's deadline has passed. */
const ON_TIMEOUT_MS = 500

export function createCore(cfg: CoreConfig): (input: FlowHttpRequest) => Promise<FlowHttpResponse> {
  const { logger } = cfg

  /**
   * True when `value` (from a handler or onTimeout, named by `who`) must not be sent: it is not `{ screen, data }`,
   * or, with a Flow JSON, it leaves the routing model or does not match the next screen's declared data (logged
   * with the screen and the field; with flowCheck 'log' it is only logged and sent).
   */
  function unusable(request: FlowRequest, value: unknown, who: string): boolean {
    const problem = responseProblem(value)
    if (problem) {
      logger.error(`${who} returned an invalid response`, { ...describe(request), problem })
      return true
    }
    if (!cfg.flowCheck) return false
    let mismatch: FlowResponseMismatch | undefined
    try {
      mismatch = cfg.flowCheck.check(request, value as { screen: string; data: Record<string, unknown> })
    } catch (e) {
      logger.error(`${who} returned a response that could not be checked against the Flow JSON`, {
        ...describe(request),
        ...errorFields(e),
      })
      return true
    }
    if (!mismatch) return false
    const fields = {
      ...describe(request),
      next: mismatch.screen,
      ...(mismatch.field ? { field: mismatch.field } : {}),
      rule: mismatch.rule,
      problem: mismatch.message,
    }
    if (cfg.flowCheck.mode === 'log') {
      logger.warn(`${who} returned a response that does not match the Flow JSON; sent anyway (flowCheck 'log')`, fields)
      return false
    }
    logger.error(`${who} returned a response that does not match the Flow JSON; not sent`, fields)
    return true
  }

  async function encrypt(decrypted: DecryptedFlowRequest, response: object, request: FlowRequest): Promise<FlowHttpResponse> {
    try {
      return encryptedAnswer(await decrypted.encryptResponse(response))
    } catch (e) {
      logger.error('could not serialise or encrypt the response', { ...describe(request), ...errorFields(e) })
      return statusAnswer(500)
    }
  }

  function context(request: FlowRequest, signal: AbortSignal, flowTokenVerified: boolean): FlowHandlerContext {
    let media: FlowHandlerContext['media'] | undefined
    const flowToken = typeof request.flow_token === 'string' ? request.flow_token : ''
    return {
      flowToken,
      version: typeof request.version === 'string' ? request.version : '',
      flowTokenVerified,
      session: cfg.sessions.session(flowToken),
      signal,
      get media() {
        return (media ??= createMediaContext(cfg.media, request.data, signal))
      },
    }
  }

  async function notification(decrypted: DecryptedFlowRequest, verified: boolean): Promise<FlowHttpResponse> {
    const request = decrypted.request
    logger.info('error notification received', describe(request))
    const hook = cfg.registry.errorHook()
    if (hook) {
      try {
        const outcome = await runWithDeadline(cfg.timeoutMs, (signal) =>
          hook(request as unknown as FlowErrorNotification, context(request, signal, verified)),
        )
        if (outcome.timedOut) {
          cfg.onDeadlineMiss?.()
          logger.warn('the error notification hook missed the deadline; acknowledging anyway', { timeoutMs: cfg.timeoutMs })
        }
      } catch (e) {
        logger.error('the error notification hook threw; acknowledging anyway', errorFields(e))
      }
    }
    return encrypt(decrypted, { data: { acknowledged: true } }, request)
  }

  async function timedOut(decrypted: DecryptedFlowRequest): Promise<FlowHttpResponse> {
    const request = decrypted.request
    cfg.onDeadlineMiss?.()
    logger.warn('handler missed the deadline', {
      ...describe(request),
      timeoutMs: cfg.timeoutMs,
      answered: cfg.onTimeout ? 'onTimeout' : 504,
    })
    if (!cfg.onTimeout) return statusAnswer(504)
    try {
      // onTimeout gets a short deadline of its own: the answer must still reach WhatsApp within its 10 s.
      const outcome = await runWithDeadline(ON_TIMEOUT_MS, () => cfg.onTimeout!(request))
      if (outcome.timedOut) {
        logger.error('onTimeout missed its own deadline', { ...describe(request), ms: ON_TIMEOUT_MS })
        return statusAnswer(504)
      }
      if (!unusable(request, outcome.value, 'onTimeout')) return encrypt(decrypted, outcome.value as object, request)
    } catch (e) {
      logger.error('onTimeout threw', { ...describe(request), ...errorFields(e) })
    }
    return statusAnswer(504)
  }

  /** The 427 answer when sessions are required and this token has none; undefined to go on. */
  async function missingSession(request: FlowRequest): Promise<FlowHttpResponse | undefined> {
    if (cfg.requireSession === undefined) return undefined
    const token = typeof request.flow_token === 'string' ? request.flow_token : ''
    if ((await cfg.sessions.get(token)) !== undefined) return undefined
    logger.info('no live session for the flow token (427)', describe(request))
    return tokenErrorAnswer(cfg.requireSession)
  }

  async function dispatch(decrypted: DecryptedFlowRequest, verified: boolean): Promise<FlowHttpResponse> {
    const request = decrypted.request
    const handler = cfg.registry.resolve(request)
    if (!handler) {
      logger.error('no handler registered for this request', describe(request))
      return statusAnswer(501)
    }
    try {
      const refused = await missingSession(request)
      if (refused) return refused
    } catch (e) {
      logger.error('the session store failed', { ...describe(request), ...errorFields(e) })
      return statusAnswer(500)
    }
    let outcome: DeadlineOutcome<unknown>
    try {
      outcome = await runWithDeadline(cfg.timeoutMs, (signal) => handler(request, context(request, signal, verified)))
    } catch (e) {
      if (isInstance(e, FlowTokenError)) {
        logger.info('handler rejected the flow token (427)', describe(request))
        return tokenErrorAnswer(stringProperty(e, 'message') ?? new FlowTokenError().message)
      }
      logger.error('handler threw', { ...describe(request), ...errorFields(e) })
      return statusAnswer(500)
    }
    if (outcome.timedOut) return timedOut(decrypted)
    if (unusable(request, outcome.value, 'handler')) return statusAnswer(500)
    return encrypt(decrypted, outcome.value as object, request)
  }

  return async function handle(input) {
    if (typeof input !== 'object' || input === null) throw new TypeError('handle() takes { method?, body, headers? }')
    const method = input.method === undefined ? 'POST' : input.method
    if (typeof method !== 'string') throw new TypeError('method must be a string')
    const bytes = bodyBytes(input.body)
    if (method.toUpperCase() !== 'POST') return statusAnswer(405, { allow: 'POST' })
    if (bytes.length > cfg.maxBodyBytes) {
      logger.warn('request body too large', { bytes: bytes.length, maxBodyBytes: cfg.maxBodyBytes })
      return statusAnswer(413, { connection: 'close' })
    }

    if (cfg.verifier) {
      try {
        await cfg.verifier.verify(bytes, getHeader(input.headers, 'x-hub-signature-256'))
      } catch (e) {
        if (!(e instanceof FlowSignatureError)) throw e
        logger.warn('request signature rejected', { reason: e.message })
        return statusAnswer(432)
      }
    }

    let key: FlowPrivateKey
    try {
      key = await cfg.key()
    } catch (e) {
      logger.error('the private key could not be loaded', { ...errorFields(e), reason: safeName((e as { reason?: unknown }).reason) })
      return statusAnswer(500)
    }

    let decrypted: DecryptedFlowRequest
    try {
      decrypted = await cfg.crypto.decryptRequest(bytes, key)
    } catch (e) {
      if (e instanceof FlowRequestError) {
        logger.warn('malformed request body', errorFields(e))
        return statusAnswer(400)
      }
      if (e instanceof FlowDecryptionError) {
        logger.warn('request could not be decrypted (421: is WhatsApp using the current public key?)', errorFields(e))
        return statusAnswer(421)
      }
      logger.error('decryption failed unexpectedly', errorFields(e))
      return statusAnswer(500)
    }

    try {
      const kind = requestKind(decrypted.request)
      if (kind === 'ping') return await encrypt(decrypted, { data: { status: 'active' } }, decrypted.request)
      let verified = false
      if (cfg.tokenVerifier) {
        try {
          verified = await checkFlowTokenSignature(decrypted.request, cfg.tokenVerifier, cfg.requireTokenSignature)
        } catch (e) {
          if (!(e instanceof FlowTokenSignatureError)) throw e
          logger.warn('flow token signature rejected (432)', { ...describe(decrypted.request), reason: e.message })
          return statusAnswer(432)
        }
      }
      return kind === 'error-notification' ? await notification(decrypted, verified) : await dispatch(decrypted, verified)
    } finally {
      // The answer is encrypted (or the request failed): the per-request AES key is not needed any more.
      decrypted.aesKey.fill(0)
    }
  }
}
