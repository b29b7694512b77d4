// Flow sessions: the in-memory store (TTL, bound, claims), typed JSON sessions, and ctx.session / requireSession on
// the endpoint over real HTTP.
import test from 'ava'
import { createFlowClient, createFlowEndpoint, createFlowSessions, createMemoryStore, FlowTokenError } from '../dist/index.js'
import { listenNode, makeKeys } from './helpers/endpoint.mjs'

const keys = makeKeys()
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// Timing tests run serially (RSA work of the other tests would stall the event loop) with TTLs well above a stall.
test.serial('memory store: values expire after their TTL, delete removes them, set replaces value and TTL', async (t) => {
  const store = createMemoryStore()
  await store.set('a', 'one', 300)
  await store.set('b', 'two', 10_000)
  t.is(await store.get('a'), 'one')
  await sleep(400)
  t.is(await store.get('a'), undefined)
  t.is(await store.get('b'), 'two')
  await store.set('b', 'three', 10_000)
  t.is(await store.get('b'), 'three')
  await store.delete('b')
  t.is(await store.get('b'), undefined)
  await t.throwsAsync(store.set('c', 'x', 0), { instanceOf: TypeError })
  await t.throwsAsync(store.set('c', { not: 'a string' }, 10), { instanceOf: TypeError })
})

test('memory store: bounded; the least recently written keys go first', async (t) => {
  const store = createMemoryStore({ maxEntries: 100 })
  for (let i = 0; i < 1000; i++) await store.set(`k${i}`, String(i), 60_000)
  let kept = 0
  for (let i = 0; i < 1000; i++) if ((await store.get(`k${i}`)) !== undefined) kept++
  t.is(kept, 100)
  t.is(await store.get('k999'), '999')
  t.is(await store.get('k0'), undefined)
  t.throws(() => createMemoryStore({ maxEntries: 0 }), { instanceOf: TypeError })
})

test.serial('memory store claims: one owner at a time, done is remembered, release frees, an expired lease is free again', async (t) => {
  const store = createMemoryStore()
  t.is(await store.claim('m1', 'A', 5000), 'claimed')
  t.is(await store.claim('m1', 'B', 5000), 'busy')
  t.is(await store.claim('m1', 'A', 5000), 'busy', 'a live claim is busy for its owner too')
  await store.finish('m1', 'B', 5000) // not B's claim: left alone
  t.is(await store.claim('m1', 'B', 5000), 'busy')
  await store.finish('m1', 'A', 5000)
  t.is(await store.claim('m1', 'B', 5000), 'done')
  t.is(await store.claim('m2', 'A', 1000), 'claimed')
  await store.release('m2', 'B')
  t.is(await store.claim('m2', 'B', 1000), 'busy')
  await store.release('m2', 'A')
  t.is(await store.claim('m2', 'B', 1000), 'claimed')
  t.is(await store.claim('m3', 'A', 200), 'claimed')
  await sleep(300)
  t.is(await store.claim('m3', 'B', 200), 'claimed', 'the lease ran out')
})

test.serial('sessions: JSON values per flow token, TTL, handles, message links; bad values and stores refused', async (t) => {
  const sessions = createFlowSessions({ ttlMs: 60_000 })
  await sessions.set('tok', { cart: ['a'], n: 1, at: new Date(0) })
  t.deepEqual(await sessions.get('tok'), { cart: ['a'], n: 1, at: '1970-01-01T00:00:00.000Z' })
  const s = sessions.session('tok')
  t.is(s.flowToken, 'tok')
  await s.set({ cart: [] })
  t.deepEqual(await s.get(), { cart: [] })
  await s.delete()
  t.is(await sessions.get('tok'), undefined)
  await sessions.set('short', 1, 200)
  await sleep(300)
  t.is(await sessions.get('short'), undefined)
  await sessions.linkMessage('wamid.X', 'tok')
  t.is(await sessions.tokenForMessage('wamid.X'), 'tok')
  t.is(await sessions.tokenForMessage('wamid.Y'), undefined)

  await t.throwsAsync(sessions.set('tok', undefined), { instanceOf: TypeError })
  await t.throwsAsync(sessions.set('tok', { n: 1n }), { instanceOf: TypeError })
  await t.throwsAsync(sessions.set('', 1), { instanceOf: FlowTokenError })
  t.is(await sessions.get(''), undefined)
  t.is(await sessions.get('x'.repeat(2000)), undefined)
  t.throws(() => createFlowSessions({ store: {} }), { instanceOf: TypeError })
  t.throws(() => createFlowSessions({ ttlMs: -1 }), { instanceOf: TypeError })
})

