// docs/lifecycle.md, run: every fenced block there is named (```lang name=file) and used here. The shell blocks run
// through the real CLI, the JS blocks run as written (the handler module under `wa-flows serve`, the sender and the
// simulator as scripts), the TS blocks are type-checked, the Flow JSON is parsed. Graph calls go to a local mock
// (a preload rewrites https://graph.facebook.com to it and refuses any other non-local URL); Redis is a real one.
import test from 'ava'
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createFlowSessions, createRedisStore } from '../dist/index.js'
import { cleanEnv, cliPath, root, startProcess } from './helpers/cli.mjs'
import { mockGraph, sentAnswer } from './helpers/graph-mock.mjs'
import { redisTest, redisUrl } from './helpers/redis.mjs'

const doc = readFileSync(join(root, 'docs/lifecycle.md'), 'utf8')
const blocks = [...doc.matchAll(/^```(\w*)([^\n]*)\n([\s\S]*?)^```$/gm)].map(([, lang, info, code]) => ({ lang, name: /name=(\S+)/.exec(info)?.[1], code }))
const byName = Object.fromEntries(blocks.map((b) => [b.name, b]))
const USED = ['setup.sh', 'flow.json', 'flow.mjs', 'serve.sh', 'wiring.ts', 'send.mjs', 'simulate.mjs', 'typed.ts']

/** A fresh directory inside the package (so `import 'whatsapp-flows'` resolves to it), removed at teardown. */
function snippetDir(t) {
  const dir = join(root, '.cache', 'doc-snippets', `${process.pid}-${Math.random().toString(36).slice(2)}`)
  mkdirSync(dir, { recursive: true })
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const PRELOAD = `// Test preload: Graph calls go to the local mock; nothing else leaves the machine.
const real = globalThis.fetch
globalThis.fetch = (input, init) => {
  const url = String(input instanceof Request ? input.url : input)
  if (url.startsWith('https://graph.facebook.com/')) return real(process.env.GRAPH_MOCK + url.slice('https://graph.facebook.com'.length), init)
  if (/^https?:\\/\\/(127\\.0\\.0\\.1|localhost)[:/]/.test(url)) return real(input, init)
  return Promise.reject(new Error('tests do not reach the internet: ' + url))
}
`

/** The commands of a shell block: comments and `export` lines dropped, `npx wa-flows` run as node dist/cli/main.js. */
function commands(code) {
  return code
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('export '))
    .map((l) => {
      const words = l.split(/\s+/)
      if (words[0] !== 'npx' || words[1] !== 'wa-flows') throw new Error(`unexpected command in docs/lifecycle.md: ${l}`)
      return words.slice(2)
    })
}

function run(args, { cwd, env }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

test('every block of docs/lifecycle.md is named and used by this test', (t) => {
  t.deepEqual(blocks.map((b) => b.name).sort(), [...USED].sort())
})

test("the README's usage snippet (the lifecycle in brief) compiles as an ES module", (t) => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const usage = readme.slice(readme.indexOf('## Usage'))
  const code = /^```js\n([\s\S]*?)^```$/m.exec(usage)[1]
  t.regex(code, /sendFlow[\s\S]*createFlowEndpoint[\s\S]*createWebhook/)
  const dir = snippetDir(t)
  writeFileSync(join(dir, 'readme-usage.mjs'), code)
  const r = spawnSync(process.execPath, ['--check', join(dir, 'readme-usage.mjs')], { encoding: 'utf8' })
  t.is(r.status, 0, r.stderr)
})

test('the Flow JSON parses and asks for data API 4.0 on Flow JSON 7.3, with a data_exchange to the endpoint', (t) => {
  const flow = JSON.parse(byName['flow.json'].code)
  t.is(flow.version, '7.3')
  t.is(flow.data_api_version, '4.0')
  t.deepEqual(Object.keys(flow.routing_model), flow.screens.map((s) => s.id))
  t.regex(JSON.stringify(flow), /"name":"data_exchange"/)
})

