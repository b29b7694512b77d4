// createFlowEndpoint: validates options, loads the key once, wires registry, core and adapters into one object.
import { MAX_TIMER_MS, positiveInt } from '../util/options.js'
import type { FlowPrivateKey } from '../api.js'
import type { MediaApi } from '../media/types.js'
import type { Runtime } from '../runtime.js'
import type { AdapterDeps } from '../http/adapters/body.js'
import { createFastifyPlugin } from '../http/adapters/fastify.js'
import { createFetchAdapter } from '../http/adapters/fetch.js'
import { createNodeHandler } from '../http/adapters/node.js'
import { createCore } from './core.js'
import { createRegistry } from './dispatch.js'
import { errorFields, resolveLogger, safeName } from '../util/logger.js'
import { createSignatureVerifier, normaliseSecrets } from '../http/signature.js'
import { createFlowSessions, validSessions } from '../sessions/sessions.js'
import { createHs256Verifier } from '../util/jwt.js'
import type { FlowSessions } from '../sessions/types.js'
import { flowJsonError } from '../flow-json/define.js'
import { readFlow } from '../flow-json/model.js'
import { createResponseCheck } from '../flow-json/response-check.js'
import { validateFlowJson } from '../flow-json/validate.js'
import type { CoreConfig } from './core.js'
import type {
  AnyFlowScreens,
  CreateFlowEndpoint,
  FlowEndpoint,
  FlowEndpointOptions,
  FlowHttpRequest,
  FlowHttpResponse,
  FlowLogger,
} from './types.js'
import { ENV, readEnvList } from '../util/env.js'
import { loadKeyFrom, resolveKeySource, resolvePassphrase } from './key-source.js'
import type { FlowMetrics } from '../metrics/metrics.js'

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024
const DEFAULT_TIMEOUT_MS = 9000
const DEFAULT_SESSION_MESSAGE = 'This flow has expired. Please ask for a new one.'

/**
 * Starts loading the key at once, so a bad key is known at start (`endpoint.ready()` rejects, one error line is
 * logged) rather than at the first request. Configuration mistakes (no key, a path given as PEM text) throw here.
 * Errors name the option or variable the key came from.
 */
function startKeyLoad(
  runtime: Runtime,
  options: { privateKey?: unknown; passphrase?: unknown },
  logger: FlowLogger,
): Promise<FlowPrivateKey> {
  const source = resolveKeySource(runtime, options.privateKey, Object.hasOwn(options, 'privateKey'))
  const loading = loadKeyFrom(runtime, source, resolvePassphrase(options.passphrase))
  loading.catch((e: unknown) => {
    logger.error('the private key could not be loaded; every request will answer 500', {
      ...errorFields(e),
      reason: safeName((e as { reason?: unknown }).reason),
      source: source.origin,
    })
  })
  return loading
}

function validMetrics(metrics: unknown): FlowMetrics | undefined {
  if (metrics === undefined) return undefined
  const m = metrics as Partial<FlowMetrics> | null
  if (typeof m !== 'object' || m === null || typeof m.recordRequest !== 'function' || typeof m.recordDeadlineMiss !== 'function') {
    throw new TypeError('metrics must come from createFlowMetrics() (an object with recordRequest and recordDeadlineMiss)')
  }
  return m as FlowMetrics
}

const now = (): number => globalThis.performance?.now() ?? Date.now()

/** `handle` recording each answer's status and time in `metrics` (argument errors are thrown, not counted). */
function measured(handle: (input: FlowHttpRequest) => Promise<FlowHttpResponse>, metrics: FlowMetrics) {
  return async (input: FlowHttpRequest): Promise<FlowHttpResponse> => {
    const started = now()
    const out = await handle(input)
    metrics.recordRequest(out.status, Math.max(0, now() - started) / 1000)
    return out
  }
}

/**
 * The run-time Flow JSON check of the `flow` and `flowCheck` options: the flow is validated first (errors throw
 * FlowJsonError, warnings are logged once).
 */
