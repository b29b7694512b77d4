// The published shape of the package: publint and attw (ESM-only profile) clean, the exports map, require() of
// the ESM entry, the platform packages in npm/, and a WebCrypto entry graph free of Node built-ins.
import test from 'ava'
import { build } from 'esbuild'
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import { binaryName, packageName, targets } from '../scripts/platform-targets.mjs'
import { publishManifest } from '../scripts/sync-platform-packages.mjs'

const execFileP = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const bin = (name) => join(root, 'node_modules/.bin', name)
// `npm pack` (run by attw) must not run `prepare`: that would rebuild dist/ under the other test files.
const packEnv = { ...process.env, npm_config_ignore_scripts: 'true' }

test('publint --strict finds nothing', async (t) => {
  const { stdout } = await execFileP(bin('publint'), ['--strict'], { cwd: root, env: packEnv })
  t.regex(stdout, /All good!/)
})

test('attw --pack . --profile esm-only is clean; only the ignored CJS/node10 resolutions report anything', async (t) => {
  const run = execFileP(bin('attw'), ['--pack', '.', '--profile', 'esm-only', '--format', 'json'], {
    cwd: root,
    env: packEnv,
    maxBuffer: 64 << 20,
  })
  const { stdout } = await run // rejects on a non-zero exit
  const report = JSON.parse(stdout)
  t.deepEqual(report.analysis.entrypoints && Object.keys(report.analysis.entrypoints).sort(), ['.', './package.json', './webcrypto'])
  const problems = Object.values(report.problems ?? {}).flat()
  t.deepEqual(
    problems.filter((p) => !['node10', 'node16-cjs'].includes(p.resolutionKind)),
    [],
  )
})

test('exports: `types` first in every condition, ./package.json exported, worker-type runtimes get the WebCrypto entry', (t) => {
  const web = { types: './dist/webcrypto.d.ts', default: './dist/webcrypto.js' }
  const walk = (node, path) => {
    if (typeof node !== 'object' || node === null) return
    if ('types' in node)
      t.is(Object.keys(node).filter((k) => !['workerd', 'worker', 'browser', 'deno'].includes(k))[0], 'types', `${path}: types first`)
    for (const [k, v] of Object.entries(node)) walk(v, `${path}.${k}`)
  }
  walk(pkg.exports, 'exports')
  t.is(pkg.exports['./package.json'], './package.json')
  t.deepEqual(pkg.exports['./webcrypto'], web)
  for (const condition of ['workerd', 'worker', 'browser', 'deno']) t.deepEqual(pkg.exports['.'][condition], web, condition)
  t.deepEqual(Object.keys(pkg.exports['.']).slice(-2), ['types', 'default'])
  for (const file of Object.values(pkg.exports).flatMap((e) =>
    typeof e === 'string' ? [e] : Object.values(e).flatMap((v) => (typeof v === 'string' ? [v] : Object.values(v))),
  )) {
    t.true(existsSync(join(root, file)), `${file} exists`)
  }
})

