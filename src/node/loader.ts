// Finds and loads the native addon: WA_FLOWS_NATIVE_PATH alone when set, else a local build (native/ in
// this package) first, then the platform package (whatsapp-flows-<triple>). Every failed attempt is kept as the
// `cause` of the final error.
import { createRequire } from 'node:module'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { FlowBackendError } from '../errors.js'

/** The functions exported by crates/flows-node (their declaration is generated from the Rust exports). */
export type NativeBinding = typeof import('./native-binding.js')

const require = createRequire(import.meta.url)
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** True on a musl libc (Alpine): the running process's report has no glibc version; else /usr/bin/ldd says so. */
export function isMusl(): boolean {
  if (process.platform !== 'linux') return false
  // `excludeNetwork` (Node >= 20.13) is missing from @types/node 20.
  const report = process.report as (NodeJS.ProcessReport & { excludeNetwork?: boolean }) | undefined
  if (report) {
    // The network part of the report can take seconds (DNS); it is not needed here.
    const excludeNetwork = report.excludeNetwork
    try {
      report.excludeNetwork = true
      const header = (report.getReport() as { header?: { glibcVersionRuntime?: string } }).header
      if (header) return !header.glibcVersionRuntime
    } catch {
      // fall through to the file check
    } finally {
      report.excludeNetwork = excludeNetwork
    }
  }
  try {
    return readFileSync('/usr/bin/ldd', 'utf8').includes('musl')
  } catch {
    return false
  }
}

/** The napi-rs platform suffix of this process, e.g. `linux-x64-gnu`, `linux-arm64-musl`, `darwin-arm64`. */
export function platformTriple(): string {
  const { platform, arch } = process
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version
}

/** One line that says why a candidate failed (a missing platform package is named as such). */
function describe(candidate: string, e: unknown): string {
  const first = e instanceof Error ? e.message.split('\n')[0] : String(e)
  if ((e as { code?: unknown } | null)?.code === 'MODULE_NOT_FOUND' && first.startsWith(`Cannot find module '${candidate}'`)) {
    return `the optional dependency ${candidate} is not installed`
  }
  return first.includes(candidate) ? first : `${candidate}: ${first}`
}

/** Loads the addon or throws `FlowBackendError` (`ERR_FLOW_BACKEND_UNAVAILABLE`) with every attempt's error as cause. */
export function loadNativeBinding(env: Record<string, string | undefined> = process.env): NativeBinding {
  const triple = platformTriple()
  const file = `whatsapp-flows.${triple}.node`
  const explicit = env.WA_FLOWS_NATIVE_PATH?.trim()
  // An explicit path is the only candidate: it must not be silently replaced by another build.
  const candidates = explicit
    ? [{ path: explicit, optional: false }]
    : [
        { path: join(packageRoot, 'native', file), optional: true },
        { path: join(packageRoot, file), optional: true },
        { path: `whatsapp-flows-${triple}`, optional: false },
      ]
  const errors: unknown[] = []
  const reasons: string[] = []
  for (const { path, optional } of candidates) {
    if (optional && !existsSync(path)) continue
    try {
      const binding = require(path) as NativeBinding
      const want = packageVersion()
      const got = typeof binding.version === 'function' ? binding.version() : undefined
      if (got !== want) throw new Error(`the addon is version ${got ?? '(unknown)'} but whatsapp-flows is ${want}`)
      return binding
    } catch (e) {
      errors.push(e)
      reasons.push(describe(path, e))
    }
  }
  throw new FlowBackendError(
    `Cannot load the whatsapp-flows native addon for ${triple}: ${reasons.join('; ')}`,
    FlowBackendError.codes.unavailable,
    {
      cause: errors.length === 1 ? errors[0] : new AggregateError(errors, 'every candidate failed'),
    },
  )
}
