// Shared by the runtime tests (runtimes.test.mjs, runtimes-edge.test.mjs): where the WebCrypto suite is, how its
// output is checked, and esbuild bundles of it (or of an example) for hosts that cannot resolve node_modules.
import { build } from 'esbuild'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('../../', import.meta.url))
export const suitePath = join(root, '__test__/runtimes/webcrypto-suite.mjs')

/** Checks the suite's output: only `ok` lines, numbered 1..N, and `done N/N`. */
export function assertSuite(t, lines) {
  const failed = lines.filter((l) => l.startsWith('not ok'))
  t.deepEqual(failed, [])
  const oks = lines.filter((l) => /^ok \d+ - /.test(l))
  t.true(oks.length >= 7, lines.join('\n'))
  t.deepEqual(
    oks.map((l) => Number(l.split(' ')[1])),
    oks.map((_, i) => i + 1),
  )
  t.is(lines.at(-1), `done ${oks.length}/${oks.length}`)
}

/**
 * One self-contained ES module for `entry`: `{ code, inputs }` (inputs: the files it was built from, relative to
 * the repository root). `options` go to esbuild as they are (platform, conditions, alias, …).
 */
export async function bundle(entry, options = {}) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: root,
    ...options,
  })
  return { code: result.outputFiles[0].text, inputs: Object.keys(result.metafile.inputs) }
}

/**
 * The suite bundled for a host without module resolution. Its top-level awaits stay, so it runs as the body of
 * an async function (`runAsBody`) where a host forbids work at module scope (workerd, a vm context).
 */
export const bundleSuite = (options = {}) => bundle(suitePath, { platform: 'neutral', ...options })

/** Wraps a bundle without imports/exports into `async function name() { … }` source text. */
export function runAsBody(code, name = 'runSuite') {
  if (/^\s*(import|export)\b/m.test(code)) throw new Error('the bundle is not self-contained')
  return `async function ${name}() {\n${code}\n}`
}
