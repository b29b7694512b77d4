// createFlowEndpoint: validates options, loads the key once, wires registry, core and adapters into one object.
import type { FlowPrivateKey } from '../api.js'
import type { MediaApi } from '../media/types.js'
import type { Runtime } from '../runtime.js'
import { isBytes } from '../util/bytes.js'
import type { AdapterDeps } from './adapters/body.js'
import { createFastifyPlugin } from './adapters/fastify.js'
import { createFetchAdapter } from './adapters/fetch.js'
import { createNodeHandler } from './adapters/node.js'
import { createCore } from './core.js'
import { createRegistry } from './dispatch.js'
import { resolveLogger } from './logger.js'
import { createSignatureVerifier, normaliseSecrets } from './signature.js'
import type { AnyFlowScreens, FlowEndpoint, FlowEndpointOptions } from './types.js'

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024
const DEFAULT_TIMEOUT_MS = 9000

/** Timers hold 32-bit signed delays: anything longer would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1

function positiveInt(value: unknown, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer`)
  if (value > max) throw new RangeError(`${name} must be at most ${max}`)
  return value
}

function isLoadedKey(v: unknown): v is FlowPrivateKey {
  return typeof v === 'object' && v !== null && !isBytes(v) && typeof (v as FlowPrivateKey).backend === 'string' && typeof (v as FlowPrivateKey).bits === 'number'
}

/** The key as a memoised lazy loader; a loaded key must come from this entry point's backend. */
function keyLoader(runtime: Runtime, privateKey: unknown, passphrase: unknown): () => Promise<FlowPrivateKey> {
  if (passphrase !== undefined && typeof passphrase !== 'string') throw new TypeError('passphrase must be a string')
  if (isLoadedKey(privateKey)) {
    const backend = runtime.crypto.getBackend()
    if (privateKey.backend !== backend) throw new TypeError(`privateKey was loaded by the ${privateKey.backend} backend; this endpoint uses ${backend}`)
    const ready = Promise.resolve(privateKey)
    return () => ready
  }
  if (typeof privateKey !== 'string' && !isBytes(privateKey)) {
    throw new TypeError('privateKey must be a PEM string, PEM/DER bytes or a key from loadPrivateKey()')
  }
  let loading: Promise<FlowPrivateKey> | undefined
  return () => (loading ??= runtime.crypto.loadPrivateKey(privateKey, passphrase === undefined ? {} : { passphrase }))
}

export function makeCreateFlowEndpoint(runtime: Runtime, media: MediaApi) {
  return function createFlowEndpoint<S = AnyFlowScreens, C extends object = Record<string, unknown>>(
    options: FlowEndpointOptions<S, C>,
  ): FlowEndpoint<S, C> {
    if (typeof options !== 'object' || options === null) throw new TypeError('createFlowEndpoint takes an options object with privateKey')
    const key = keyLoader(runtime, options.privateKey, options.passphrase)
    const secrets = normaliseSecrets(options.appSecret)
    const maxBodyBytes = positiveInt(options.maxBodyBytes, 'maxBodyBytes', DEFAULT_MAX_BODY_BYTES)
    const timeoutMs = positiveInt(options.timeoutMs, 'timeoutMs', DEFAULT_TIMEOUT_MS, MAX_TIMER_MS)
    const logger = resolveLogger(options.logger)
    if (options.onTimeout !== undefined && typeof options.onTimeout !== 'function') throw new TypeError('onTimeout must be a function')
    if (!secrets) logger.warn('no appSecret: X-Hub-Signature-256 is not verified, so anyone with the public key can call this endpoint')

    const registry = createRegistry()
    const handle = createCore({
      crypto: runtime.crypto,
      media,
      key,
      verifier: secrets && createSignatureVerifier(secrets),
      maxBodyBytes,
      timeoutMs,
      logger,
      registry,
      onTimeout: options.onTimeout as ((request: unknown) => unknown) | undefined,
    })
    const deps: AdapterDeps = { handle, maxBodyBytes, logger }

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
      maxBodyBytes,
      fetch: createFetchAdapter(deps),
      nodeHandler: () => createNodeHandler(deps),
      fastifyPlugin: createFastifyPlugin(deps),
    }
    return endpoint as unknown as FlowEndpoint<S, C>
  }
}