test('the TypeScript blocks type-check against the package types (strict)', (t) => {
  const dir = snippetDir(t)
  for (const name of ['wiring.ts', 'typed.ts']) writeFileSync(join(dir, name), byName[name].code)
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], types: ['node'], strict: true, noEmit: true,
      skipLibCheck: true, typeRoots: [join(root, 'node_modules/@types')], baseUrl: '.', paths: { 'whatsapp-flows': [join(root, 'src/index.ts')] },
    },
    files: ['wiring.ts', 'typed.ts'],
  }))
  const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' })
  t.is(r.status, 0, r.stdout + r.stderr)
})

redisTest('the lifecycle as documented: keys, upload, serve, send with a session, simulate to the completion and an alert', async (t) => {
  const dir = snippetDir(t)
  const url = await redisUrl()
  const graph = await mockGraph(t, (req) => {
    if (req.path.endsWith('/whatsapp_business_encryption')) return req.method === 'POST' ? { json: { success: true } } : { json: { data: [{ business_public_key: readFileSync(join(dir, 'keys/public.pem'), 'utf8'), business_public_key_signature_status: 'VALID' }] } }
    if (req.path.endsWith('/messages')) return sentAnswer('wamid.DOCS')
    return undefined
  })
  writeFileSync(join(dir, 'preload.mjs'), PRELOAD)
  const env = cleanEnv({ GRAPH_MOCK: graph.url, WA_FLOWS_ACCESS_TOKEN: 'EAAG-docs-token', WA_FLOWS_APP_SECRET: 'docs-app-secret', WA_FLOWS_VERIFY_TOKEN: 'docs-verify', REDIS_URL: url })
  const node = (args) => run(['--import', join(dir, 'preload.mjs'), ...args], { cwd: dir, env })

  // 1. Keys: keygen, upload-key, key-status exactly as written.
  for (const args of commands(byName['setup.sh'].code)) {
    const r = await node([cliPath, ...args])
    t.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
  }
  t.deepEqual(graph.requests.map((r) => `${r.method} ${r.path}`), ['POST /v21.0/106540352242922/whatsapp_business_encryption', 'GET /v21.0/106540352242922/whatsapp_business_encryption'])

  // 3. The module, served as written (a free port instead of 3000, the test's Redis).
  writeFileSync(join(dir, 'flow.mjs'), byName['flow.mjs'].code)
  const [serveArgs] = commands(byName['serve.sh'].code)
  const args = serveArgs.map((a) => (a === '3000' ? '0' : a === 'redis://127.0.0.1:6379' ? url : a))
  const server = startProcess(t, [cliPath, ...args], { cwd: dir, env })
  const [, endpointUrl] = await server.ready
  const origin = new URL(endpointUrl).origin

  // 4. Sending: the flow message leaves with a token, and its session is in Redis.
  writeFileSync(join(dir, 'send.mjs'), byName['send.mjs'].code)
  const sent = await node(['send.mjs'])
  t.is(sent.code, 0, sent.stderr)
  const [, flowToken] = sent.stdout.match(/^sent wamid\.DOCS with flow_token (ft_\S+)$/m)
  const message = graph.requests.at(-1).json
  t.is(message.interactive.action.parameters.flow_token, flowToken)
  t.is(message.interactive.action.parameters.flow_action, 'data_exchange')
  const sessions = createFlowSessions({ store: createRedisStore({ url }) })
  t.teardown(() => sessions.close())
  t.deepEqual(await sessions.get(flowToken), { customerId: 'C-42', doctor: 'Dr. Lee' })
  t.is(await sessions.tokenForMessage('wamid.DOCS'), flowToken)

  // 9. The simulator walks the flow (4.0, signed token), delivers the completion and an alert.
  writeFileSync(join(dir, 'simulate.mjs'), byName['simulate.mjs'].code.replaceAll('http://127.0.0.1:3000', origin))
  const sim = await node(['simulate.mjs'])
  t.is(sim.code, 0, sim.stderr)
  t.deepEqual(sim.stdout.trim().split('\n'), ['200 RATE', '200 SUCCESS', 'completion webhook: 200', 'alert webhook: 200'])
  await server.waitFor(/latency alert ACTIVATED: p90 8000 ms \(threshold 7000 ms\)/)
  t.regex(server.output(), /^rating 5 from 16505551234 \(customer unknown\)$/m)
})
