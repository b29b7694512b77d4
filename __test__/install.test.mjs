// Installs the packed tarballs (npm run pack:all; re-packed here when missing or stale) into a fresh project with
// production dependencies only, then checks import, require, the wa-flows bin, the native backend, the WebCrypto
// fallback once the platform package is gone, and an esbuild bundle of the WebCrypto entry for neutral platforms.
import test from 'ava'
import { build } from 'esbuild'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import { findRuntime } from '../scripts/install-runtimes.mjs'
import { artifacts, currentArtifacts } from '../scripts/pack-all.mjs'
import { namedBlocks, shellSteps } from './helpers/snippets.mjs'

const execFileP = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))
const vectors = fileURLToPath(new URL('./vectors/pywa/', import.meta.url))

const env = { ...process.env }
for (const name of Object.keys(env)) if (name.startsWith('WA_FLOWS_') || name.startsWith('npm_')) delete env[name]

const project = mkdtempSync(join(tmpdir(), 'wa-flows-install-'))
test.after.always(() => rmSync(project, { recursive: true, force: true }))

const run = (cmd, args, options = {}) => execFileP(cmd, args, { cwd: project, env, maxBuffer: 16 << 20, ...options })

/** Decrypts pywa's request and checks the exact response ciphertext with the installed package. */
const checkScript = (loader) => `// Written by __test__/install.test.mjs: one pywa round trip with the installed package.
${loader}
const v = JSON.parse(readFileSync(${JSON.stringify(join(vectors, 'flow_request.json'))}, 'utf8'))
const key = await flows.loadPrivateKey(readFileSync(${JSON.stringify(join(vectors, 'private_key.pem'))}, 'utf8'), { passphrase: v.passphrase })
const d = await flows.decryptRequest(v.request, key)
const same = JSON.stringify(d.request) === JSON.stringify(JSON.parse(v.expected_plaintext)) && (await d.encryptResponse(v.response_plaintext)) === v.expected_encrypted_response
process.stdout.write(JSON.stringify({ backend: flows.getBackend(), same }))
`