test('ctx.session over HTTP: INIT creates it, data_exchange reads and updates it, the completion ends it in the handler', async (t) => {
  const sessions = createFlowSessions()
  const endpoint = createFlowEndpoint({ privateKey: keys.privatePem, sessions, logger: false })
  t.is(endpoint.sessions, sessions)
  endpoint
    .on('INIT', async (_req, ctx) => {
      await ctx.session.set({ visits: 1 })
      return { screen: 'A', data: {} }
    })
    .on('data_exchange', 'A', async (_req, ctx) => {
      const s = await ctx.session.get()
      await ctx.session.set({ visits: s.visits + 1 })
      return { screen: 'B', data: { visits: s.visits + 1 } }
    })
    .on('data_exchange', 'B', async (_req, ctx) => {
      await ctx.session.delete()
      return { screen: 'SUCCESS', data: { extension_message_response: { params: { flow_token: ctx.flowToken } } } }
    })
  const server = await listenNode(endpoint)
  t.teardown(server.close)
  const client = createFlowClient({ url: server.url, publicKey: keys.publicPem })
  t.is((await client.init()).status, 200)
  t.deepEqual(await sessions.get(client.flowToken), { visits: 1 })
  t.deepEqual((await client.dataExchange('A', {})).response, { screen: 'B', data: { visits: 2 } })
  t.is((await client.dataExchange('B', {})).status, 200)
  t.is(await sessions.get(client.flowToken), undefined)
})

test('the endpoint keeps sessions in memory by default; a request without flow token gets a session that cannot be written', async (t) => {
  const endpoint = createFlowEndpoint({ privateKey: keys.privatePem, logger: false })
  endpoint.on('INIT', async (_req, ctx) => {
    await ctx.session.set('x')
    return { screen: 'A', data: {} }
  })
  const client = createFlowClient({ endpoint, publicKey: keys.publicPem })
  t.is((await client.init()).status, 200)
  t.is(await endpoint.sessions.get(client.flowToken), 'x')
  const noToken = await client.send({ version: '3.0', action: 'INIT', screen: '', data: {} })
  t.is(noToken.status, 427, 'setting a session without a token is a flow token error')
})

test('requireSession: 427 with the message for tokens without a live session; ping and live sessions are served', async (t) => {
  const sessions = createFlowSessions()
  const endpoint = createFlowEndpoint({
    privateKey: keys.privatePem,
    sessions,
    requireSession: 'This booking link has expired',
    logger: false,
  })
  let calls = 0
  endpoint.on('INIT', () => {
    calls++
    return { screen: 'A', data: {} }
  })
  const server = await listenNode(endpoint)
  t.teardown(server.close)
  const client = createFlowClient({ url: server.url, publicKey: keys.publicPem })
  t.is((await client.ping()).status, 200)
  const refused = await client.init()
  t.is(refused.status, 427)
  t.deepEqual(refused.response, { error_msg: 'This booking link has expired' })
  t.is(calls, 0)
  await sessions.set(client.flowToken, {})
  t.is((await client.init()).status, 200)
  t.is(calls, 1)

  const byDefault = createFlowEndpoint({ privateKey: keys.privatePem, requireSession: true, logger: false }).on('INIT', () => ({
    screen: 'A',
    data: {},
  }))
  const r = await createFlowClient({ endpoint: byDefault, publicKey: keys.publicPem }).init()
  t.is(r.status, 427)
  t.regex(r.response.error_msg, /expired/)
  t.throws(() => createFlowEndpoint({ privateKey: keys.privatePem, requireSession: '' }), { instanceOf: TypeError })
  t.throws(() => createFlowEndpoint({ privateKey: keys.privatePem, sessions: {} }), { instanceOf: TypeError })
})
