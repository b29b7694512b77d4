// Against a real Redis: the Redis store's atomic operations (claims under concurrency), its failures, and two
// `wa-flows serve` instances on one Redis: sessions shared, a completion delivered to both dispatched once, an
// instance restarted with its state intact, and `wa-flows send-flow --sessions` creating what the instances read.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { completionNotification, createFlowClient, createFlowSessions, createRedisStore, FlowStoreError } from '../dist/index.js'
import { cleanEnv, cliPath, lines, runCli, startProcess, tempDir } from './helpers/cli.mjs'
import { mockGraph, sentAnswer } from './helpers/graph-mock.mjs'
import { redisTest, redisUrl, uniquePrefix } from './helpers/redis.mjs'

const SECRET = 'redis-test-app-secret'
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

redisTest('Redis store: values with TTL, delete, and claim / finish / release as the memory store does them', async (t) => {
  const store = createRedisStore({ url: await redisUrl(), prefix: uniquePrefix() })
  t.teardown(() => store.close())
  await store.set('a', 'one', 300)
  t.is(await store.get('a'), 'one')
  await sleep(400)
  t.is(await store.get('a'), undefined)
  await store.set('b', 'two', 60_000)
  await store.delete('b')
  t.is(await store.get('b'), undefined)
  t.is(await store.claim('m', 'A', 60_000), 'claimed')
  t.is(await store.claim('m', 'B', 60_000), 'busy')
  await store.finish('m', 'B', 60_000)
  t.is(await store.claim('m', 'B', 60_000), 'busy', "another owner's finish leaves the claim alone")
  await store.release('m', 'A')
  t.is(await store.claim('m', 'B', 60_000), 'claimed')
  await store.finish('m', 'B', 60_000)
  t.is(await store.claim('m', 'A', 60_000), 'done')
  t.is(await store.claim('lease', 'A', 200), 'claimed')
  await sleep(300)
  t.is(await store.claim('lease', 'B', 200), 'claimed', 'an expired lease is free again')
})

redisTest('Redis store: 50 owners on 5 connections claim one key at once, exactly one gets it', async (t) => {
  const url = await redisUrl()
  const prefix = uniquePrefix()
  const stores = Array.from({ length: 5 }, () => createRedisStore({ url, prefix }))
  t.teardown(() => Promise.all(stores.map((s) => s.close())))
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => stores[i % 5].claim('hot', `owner-${i}`, 60_000)))
  t.is(results.filter((r) => r === 'claimed').length, 1)
  t.is(results.filter((r) => r === 'busy').length, 49)
})

redisTest('Redis store failures are FlowStoreErrors, quick, and never show the password', async (t) => {
  const store = createRedisStore({ url: 'redis://:sup3r-s3cret-pass@127.0.0.1:1', connectTimeoutMs: 1000 })
  const started = Date.now()
  const e = await t.throwsAsync(store.get('x'), { instanceOf: FlowStoreError })
  t.true(Date.now() - started < 10_000, 'fails instead of waiting for Redis forever')
  t.is(e.code, 'ERR_FLOW_STORE_FAILED')
  t.false(e.message.includes('sup3r-s3cret-pass'))
  await store.close()
  t.throws(() => createRedisStore({ url: 'http://x' }), { instanceOf: TypeError })
  t.throws(() => createRedisStore({}), { instanceOf: TypeError })
})

const HANDLER = `// Two instances run this module: sessions and completions go through the shared Redis.
import { appendFileSync } from 'node:fs'
export default (endpoint, webhook) => {
  endpoint.on('INIT', async (request, ctx) => {
    await ctx.session.set({ startedBy: process.pid })
    return { screen: 'DETAILS', data: {} }
  })
  endpoint.on('data_exchange', 'DETAILS', async (request, ctx) => {
    const session = await ctx.session.get()
    await ctx.session.set({ ...session, name: request.data.name })
    return { screen: 'SUCCESS', data: { extension_message_response: { params: { flow_token: ctx.flowToken, startedBy: session?.startedBy ?? null, finishedBy: process.pid } } } }
  })
  webhook.on('flow.completion', async (event) => {
    await new Promise((r) => setTimeout(r, 300))
    appendFileSync(process.env.DISPATCH_LOG, JSON.stringify({ pid: process.pid, token: event.flowToken, session: event.session, response: event.response }) + '\\n')
  })
}
`

async function setup(t) {
  const dir = tempDir(t)
  const kg = await runCli(['keygen', '--out', dir])
  t.is(kg.code, 0, kg.stderr)
  writeFileSync(join(dir, 'flow.mjs'), HANDLER)
  const env = cleanEnv({ WA_FLOWS_APP_SECRET: SECRET, WA_FLOWS_VERIFY_TOKEN: 'verify-me', DISPATCH_LOG: join(dir, 'dispatched.jsonl') })
  writeFileSync(env.DISPATCH_LOG, '')
  return {
    dir,
    env,
    publicKey: readFileSync(join(dir, 'public.pem'), 'utf8'),
    dispatched: () => lines(readFileSync(env.DISPATCH_LOG, 'utf8')).map((l) => JSON.parse(l)),
  }
}

