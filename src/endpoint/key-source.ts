// Where the endpoint's private key comes from, and loading it: the `privateKey` option (PEM text, PEM/DER bytes,
// `{ path }` on Node, or a loaded key) wins, else WA_FLOWS_PRIVATE_KEY (PEM text) or WA_FLOWS_PRIVATE_KEY_FILE (a
// path, Node only); the passphrase likewise from `passphrase` or WA_FLOWS_PRIVATE_KEY_PASSPHRASE. Every error says
// where the value came from (the option or the variable), never what it holds.
import type { FlowPrivateKey } from '../api.js'
import { flowError, FlowKeyError, invalidArgument } from '../errors.js'
import type { Runtime } from '../runtime.js'
import { isBytes } from '../util/bytes.js'
import { ENV, readEnv } from '../util/env.js'
import { looksLikePath } from '../validate.js'

/** A key file reference: `privateKey: { path: 'keys/private.pem' }` (Node entry). */
export interface FlowPrivateKeyFile {
  path: string
}

/** Where a key came from: the option or the variable (logged as is: it names, it holds nothing). */
export type KeyOrigin = 'privateKey' | 'privateKey.path' | typeof ENV.privateKey | typeof ENV.privateKeyFile

/**
 * The resolved source: a loaded key, key material, or a file. `source` names it for messages (with the path for
 * files), `origin` without the path for log lines.
 */
export type KeySource = { origin: KeyOrigin; source: string } & (
  | { kind: 'loaded'; key: FlowPrivateKey }
  | { kind: 'data'; data: string | Uint8Array }
  | { kind: 'file'; path: string }
)

function isLoadedKey(v: unknown): v is FlowPrivateKey {
  return (
    typeof v === 'object' &&
    v !== null &&
    !isBytes(v) &&
    typeof (v as FlowPrivateKey).backend === 'string' &&
    typeof (v as FlowPrivateKey).bits === 'number'
  )
}

function isFileRef(v: unknown): v is FlowPrivateKeyFile {
  return typeof v === 'object' && v !== null && !isBytes(v) && 'path' in v
}

/** A key error whose message starts with where the key came from. */
function keyError(source: string, reason: string, detail?: string, cause?: unknown): FlowKeyError {
  const e = flowError('ERR_FLOW_KEY_INVALID', reason, detail, cause)
  return new FlowKeyError(`${source}: ${e.message}`, e.reason as FlowKeyError['reason'], cause === undefined ? undefined : { cause })
}

/**
 * The key's source, checked without any I/O: throws at once (FlowKeyError) when there is no key, both variables are
 * set, PEM text is a file path, or a file is named where files cannot be read; TypeError for a wrong option type.
 */
export function resolveKeySource(runtime: Runtime, privateKey: unknown, given: boolean): KeySource {
  if (privateKey !== undefined) {
    if (isLoadedKey(privateKey)) {
      const backend = runtime.crypto.getBackend()
      if (privateKey.backend !== backend)
        throw invalidArgument(`privateKey was loaded by the ${privateKey.backend} backend; this endpoint uses ${backend}`)
      return { kind: 'loaded', key: privateKey, source: 'privateKey', origin: 'privateKey' }
    }
    if (isFileRef(privateKey)) {
      const path = privateKey.path
      if (typeof path !== 'string' || path === '') throw invalidArgument('privateKey.path must be a non-empty string')
      if (!runtime.readFile) throw keyError('privateKey.path', 'file-unsupported')
      return { kind: 'file', path, source: `privateKey.path (${path})`, origin: 'privateKey.path' }
    }
    if (typeof privateKey !== 'string' && !isBytes(privateKey)) {
      const got = privateKey === null ? 'null' : Array.isArray(privateKey) ? 'an array' : typeof privateKey
      throw invalidArgument(`privateKey must be PEM text, PEM/DER bytes, { path } or a key from loadPrivateKey(); got ${got}`)
    }
    if (typeof privateKey === 'string' && looksLikePath(privateKey)) throw keyError('privateKey', 'looks-like-path')
    return { kind: 'data', data: privateKey, source: 'privateKey', origin: 'privateKey' }
  }
  const pem = readEnv(ENV.privateKey)
  const file = readEnv(ENV.privateKeyFile)
  if (pem !== undefined && file !== undefined) throw keyError(ENV.privateKey, 'ambiguous')
  if (pem !== undefined) {
    if (looksLikePath(pem)) throw keyError(ENV.privateKey, 'looks-like-path')
    return { kind: 'data', data: pem, source: ENV.privateKey, origin: ENV.privateKey }
  }
  if (file !== undefined) {
    if (!runtime.readFile) throw keyError(ENV.privateKeyFile, 'file-unsupported')
    return { kind: 'file', path: file, source: `${ENV.privateKeyFile} (${file})`, origin: ENV.privateKeyFile }
  }
  throw keyError('privateKey', 'missing', given ? 'undefined' : undefined)
}

/** The passphrase option, else WA_FLOWS_PRIVATE_KEY_PASSPHRASE; `source` names it for error messages. */
export function resolvePassphrase(passphrase: unknown): { value: string; source: string } | undefined {
  if (passphrase !== undefined) {
    if (typeof passphrase !== 'string') throw invalidArgument('passphrase must be a string')
    return { value: passphrase, source: 'passphrase' }
  }
  const fromEnv = readEnv(ENV.passphrase)
  return fromEnv === undefined ? undefined : { value: fromEnv, source: ENV.passphrase }
}

/** The system error code of a failed read (ENOENT, EACCES, EISDIR, …), for the message; never the error text. */
function ioCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined
}

/** Loads the key of `source` (reading its file on Node); errors are FlowKeyErrors prefixed with the source. */
export async function loadKeyFrom(
  runtime: Runtime,
  source: KeySource,
  passphrase: { value: string; source: string } | undefined,
): Promise<FlowPrivateKey> {
  if (source.kind === 'loaded') return source.key
  let data: string | Uint8Array
  if (source.kind === 'file') {
    try {
      data = await runtime.readFile!(source.path)
    } catch (e) {
      throw keyError(source.source, 'unreadable', ioCode(e), e)
    }
  } else {
    data = source.data
  }
  try {
    return await runtime.crypto.loadPrivateKey(data, passphrase === undefined ? {} : { passphrase: passphrase.value })
  } catch (e) {
    if (!(e instanceof FlowKeyError)) throw e
    const via = passphrase && e.reason === 'wrong-passphrase' ? ` (passphrase from ${passphrase.source})` : ''
    throw new FlowKeyError(`${source.source}: ${e.message}${via}`, e.reason, { cause: e })
  } finally {
    // Key material read from a file is not needed once parsed (the caller's own bytes are left alone).
    if (source.kind === 'file' && isBytes(data)) data.fill(0)
  }
}

/** Resolves and loads in one step (the CLI's start-up check): `privateKey`/`passphrase` as the endpoint takes them. */
export function loadConfiguredKey(runtime: Runtime, options: { privateKey?: unknown; passphrase?: unknown } = {}): Promise<FlowPrivateKey> {
  try {
    const source = resolveKeySource(runtime, options.privateKey, false)
    return loadKeyFrom(runtime, source, resolvePassphrase(options.passphrase))
  } catch (e) {
    return Promise.reject(e)
  }
}
