// Finds and loads the native addon: a local build (native/ in this package) first, then the platform
// package (whatsapp-flows-<platform>). Every failed attempt is kept as the `cause` of the final error.
import { createRequire } from 'node:module'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { FlowBackendError } from '../errors.js'

/** The functions exported by crates/flows-node. */
export interface NativeBinding {
  version(): string
  rsaBackend(): 'openssl' | 'pure-rust'
  setThreadPool(mode: 'own' | 'libuv'): void
  threadPool(): 'own' | 'libuv'
  loadKey(data: Uint8Array, passphrase?: string): object
  keyBits(key: object): number
  decryptRequest(key: object, encryptedAesKey: Uint8Array, iv: Uint8Array, data: Uint8Array): Promise<[Uint8Array, Uint8Array]>
  decryptRequestSync(key: object, encryptedAesKey: Uint8Array, iv: Uint8Array, data: Uint8Array): [Uint8Array, Uint8Array]
  encryptResponse(aesKey: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>
  encryptResponseSync(aesKey: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array
  decryptMedia(file: Uint8Array, encKey: Uint8Array, hmacKey: Uint8Array, iv: Uint8Array, ptHash: Uint8Array, encHash: Uint8Array): Promise<Uint8Array>
  mediaDecryptor(encKey: Uint8Array, hmacKey: Uint8Array, iv: Uint8Array, ptHash: Uint8Array, encHash: Uint8Array): object
  mediaUpdate(handle: object, chunk: Uint8Array): Promise<Uint8Array>
  mediaFinal(handle: object): Promise<Uint8Array>
}

const require = createRequire(import.meta.url)
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

function isMusl(): boolean {
  if (process.platform !== 'linux') return false
  try {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined
    if (report?.header) return !report.header.glibcVersionRuntime
  } catch {
    // fall through to the file check
  }
  try {
    return readFileSync('/usr/bin/ldd', 'utf8').includes('musl')
  } catch {
    return false
  }
}

/** The napi-rs platform suffix of this process, e.g. `linux-x64-gnu`. */
export function platformTriple(): string {
  const { platform, arch } = process
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version
}

/** Loads the addon or throws `FlowBackendError` (`ERR_FLOW_BACKEND_UNAVAILABLE`) with every attempt's error as cause. */
export function loadNativeBinding(): NativeBinding {
  const triple = platformTriple()
  const file = `whatsapp-flows.${triple}.node`
  const errors: unknown[] = []
  const candidates = [
    process.env.WHATSAPP_FLOWS_NATIVE_PATH,
    join(packageRoot, 'native', file),
    join(packageRoot, file),
    `whatsapp-flows-${triple}`,
  ].filter((c): c is string => Boolean(c))
  for (const candidate of candidates) {
    if (candidate.startsWith('/') && !existsSync(candidate)) continue
    try {
      const binding = require(candidate) as NativeBinding
      const want = packageVersion()
      if (typeof binding.version !== 'function' || binding.version() !== want) {
        throw new Error(`${candidate} is version ${binding.version?.()} but whatsapp-flows is ${want}`)
      }
      return binding
    } catch (e) {
      errors.push(e)
    }
  }
  const detail = errors.length ? errors.map((e) => (e instanceof Error ? e.message.split('\n')[0] : String(e))).join('; ') : `no ${file} and no whatsapp-flows-${triple} package`
  throw new FlowBackendError(`Cannot load the whatsapp-flows native addon for ${triple}: ${detail}`, FlowBackendError.codes.unavailable, {
    cause: errors.length === 1 ? errors[0] : new AggregateError(errors, 'every candidate failed'),
  })
}