function flowCheckOf(flow: unknown, mode: unknown, logger: FlowLogger): CoreConfig['flowCheck'] {
  if (mode !== undefined && mode !== 'reject' && mode !== 'log' && mode !== 'off')
    throw new TypeError("flowCheck must be 'reject', 'log' or 'off'")
  if (flow === undefined) {
    if (mode !== undefined) throw new TypeError('flowCheck needs the flow option (the Flow JSON to check against)')
    return undefined
  }
  if (typeof flow !== 'object' || flow === null || Array.isArray(flow))
    throw new TypeError('flow must be the Flow JSON object (parse a file with JSON.parse first)')
  const report = validateFlowJson(flow)
  if (!report.valid) throw flowJsonError(report, 'flow')
  if (report.warnings > 0) {
    logger.warn('the Flow JSON has warnings (wa-flows validate lists them)', {
      warnings: report.warnings,
      rules: [...new Set(report.findings.map((f) => f.rule))].join(','),
    })
  }
  if (mode === 'off') return undefined
  return { check: createResponseCheck(readFlow(flow)!), mode: mode === 'log' ? 'log' : 'reject' }
}

export function makeCreateFlowEndpoint(runtime: Runtime, media: MediaApi): CreateFlowEndpoint {
  function createFlowEndpoint(
    options: FlowEndpointOptions<AnyFlowScreens, Record<string, unknown>, unknown> = {},
  ): FlowEndpoint<AnyFlowScreens> {
    if (typeof options !== 'object' || options === null)
      throw new TypeError('createFlowEndpoint takes an options object (privateKey, appSecret, …)')
    // Explicit options win; WA_FLOWS_APP_SECRET (comma-separated during a rotation) otherwise.
    const secrets = normaliseSecrets(options.appSecret ?? readEnvList(ENV.appSecret))
    const maxBodyBytes = positiveInt(options.maxBodyBytes, 'maxBodyBytes', DEFAULT_MAX_BODY_BYTES)
    const timeoutMs = positiveInt(options.timeoutMs, 'timeoutMs', DEFAULT_TIMEOUT_MS, MAX_TIMER_MS)
    const logger = resolveLogger(options.logger)
    const flowCheck = flowCheckOf(options.flow, options.flowCheck, logger)
    const keyLoading = startKeyLoad(runtime, options, logger)
    const key = () => keyLoading
    if (options.onTimeout !== undefined && typeof options.onTimeout !== 'function') throw new TypeError('onTimeout must be a function')
    if (!secrets)
      logger.warn(
        'no appSecret: X-Hub-Signature-256 is not verified, so anyone with the public key can call this endpoint (set appSecret or WA_FLOWS_APP_SECRET)',
      )
    const sessions = validSessions(options.sessions) ?? createFlowSessions()
    const required = options.requireSession
    if (required !== undefined && typeof required !== 'boolean' && (typeof required !== 'string' || required === '')) {
      throw new TypeError('requireSession must be a boolean or a non-empty message')
    }
    const requireSession = required === true ? DEFAULT_SESSION_MESSAGE : typeof required === 'string' ? required : undefined
    if (options.requireFlowTokenSignature !== undefined && typeof options.requireFlowTokenSignature !== 'boolean') {
      throw new TypeError('requireFlowTokenSignature must be a boolean')
    }
    if (options.requireFlowTokenSignature && !secrets)
      throw new TypeError('requireFlowTokenSignature needs appSecret (the signature is keyed with it)')

    const metrics = validMetrics(options.metrics)
    const registry = createRegistry()
    const answer = createCore({
      crypto: runtime.crypto,
      media,
      key,
      verifier: secrets && createSignatureVerifier(secrets),
      maxBodyBytes,
      timeoutMs,
      logger,
      registry,
      onTimeout: options.onTimeout as ((request: unknown) => unknown) | undefined,
      sessions: sessions as FlowSessions<unknown>,
      requireSession,
      tokenVerifier: secrets && createHs256Verifier(secrets),
      requireTokenSignature: options.requireFlowTokenSignature === true,
      flowCheck,
      ...(metrics ? { onDeadlineMiss: () => metrics.recordDeadlineMiss() } : {}),
    })
    const handle = metrics ? measured(answer, metrics) : answer
    const deps: AdapterDeps = {
      handle,
      maxBodyBytes,
      logger,
      ...(metrics ? { onAdapterAnswer: (status: number) => metrics.recordRequest(status, 0) } : {}),
    }

    const endpoint = {
      on(...args: unknown[]) {
        registry.on(args)
        return endpoint
      },
      onErrorNotification(handler: unknown) {
        registry.setErrorHook(handler)
        return endpoint
      },
      handle,
      sessions,
      ready: () => keyLoading.then(() => undefined),
      maxBodyBytes,
      fetch: createFetchAdapter(deps),
      nodeHandler: () => createNodeHandler(deps),
      fastifyPlugin: createFastifyPlugin(deps),
    }
    return endpoint as unknown as FlowEndpoint<AnyFlowScreens>
  }
  return createFlowEndpoint as CreateFlowEndpoint
}
