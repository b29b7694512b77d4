// docs/lifecycle.md, run: every fenced block there is named (```lang name=file) and used here. The shell blocks run
// through the real CLI, the JS blocks run as written (the handler module under `wa-flows serve`, the sender and the
// simulator as scripts), the TS blocks are type-checked, the Flow JSON is parsed. Graph calls go to a local mock
// (a preload rewrites https://graph.facebook.com to it and refuses any other non-local URL); Redis is a real one.
import test from 'ava'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createFlowSessions, createRedisStore } from '../dist/index.js'
import { cleanEnv } from './helpers/cli.mjs'
import { mockGraph, sentAnswer } from './helpers/graph-mock.mjs'
import { redisTest, redisUrl } from './helpers/redis.mjs'
import { namedBlocks, nodeArgs, readBlocks, run, runShellBlock, snippetDir, typecheck } from './helpers/snippets.mjs'

const PAGE = 'docs/lifecycle.md'
const blocks = readBlocks(PAGE)
const byName = namedBlocks(PAGE)
const USED = ['setup.sh', 'flow.json', 'flow.mjs', 'serve.sh', 'wiring.ts', 'send.mjs', 'simulate.mjs', 'typed.ts']

test('every block of docs/lifecycle.md is named and used by this test', (t) => {
  t.deepEqual(blocks.map((b) => b.name).sort(), [...USED].sort())
  t.deepEqual(
    blocks.filter((b) => b.illustration),
    [],
    'nothing on this page is exempt',
  )
})

test('the Flow JSON parses and asks for data API 4.0 on Flow JSON 7.3, with a data_exchange to the endpoint', (t) => {
  const flow = JSON.parse(byName['flow.json'].code)
  t.is(flow.version, '7.3')
  t.is(flow.data_api_version, '4.0')
  t.deepEqual(
    Object.keys(flow.routing_model),
    flow.screens.map((s) => s.id),
  )
  t.regex(JSON.stringify(flow), /"name":"data_exchange"/)
})

test('the TypeScript blocks type-check against the package types (strict)', (t) => {
  const r = typecheck(snippetDir(t), { 'wiring.ts': byName['wiring.ts'].code, 'typed.ts': byName['typed.ts'].code })
  t.is(r.status, 0, r.output)
})

redisTest('the lifecycle as documented: keys, upload, serve, send with a session, simulate to the completion and an alert', async (t) => {
  const dir = snippetDir(t)
  const url = await redisUrl()
  const graph = await mockGraph(t, (req) => {
    if (req.path.endsWith('/whatsapp_business_encryption'))
      return req.method === 'POST'
        ? { json: { success: true } }
        : {
            json: {
              data: [
                { business_public_key: readFileSync(join(dir, 'keys/public.pem'), 'utf8'), business_public_key_signature_status: 'VALID' },
              ],
            },
          }
    if (req.path.endsWith('/messages')) return sentAnswer('wamid.DOCS')
    return undefined
  })
  const secrets = { WA_FLOWS_ACCESS_TOKEN: 'EAAG-docs-token', WA_FLOWS_APP_SECRET: 'docs-app-secret', WA_FLOWS_VERIFY_TOKEN: 'docs-verify' }
  const env = cleanEnv({ GRAPH_MOCK: graph.url, REDIS_URL: url })

  // 1. Keys: keygen, upload-key, key-status (comparing with keys/public.pem) exactly as written.
  const setup = await runShellBlock(t, byName['setup.sh'].code, { dir, env, secrets })
  for (const r of setup.results) t.is(r.code, 0, `${r.step.cli.join(' ')}: ${r.stderr}`)
  t.regex(setup.results.at(-1).stdout, /^match: the registered public key is keys\/public\.pem$/m)
  t.deepEqual(
    graph.requests.map((r) => `${r.method} ${r.path}`),
    ['POST /v21.0/106540352242922/whatsapp_business_encryption', 'GET /v21.0/106540352242922/whatsapp_business_encryption'],
  )

  // 3. The module, served as written (a free port instead of 3000, the test's Redis).
  writeFileSync(join(dir, 'flow.mjs'), byName['flow.mjs'].code)
  const serve = await runShellBlock(t, byName['serve.sh'].code, { dir, env, secrets, substitutions: [['redis://127.0.0.1:6379', url]] })
  const [server] = serve.servers
  const origin = new URL((await server.ready)[1]).origin
  const node = (args) => run(process.execPath, [...nodeArgs(dir), ...args], { cwd: dir, env: { ...env, ...secrets } })

  // 4. Sending: the flow message leaves with a token, and its session is in Redis.
  writeFileSync(join(dir, 'send.mjs'), byName['send.mjs'].code)
  const sent = await node(['send.mjs'])
  t.is(sent.code, 0, sent.stderr)
  const [, flowToken] = sent.stdout.match(/^sent wamid\.DOCS with flow_token (ft_\S+)$/m)
  const message = graph.requests.at(-1).json
  t.is(graph.requests.at(-1).headers.authorization, 'Bearer EAAG-docs-token', 'the token from WA_FLOWS_ACCESS_TOKEN')
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
