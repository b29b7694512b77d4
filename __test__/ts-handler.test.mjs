// `wa-flows serve --handler flow.ts` (issue 12, item 4's TypeScript part): through the project's own tsx (this repo
// has it as a devDependency) on Node 20, with --workers too; one line saying what to install where there is no way
// to run TypeScript; and the choice between tsx and Node's type stripping by Node version.
import test from 'ava'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { chooseTypeScriptLoader } from '../dist/cli/handler-module.js'
import { cleanEnv, cliPath, lines, root, runCli, startProcess, tempDir } from './helpers/cli.mjs'

/** A handler only TypeScript accepts: a type import, an interface, annotations, `satisfies`, a generic. */
const HANDLER = `// Test handler module in TypeScript for wa-flows serve.
import type { FlowEndpoint, FlowWebhook } from 'whatsapp-flows'

interface Hello { greeting: string; pid: number }
const first = <T extends object>(data: T): { screen: 'HELLO'; data: T } => ({ screen: 'HELLO', data })

export default (endpoint: FlowEndpoint, webhook: FlowWebhook): void => {
  endpoint.on('INIT', () => first({ greeting: 'typed', pid: process.pid } satisfies Hello))
  webhook.on('flow.completion', (event) => console.log('done', event.flowToken))
}
`

/** A directory inside the package, so the handler resolves 'whatsapp-flows' and this repo's tsx. */
function projectDir(t) {
  const dir = join(root, '.cache', 'ts-handler', `${process.pid}-${Math.random().toString(36).slice(2)}`)
  mkdirSync(dir, { recursive: true })
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function keysIn(t, dir) {
  const kg = await runCli(['keygen', '--out', dir])
  t.is(kg.code, 0, kg.stderr)
}

for (const workers of [1, 2]) {
  test.serial(`a .ts handler module runs through the project's tsx on Node ${process.versions.node} (--workers ${workers})`, async (t) => {
    const dir = projectDir(t)
    await keysIn(t, dir)
    writeFileSync(join(dir, 'flow.ts'), HANDLER)
    const env = cleanEnv({ WA_FLOWS_PRIVATE_KEY_FILE: join(dir, 'private.pem') })
    const srv = startProcess(t, [cliPath, 'serve', '--handler', 'flow.ts', '--port', '0', '--workers', String(workers)], {
      cwd: dir,
      env,
      timeoutMs: 30_000,
    })
    const [, url] = await srv.ready
    const sim = await runCli(['simulate', '--url', url, '--public-key', join(dir, 'public.pem')], { cwd: dir })
    t.is(sim.code, 0, sim.stderr + srv.errors())
    t.regex(sim.stdout, /"greeting": "typed"/)
  })
}

test.serial(
  "without tsx, a .ts handler runs on Node's type stripping where it is on, else fails with one line saying what to install",
  async (t) => {
    const dir = tempDir(t) // outside the package: no tsx up the tree, nor in the working directory
    await keysIn(t, dir)
    writeFileSync(
      join(dir, 'flow.ts'),
      HANDLER.replace("import type { FlowEndpoint, FlowWebhook } from 'whatsapp-flows'", 'type FlowEndpoint = any; type FlowWebhook = any'),
    )
    const env = cleanEnv({ WA_FLOWS_PRIVATE_KEY_FILE: join(dir, 'private.pem') })
    const [major, minor] = process.versions.node.split('.').map(Number)
    if (process.features.typescript) {
      // Node 22.18+ (or with --experimental-strip-types): the module loads without tsx.
      const srv = startProcess(t, [cliPath, 'serve', '--handler', 'flow.ts', '--port', '0'], { cwd: dir, env })
      const [, url] = await srv.ready
      const sim = await runCli(['simulate', '--url', url, '--public-key', join(dir, 'public.pem')], { cwd: dir })
      t.regex(sim.stdout, /"greeting": "typed"/)
      return
    }
    const r = await runCli(['serve', '--handler', 'flow.ts', '--port', '0'], { cwd: dir, env })
    t.is(r.code, 1)
    const expected =
      (major === 22 && minor >= 6) || major === 23
        ? `wa-flows: cannot load handler module flow.ts: TypeScript needs tsx in your project (npm install --save-dev tsx), or Node ${process.versions.node}'s type stripping: NODE_OPTIONS=--experimental-strip-types`
        : `wa-flows: cannot load handler module flow.ts: Node ${process.versions.node} cannot load TypeScript by itself: install tsx in your project (npm install --save-dev tsx), or use Node 22.18 or later`
    t.deepEqual(lines(r.stderr), [expected])
  },
)

test.serial('the loader: tsx when the project has it, else Node type stripping where on, else why not', (t) => {
  const none = { tsxApi: undefined, nodeTypeScript: undefined }
  t.deepEqual(
    chooseTypeScriptLoader('flow.ts', { ...none, tsxApi: '/p/node_modules/tsx/dist/esm/api/index.mjs', nodeVersion: '20.20.2' }),
    { via: 'tsx', api: '/p/node_modules/tsx/dist/esm/api/index.mjs' },
  )
  t.deepEqual(chooseTypeScriptLoader('flow.ts', { ...none, nodeTypeScript: 'strip', nodeVersion: '22.18.0' }), { via: 'node' })
  t.deepEqual(chooseTypeScriptLoader('flow.mts', { ...none, nodeTypeScript: 'transform', nodeVersion: '24.1.0' }), { via: 'node' })
  t.regex(chooseTypeScriptLoader('flow.ts', { ...none, nodeVersion: '22.12.0' }).reason, /NODE_OPTIONS=--experimental-strip-types/)
  t.regex(
    chooseTypeScriptLoader('flow.ts', { ...none, nodeVersion: '20.19.0' }).reason,
    /Node 20\.19\.0 cannot load TypeScript by itself: install tsx/,
  )
  t.regex(chooseTypeScriptLoader('flow.tsx', { ...none, nodeTypeScript: 'strip', nodeVersion: '23.6.0' }).reason, /TSX needs tsx/)
})