test('manifest: ESM, engines, files whitelist, no side effects, a bin with a shebang, no production dependencies', (t) => {
  t.is(pkg.type, 'module')
  t.is(pkg.engines.node, '>=20.19')
  t.deepEqual(pkg.files, ['dist', '!dist/**/*.map', 'docs', 'CHANGELOG.md'])
  t.deepEqual(pkg.repository, { type: 'git', url: 'git+https://github.com/whatsapp-flows/whatsapp-flows.git' })
  t.is(pkg.homepage, 'https://github.com/whatsapp-flows/whatsapp-flows#readme')
  t.deepEqual(pkg.bugs, { url: 'https://github.com/whatsapp-flows/whatsapp-flows/issues' })
  t.regex(readFileSync(join(root, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) 2026 the whatsapp-flows authors\n/)
  t.regex(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'), new RegExp(`^## ${pkg.version.replaceAll('.', '\\.')} `, 'm'))
  t.is(pkg.sideEffects, false)
  t.is(pkg.bin['wa-flows'], './dist/cli/main.js')
  t.true(readFileSync(join(root, pkg.bin['wa-flows']), 'utf8').startsWith('#!/usr/bin/env node\n'))
  t.is(pkg.dependencies, undefined, 'production dependencies would break offline installs')
  t.is(pkg.optionalDependencies, undefined, 'platform packages are added at publish time only (docs/packaging.md)')
})

test('platform packages: one per target, in sync with the main package', async (t) => {
  await execFileP(process.execPath, [join(root, 'scripts/sync-platform-packages.mjs'), '--check'], { cwd: root })
  t.deepEqual(
    pkg.napi.targets,
    targets.map((x) => x.rust),
  )
  for (const target of targets) {
    const dir = join(root, 'npm', target.suffix)
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    t.is(manifest.name, packageName(target.suffix))
    t.is(manifest.version, pkg.version)
    t.deepEqual(manifest.os, [target.os])
    t.deepEqual(manifest.cpu, [target.cpu])
    t.deepEqual(manifest.libc, target.libc ? [target.libc] : undefined)
    t.is(manifest.main, binaryName(target.suffix))
    t.deepEqual(manifest.files, [binaryName(target.suffix)])
    t.is(manifest.license, pkg.license)
    t.deepEqual(manifest.engines, pkg.engines)
    t.true(readFileSync(join(dir, 'README.md'), 'utf8').includes(packageName(target.suffix)))
  }
})

test('the publish manifest adds every platform package as an optional dependency and drops `prepare`', (t) => {
  const published = publishManifest(pkg, { optionalDependencies: true })
  t.deepEqual(published.optionalDependencies, Object.fromEntries(targets.map((x) => [packageName(x.suffix), pkg.version])))
  t.is(published.scripts.prepare, undefined)
  t.is(published.scripts.test, pkg.scripts.test)
  t.is(pkg.scripts.prepare, 'node scripts/build.mjs', 'the repository keeps its own prepare')
  t.is(publishManifest(pkg).optionalDependencies, undefined)
})

test('require("whatsapp-flows") loads the ESM entries (no top-level await) without a warning', async (t) => {
  const script = `const m = require('whatsapp-flows'); const w = require('whatsapp-flows/webcrypto');
    process.stdout.write([typeof m.loadPrivateKey, m.getBackend(), w.getBackend(), require('whatsapp-flows/package.json').version].join(' '))`
  const env = { ...process.env }
  delete env.WA_FLOWS_BACKEND
  const { stdout, stderr } = await execFileP(process.execPath, ['-e', script], { cwd: root, env })
  t.regex(stdout, new RegExp(`^function (native|webcrypto) webcrypto ${pkg.version.replaceAll('.', '\\.')}$`))
  t.notRegex(stderr, /ExperimentalWarning|ERR_REQUIRE/)
})

test('the WebCrypto entry imports no Node built-in (esbuild, platform neutral)', async (t) => {
  const builtins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'node:*']
  const entry = 'dist/webcrypto.js'
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'neutral',
    format: 'esm',
    metafile: true,
    external: builtins,
    logLevel: 'silent',
  })
  const inputs = result.metafile.inputs
  // Breadth-first from the entry; each built-in reached is reported with its import chain.
  const parents = new Map([[entry, null]])
  const queue = [entry]
  const chains = []
  while (queue.length) {
    const file = queue.shift()
    for (const imp of inputs[file].imports) {
      if (imp.external) {
        const chain = [imp.path]
        for (let f = file; f; f = parents.get(f)) chain.unshift(f)
        chains.push(chain.join(' -> '))
      } else if (!parents.has(imp.path)) {
        parents.set(imp.path, file)
        queue.push(imp.path)
      }
    }
  }
  t.true(Object.keys(inputs).length > 5, 'the bundle holds the WebCrypto graph')
  t.deepEqual(chains, [])
})