async function instance(t, s, url) {
  const proc = startProcess(
    t,
    [
      cliPath,
      'serve',
      '--handler',
      join(s.dir, 'flow.mjs'),
      '--key',
      join(s.dir, 'private.pem'),
      '--port',
      '0',
      '--path',
      '/flow',
      '--sessions',
      url,
    ],
    { env: s.env },
  )
  const [, endpointUrl] = await proc.ready
  return { proc, endpointUrl, webhookUrl: endpointUrl.replace(/\/flow$/, '/webhook') }
}

redisTest(
  'two serve instances on one Redis: sessions shared, a restart keeps them, a completion delivered to both dispatched once',
  async (t) => {
    const url = await redisUrl()
    const s = await setup(t)
    const a = await instance(t, s, url)
    const b = await instance(t, s, url)
    const flowToken = `tok-${Date.now()}-${Math.random().toString(36).slice(2)}`
    const clientFor = (inst) =>
      createFlowClient({
        url: inst.endpointUrl,
        publicKey: s.publicKey,
        appSecret: SECRET,
        flowToken,
        version: '4.0',
        webhook: inst.webhookUrl,
      })

    // INIT on A; A stops (SIGTERM); a new A' starts; the data_exchange on A' finds what A stored.
    t.is((await clientFor(a).init()).status, 200)
    a.proc.child.kill('SIGTERM')
    t.is((await a.proc.exited).code, 0)
    const a2 = await instance(t, s, url)
    const next = await clientFor(a2).dataExchange('DETAILS', { name: 'Ada' })
    t.is(next.status, 200)
    const params = next.response.data.extension_message_response.params
    t.is(params.startedBy, a.proc.child.pid, 'the session written by the stopped instance survived')
    t.is(params.finishedBy, a2.proc.child.pid)

    // The webhook verification works on every instance.
    const verify = await fetch(`${b.webhookUrl}?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=42`)
    t.deepEqual([verify.status, await verify.text()], [200, '42'])

    // The same completion (one message id) reaches A' and B at once: both acknowledge, one dispatches.
    const { body } = completionNotification({ flow_token: flowToken, ...params })
    const [r1, r2] = await Promise.all([clientFor(a2).deliverWebhook(body), clientFor(b).deliverWebhook(body)])
    t.deepEqual([r1.status, r2.status], [200, 200])
    t.is(s.dispatched().length, 1)
    t.deepEqual(s.dispatched()[0].session, { startedBy: a.proc.child.pid, name: 'Ada' })
    t.is(s.dispatched()[0].token, flowToken)

    // A redelivery later is acknowledged without dispatch, and the completion ended the session.
    t.is((await clientFor(b).deliverWebhook(body)).status, 200)
    t.is(s.dispatched().length, 1)
    const sessions = createFlowSessions({ store: createRedisStore({ url }) })
    t.teardown(() => sessions.close())
    t.is(await sessions.get(flowToken), undefined)
  },
)

redisTest('send-flow --sessions creates the session and the message link that the serve instances use', async (t) => {
  const url = await redisUrl()
  const s = await setup(t)
  const graph = await mockGraph(t, () => sentAnswer(`wamid.CLI${Date.now()}`))
  const sent = await runCli(
    [
      'send-flow',
      '--phone-number-id',
      '106540352242922',
      '--to',
      '16505551234',
      '--flow-id',
      '1',
      '--cta',
      'Book',
      '--body',
      'Hi',
      '--graph-url',
      graph.url,
      '--sessions',
      url,
      '--session',
      '{"plan":"gold"}',
    ],
    { env: cleanEnv({ WA_FLOWS_ACCESS_TOKEN: 'EAAtoken-for-the-test' }) },
  )
  t.is(sent.code, 0, sent.stderr)
  const [, messageId] = sent.stdout.match(/^Sent flow message (\S+) to 16505551234$/m)
  const [, flowToken] = sent.stdout.match(/^flow_token: (ft_\S+)$/m)
  const sessions = createFlowSessions({ store: createRedisStore({ url }) })
  t.teardown(() => sessions.close())
  t.deepEqual(await sessions.get(flowToken), { plan: 'gold' })
  t.is(await sessions.tokenForMessage(messageId), flowToken)

  // An iOS-style completion without flow_token, answering that message, reaches the handler with the token.
  const b = await instance(t, s, url)
  const client = createFlowClient({ url: b.endpointUrl, publicKey: s.publicKey, appSecret: SECRET, flowToken, webhook: b.webhookUrl })
  const r = await client.complete({ rating: 5 }, { contextMessageId: messageId, omitFlowToken: true })
  t.is(r.status, 200)
  t.deepEqual(
    s.dispatched().map((d) => [d.token, d.session, d.response]),
    [[flowToken, { plan: 'gold' }, { rating: 5 }]],
  )
})

redisTest('serve refuses a --sessions Redis it cannot reach: exit 1, one line', async (t) => {
  const s = await setup(t)
  const r = await runCli(
    [
      'serve',
      '--handler',
      join(s.dir, 'flow.mjs'),
      '--key',
      join(s.dir, 'private.pem'),
      '--port',
      '0',
      '--sessions',
      'redis://127.0.0.1:1',
    ],
    { env: s.env },
  )
  t.is(r.code, 1)
  t.is(lines(r.stderr).filter((l) => l.startsWith('wa-flows:')).length, 1)
  t.regex(r.stderr, /cannot use --sessions: the Redis store failed/)
})