let info
test.before(async () => {
  info = await currentArtifacts()
  if (!info) {
    await execFileP(process.execPath, [join(root, 'scripts/pack-all.mjs'), '--no-build'], { cwd: root, env })
    info = await currentArtifacts()
  }
  if (!info) throw new Error('pack:all did not produce current artifacts')
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'wa-flows-install-check', private: true, type: 'module' }, null, 2)}\n`,
  )
  // The README's "Trying it from local tarballs", as written: its first line is what pack-all --no-build just did
  // (npm test has built), its second installs both tarballs by glob from the clone (here: this checkout). Added for
  // the test: --offline (no production dependencies, so nothing may come from a registry), --omit=dev, quiet flags.
  const [packLine, installLine] = shellSteps(namedBlocks('README.md')['local-tarballs.sh'].code).map((s) => s.npm)
  if (!/^npm --prefix \.\.\/whatsapp-flows run pack:all$/.test(packLine)) throw new Error(`README: unexpected pack line: ${packLine}`)
  if (!/^npm install \.\.\/whatsapp-flows\/artifacts\/\*\.tgz$/.test(installLine))
    throw new Error(`README: unexpected install line: ${installLine}`)
  const command = `${installLine.replace('../whatsapp-flows/', `${root.replace(/\/$/, '')}/`)} --omit=dev --no-audit --no-fund --offline`
  const installed = await run('bash', ['-c', command])
  const tarballs = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).dependencies
  if (!tarballs?.['whatsapp-flows'] || !tarballs[info.platform.name])
    throw new Error(`both tarballs should be installed: ${installed.stdout}`)
  writeFileSync(join(project, 'check.mjs'), checkScript("import * as flows from 'whatsapp-flows'\nimport { readFileSync } from 'node:fs'"))
  writeFileSync(
    join(project, 'check.cjs'),
    `(async () => {\n${checkScript("const flows = require('whatsapp-flows')\nconst { readFileSync } = require('node:fs')")}})()\n`,
  )
  writeFileSync(
    join(project, 'worker.mjs'),
    "// Written by __test__/install.test.mjs: what a Worker or browser bundle imports.\nimport { getBackend } from 'whatsapp-flows'\nimport * as web from 'whatsapp-flows/webcrypto'\nexport const backends = [getBackend(), web.getBackend()]\n",
  )
})

test.serial('ESM import and require() both run on the native backend from the platform package', async (t) => {
  t.true(existsSync(join(project, 'node_modules', info.platform.name, `whatsapp-flows.${info.platform.suffix}.node`)))
  t.false(existsSync(join(project, 'node_modules/whatsapp-flows/native')), 'the main tarball ships no addon of its own')
  for (const file of ['check.mjs', 'check.cjs']) {
    const { stdout, stderr } = await run(process.execPath, [file])
    t.deepEqual(JSON.parse(stdout), { backend: 'native', same: true }, file)
    t.notRegex(stderr, /Warning/, `${file}: ${stderr}`)
  }
})

test.serial('npx wa-flows --help works', async (t) => {
  const { stdout } = await run('npx', ['wa-flows', '--help'], { env: { ...env, npm_config_offline: 'true' } })
  t.regex(stdout, /Usage: wa-flows/)
})

// Real runtimes resolving the root export: Deno by its `deno` condition, Bun (which loads N-API addons) as Node.
for (const [name, args, expected] of [
  ['deno', ['run', '--no-prompt'], 'webcrypto'],
  ['bun', [], 'native'],
]) {
  const runtime = findRuntime(name)
  if (!runtime) continue
  test.serial(`${name} (${runtime.version}) imports the installed root export on ${expected}`, async (t) => {
    writeFileSync(
      join(project, 'root.mjs'),
      "// Written by __test__/install.test.mjs.\nimport { getBackend } from 'whatsapp-flows'\nconsole.log(getBackend())\n",
    )
    const { stdout } = await run(runtime.path, [...args, 'root.mjs'])
    t.is(stdout.trim(), expected)
  })
}

test.serial('without the platform package the same code runs on WebCrypto, with exactly one warning', async (t) => {
  rmSync(join(project, 'node_modules', info.platform.name), { recursive: true })
  for (const file of ['check.mjs', 'check.cjs']) {
    const { stdout, stderr } = await run(process.execPath, [file])
    t.deepEqual(JSON.parse(stdout), { backend: 'webcrypto', same: true }, file)
    t.is(stderr.match(/WhatsAppFlowsWarning/g)?.length, 1, stderr)
    t.true(stderr.includes(`the optional dependency ${info.platform.name} is not installed`), stderr)
  }
})

test('the webcrypto entry (and the root under workerd/worker/browser) bundles for a neutral platform without Node built-ins', async (t) => {
  for (const conditions of [['workerd'], ['worker'], ['browser']]) {
    // Platform neutral: importing any Node built-in is a resolution error, which fails the build.
    const result = await build({
      absWorkingDir: project,
      entryPoints: ['worker.mjs'],
      bundle: true,
      write: false,
      platform: 'neutral',
      conditions,
      format: 'esm',
      metafile: true,
      logLevel: 'silent',
    })
    const inputs = Object.keys(result.metafile.inputs)
    t.true(inputs.includes('node_modules/whatsapp-flows/dist/webcrypto.js'), conditions[0])
    t.false(inputs.includes('node_modules/whatsapp-flows/dist/index.js'), `${conditions[0]} must not reach the Node entry`)
    t.false(
      inputs.some((f) => f.includes('/dist/node/')),
      `${conditions[0]}: no native loader`,
    )
  }
})

test('the release smoke test (scripts/smoke-installed.mjs) passes on this host', async (t) => {
  const { stdout } = await execFileP(process.execPath, [join(root, 'scripts/smoke-installed.mjs')], { cwd: root, env })
  t.regex(stdout, new RegExp(`^smoke: ok ${info.platform.suffix} `))
})

test('the tarballs hold what the docs promise: dist without maps or tests, the addon in the platform package', async (t) => {
  const list = async (tarball) => (await execFileP('tar', ['tzf', join(artifacts, tarball)])).stdout.trim().split('\n')
  const main = await list(info.main)
  const manifest = JSON.parse(readFileSync(join(project, 'node_modules/whatsapp-flows/package.json'), 'utf8'))
  t.true(
    main.includes('package/dist/index.js') && main.includes('package/dist/webcrypto.d.ts') && main.includes('package/dist/cli/main.js'),
  )
  t.deepEqual(
    main.filter(
      (f) =>
        !f.startsWith('package/dist/') &&
        !f.startsWith('package/docs/') &&
        !/^package\/(package\.json|README\.md|LICENSE|CHANGELOG\.md)$/.test(f),
    ),
    [],
  )
  // What explains the package on the registry and in node_modules: the licence, the changes, every docs page.
  for (const f of [
    'package/LICENSE',
    'package/CHANGELOG.md',
    'package/README.md',
    'package/docs/endpoint.md',
    'package/docs/lifecycle.md',
    'package/docs/cli.md',
    'package/docs/metrics.md',
    'package/docs/typescript.md',
  ])
    t.true(main.includes(f), f)
  t.deepEqual(
    [manifest.repository, manifest.homepage, manifest.bugs],
    [
      { type: 'git', url: 'git+https://github.com/whatsapp-flows/whatsapp-flows.git' },
      'https://github.com/whatsapp-flows/whatsapp-flows#readme',
      { url: 'https://github.com/whatsapp-flows/whatsapp-flows/issues' },
    ],
  )
  t.deepEqual(
    main.filter((f) => f.endsWith('.map') || /test/.test(f) || f.endsWith('.node')),
    [],
  )
  t.is(manifest.scripts.prepare, undefined)
  // The platform package: its manifest, README and licence, and the addon.
  t.deepEqual(
    (await list(info.platform.tarball)).sort(),
    ['package/LICENSE', 'package/README.md', `package/whatsapp-flows.${info.platform.suffix}.node`, 'package/package.json'].sort(),
  )
})
