// The handler module of `wa-flows serve --handler <file>`: an ES module (.mjs/.js/.cjs) imported as is, or a
// TypeScript one (.ts/.mts/.cts/.tsx). TypeScript runs through the user's own `tsx` when their project has it (its
// ESM loader registered in this process: tsx/esm/api register()), else through Node's type stripping where this
// Node has it on (22.18+, or NODE_OPTIONS=--experimental-strip-types on 22.6+); otherwise one line says what to
// install. Nothing is bundled with this package: TypeScript support costs no dependency.
import { readFileSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, extname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

import type { FlowEndpoint } from '../endpoint/types.js'
import type { FlowWebhook } from '../webhook/types.js'
import { CliError, reasonOf } from './common.js'

/** The module's default export. */
export type Register = (endpoint: FlowEndpoint, webhook: FlowWebhook) => void | Promise<void>

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx'])

/** How a TypeScript handler is loaded, or why it cannot be. */
export type TypeScriptLoader = { via: 'tsx'; api: string } | { via: 'node' } | { via: 'none'; reason: string }

export interface TypeScriptSupport {
  /** `tsx/esm/api` resolved from the user's project, when installed there. */
  tsxApi: string | undefined
  /** `process.features.typescript`: 'strip' or 'transform' when this Node strips types, else false/undefined. */
  nodeTypeScript: unknown
  /** `process.versions.node`. */
  nodeVersion: string
}

const INSTALL_TSX = 'npm install --save-dev tsx'

/** True for Node versions that can strip types behind a flag (22.6 up to 22.17, 23.0 up to 23.5). */
function stripsBehindFlag(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  return (major === 22 && minor >= 6) || major === 23
}

/** Chooses the loader for a TypeScript handler file (pure: the facts come in `support`). */
export function chooseTypeScriptLoader(file: string, support: TypeScriptSupport): TypeScriptLoader {
  if (support.tsxApi) return { via: 'tsx', api: support.tsxApi }
  const jsx = extname(file) === '.tsx'
  if (support.nodeTypeScript && !jsx) return { via: 'node' }
  const node = `Node ${support.nodeVersion}`
  if (jsx) return { via: 'none', reason: `TSX needs tsx in your project: ${INSTALL_TSX}` }
  if (stripsBehindFlag(support.nodeVersion)) {
    return {
      via: 'none',
      reason: `TypeScript needs tsx in your project (${INSTALL_TSX}), or ${node}'s type stripping: NODE_OPTIONS=--experimental-strip-types`,
    }
  }
  return {
    via: 'none',
    reason: `${node} cannot load TypeScript by itself: install tsx in your project (${INSTALL_TSX}), or use Node 22.18 or later`,
  }
}

/**
 * `tsx/esm/api` (its ESM build: the `import` condition of the export) as the handler's project, or the working
 * directory's, resolves it; undefined when tsx is not installed there.
 */
function findTsx(handlerPath: string): string | undefined {
  for (const from of [handlerPath, resolve('package.json')]) {
    let manifest: string
    try {
      manifest = createRequire(from).resolve('tsx/package.json')
    } catch {
      continue // not installed there
    }
    try {
      const exported = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, unknown> }).exports?.['./esm/api']
      const esm = (exported as { import?: unknown } | undefined)?.import
      const target = typeof esm === 'string' ? esm : (esm as { default?: unknown } | undefined)?.default
      if (typeof target === 'string') return join(dirname(manifest), target)
    } catch {
      // an unreadable manifest: treat as not installed
    }
  }
  return undefined
}

let tsxRegistered: Promise<void> | undefined

/** Registers tsx's ESM loader once in this process (as `node --import tsx` would). */
function registerTsx(api: string): Promise<void> {
  tsxRegistered ??= (async () => {
    const mod = (await import(pathToFileURL(api).href)) as { register?: () => unknown }
    if (typeof mod.register !== 'function') throw new Error(`${api} has no register(); tsx 4 or later is needed`)
    mod.register()
  })()
  return tsxRegistered
}

export function typeScriptSupport(handlerPath: string): TypeScriptSupport {
  return {
    tsxApi: findTsx(handlerPath),
    nodeTypeScript: (process.features as { typescript?: unknown }).typescript,
    nodeVersion: process.versions.node,
  }
}

/** Imports the handler module and returns its default export; one-line CliErrors for every failure. */
export async function loadHandlerModule(path: string): Promise<Register> {
  const abs = resolve(path)
  try {
    await stat(abs)
  } catch {
    throw new CliError(`handler module ${path} not found`)
  }
  let mod: { default?: unknown }
  try {
    if (TS_EXTENSIONS.has(extname(abs))) {
      const loader = chooseTypeScriptLoader(path, typeScriptSupport(abs))
      if (loader.via === 'none') throw new CliError(`cannot load handler module ${path}: ${loader.reason}`)
      if (loader.via === 'tsx') await registerTsx(loader.api)
    }
    mod = (await import(pathToFileURL(abs).href)) as { default?: unknown }
  } catch (e) {
    if (e instanceof CliError) throw e
    const code = (e as { code?: unknown }).code
    if (code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX') {
      throw new CliError(
        `cannot load handler module ${path}: ${reasonOf(e)} (Node only strips types; for enums, namespaces and parameter properties install tsx: ${INSTALL_TSX})`,
      )
    }
    if (code === 'ERR_UNKNOWN_FILE_EXTENSION')
      throw new CliError(`cannot load handler module ${path}: ${reasonOf(e)}; for TypeScript install tsx in your project: ${INSTALL_TSX}`)
    throw new CliError(`cannot load handler module ${path}: ${reasonOf(e)}`)
  }
  // A CommonJS (.cts) module's `export default` arrives as `default.default`.
  let register = mod.default
  if (typeof register === 'object' && register !== null && typeof (register as { default?: unknown }).default === 'function')
    register = (register as { default: unknown }).default
  if (typeof register !== 'function')
    throw new CliError(`handler module ${path} has no default export function (endpoint, webhook) => void`)
  return register as Register
}
