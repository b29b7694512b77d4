// The messages webhook over real HTTP: GET verification on every adapter, X-Hub-Signature-256 over the raw bytes
// (forged → 403, rotation), the envelope walk into typed events (completion, the flows field's events as Meta
// documents them, generic messages and changes), and at-least-once dispatch: 500 when a handler fails, each message
// dispatched once even when delivered twice or to two instances sharing a store.
import test from 'ava'
import { createFlowClient, createFlowSessions, createMemoryStore, createWebhook } from '../dist/index.js'
import { captureLogger, listenExpress, listenFastify, listenHono, listenNode, makeKeys, signature } from './helpers/endpoint.mjs'

const SECRET = 'webhook-app-secret'
const VERIFY = 'my-verify-token'
const keys = makeKeys()

/** Posts `body` (object or text) to a webhook's URL, signed with `secret` unless `sig` is given. */
async function post(url, body, { secret = SECRET, sig } = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  const headers = { 'content-type': 'application/json' }
  if (sig !== null) headers['x-hub-signature-256'] = sig ?? signature(secret, text)
  const res = await fetch(url, { method: 'POST', headers, body: text })
  return { status: res.status, text: await res.text() }
}

// Composed from Meta's webhook overview, the flows webhook reference and pywa's fixture (see /work/notes).
const completionBody = () => ({
  object: 'whatsapp_business_account',
  entry: [
    {
      id: '102290129340398',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
            contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }],
            messages: [
              {
                context: { from: '15550783881', id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3RjQ0QkQ2QUY4MDc0QkZDMkUA' },
                from: '16505551234',
                id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
                timestamp: '1749416383',
                type: 'interactive',
                interactive: {
                  type: 'nfm_reply',
                  nfm_reply: {
                    name: 'flow',
                    body: 'Sent',
                    response_json:
                      '{"flow_token":"ft_7f3c2a","first_name":"Sheena","rating":"4","photo":[{"file_name":"IMG_5237.jpg","mime_type":"image/jpeg","sha256":"PqHgadp8cJ/N6mvAYGNMxhs9Ra5hbZFcctCtCClXsMU=","id":"3631120727156756"}]}',
                  },
                },
              },
            ],
          },
        },
      ],
    },
  ],
})

// Meta's `flows` samples with their JSON errors fixed.
const flowsSamples = [
  {
    id: '644600416743275',
    time: 1684969340,
    value: {
      event: 'FLOW_STATUS_CHANGE',
      message: 'Flow Webhook 3 changed status from DRAFT to PUBLISHED',
      flow_id: '6627390910605886',
      old_status: 'DRAFT',
      new_status: 'PUBLISHED',
    },
  },
  {
    id: '106181168862417',
    time: 1674160476,
    value: {
      event: 'CLIENT_ERROR_RATE',
      message: 'The flow client request error rate has reached the 5% threshold in the last 60 minutes.',
      flow_id: '691244242662581',
      error_rate: 14.28,
      threshold: 10,
      alert_state: 'ACTIVATED',
      errors: [
        { error_type: 'INVALID_SCREEN_TRANSITION', error_rate: 66.66, error_count: 2 },
        { error_type: 'PUBLIC_KEY_MISSING', error_rate: 33.33, error_count: 1 },
      ],
    },
  },
  {
    id: '106181168862417',
    time: 1674160477,
    value: {
      event: 'ENDPOINT_ERROR_RATE',
      message: 'The flow endpoint error rate has reached the 10% threshold in the last 30 minutes.',
      flow_id: '691244242662581',
      error_rate: 12.5,
      threshold: 10,
      alert_state: 'ACTIVATED',
      errors: [{ error_type: 'TIMEOUT', error_rate: 100, error_count: 3 }],
    },
  },
  {
    id: '106181168862417',
    time: 1674160476,
    value: {
      event: 'ENDPOINT_LATENCY',
      message: 'Flow endpoint latency has reached the p90 threshold in the last 30 minutes.',
      flow_id: '691244242662581',
      p90_latency: 8000,
      p50_latency: 500,
      requests_count: 34,
      threshold: 7000,
      alert_state: 'ACTIVATED',
    },
  },
  {
    id: '106181168862417',
    time: 1674160476,
    value: {
      event: 'ENDPOINT_AVAILABILITY',
      message: 'The flow endpoint availability has breached the 90% threshold in the last 10 minutes.',
      flow_id: '12345678',
      alert_state: 'ACTIVATED',
      availability: 75,
      threshold: 90,
    },
  },
  {
    id: '644600416743275',
    time: 1684969340,
    value: {
      event: 'FLOW_VERSION_EXPIRY_WARNING',
      warning: "Your current Flow version will freeze in 21 days. You won't be able to send the Flow after it expires.",
      flow_id: '6627390910605886',
    },
  },
]
const flowsBody = ({ id, time, value }) => ({
  entry: [{ id, time, changes: [{ field: 'flows', value }] }],
  object: 'whatsapp_business_account',
})

const adapters = { node: listenNode, express: listenExpress, fastify: listenFastify, hono: listenHono }

for (const [name, listen] of Object.entries(adapters)) {
  test(`${name}: GET verification echoes hub.challenge as text for the right token, 403 otherwise`, async (t) => {
    const webhook = createWebhook({ appSecret: SECRET, verifyToken: VERIFY, logger: false })
    const server = await listen(webhook)
    t.teardown(server.close)
    const get = (q) =>
      fetch(`${server.url}?${q}`).then(async (r) => ({ status: r.status, type: r.headers.get('content-type'), text: await r.text() }))
    const ok = await get(`hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${VERIFY}`)
    t.deepEqual(ok, { status: 200, type: 'text/plain; charset=utf-8', text: '1158201444' })
    t.is((await get(`hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=wrong`)).status, 403)
    t.is((await get(`hub.mode=unsubscribe&hub.challenge=1158201444&hub.verify_token=${VERIFY}`)).status, 403)
    t.is((await get(`hub.mode=subscribe&hub.verify_token=${VERIFY}`)).status, 403)
    t.is((await get('')).status, 403)
  })

  test(`${name}: a signed completion is dispatched and acknowledged 200; a forged one is refused with 403`, async (t) => {
    const webhook = createWebhook({ appSecret: SECRET, logger: false })
    const seen = []
    webhook.on('flow.completion', (e) => seen.push(e.flowToken))
    const server = await listen(webhook)
    t.teardown(server.close)
    t.deepEqual(await post(server.url, completionBody()), { status: 200, text: 'OK' })
    t.is((await post(server.url, completionBody(), { secret: 'attacker' })).status, 403)
    t.is((await post(server.url, completionBody(), { sig: null })).status, 403)
    t.deepEqual(seen, ['ft_7f3c2a'])
  })
}

test('the completion event carries what Meta sent, parsed, with the session and the media ids', async (t) => {
  const sessions = createFlowSessions()
  await sessions.set('ft_7f3c2a', { booking: 'B-1' })
  const webhook = createWebhook({ appSecret: SECRET, sessions, logger: false })
  let event
  webhook.on('flow.completion', (e) => {
    event = e
  })
  const r = await webhook.handle({
    body: JSON.stringify(completionBody()),
    headers: { 'x-hub-signature-256': signature(SECRET, JSON.stringify(completionBody())) },
  })
  t.is(r.status, 200)
  const { message, ...rest } = event
  t.deepEqual(rest, {
    flowToken: 'ft_7f3c2a',
    response: {
      flow_token: 'ft_7f3c2a',
      first_name: 'Sheena',
      rating: '4',
      photo: [
        {
          file_name: 'IMG_5237.jpg',
          mime_type: 'image/jpeg',
          sha256: 'PqHgadp8cJ/N6mvAYGNMxhs9Ra5hbZFcctCtCClXsMU=',
          id: '3631120727156756',
        },
      ],
    },
    messageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
    contextMessageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3RjQ0QkQ2QUY4MDc0QkZDMkUA',
    from: '16505551234',
    phoneNumberId: '106540352242922',
    displayPhoneNumber: '15550783881',
    timestamp: 1749416383,
    name: 'flow',
    body: 'Sent',
    contact: { name: 'Sheena Nelson', waId: '16505551234' },
    session: { booking: 'B-1' },
    media: [
      {
        file_name: 'IMG_5237.jpg',
        mime_type: 'image/jpeg',
        sha256: 'PqHgadp8cJ/N6mvAYGNMxhs9Ra5hbZFcctCtCClXsMU=',
        id: '3631120727156756',
      },
    ],
    wabaId: '102290129340398',
  })
  t.is(message.id, rest.messageId)
  t.is(await sessions.get('ft_7f3c2a'), undefined, 'the completion ended the session')
})

test('a completion without flow_token is linked through context.id to the token of the sent message', async (t) => {
  const sessions = createFlowSessions()
  await sessions.set('tok-ios', { step: 3 })
  await sessions.linkMessage('wamid.SENT', 'tok-ios')
  const webhook = createWebhook({ appSecret: SECRET, sessions, logger: false })
  const events = []
  webhook.on('flow.completion', (e) => events.push([e.flowToken, e.session, e.response]))
  const client = createFlowClient({
    endpoint: { handle: async () => ({ status: 500, headers: {}, body: '' }) },
    publicKey: keys.publicPem,
    appSecret: SECRET,
    flowToken: 'tok-ios',
    webhook,
  })
  const r = await client.complete({ rating: 5 }, { contextMessageId: 'wamid.SENT', omitFlowToken: true })
  t.is(r.status, 200)
  t.deepEqual(events, [['tok-ios', { step: 3 }, { rating: 5 }]])
  // Without a link the token stays empty and nothing breaks.
  const other = await client.complete({ rating: 1 }, { contextMessageId: 'wamid.UNKNOWN', omitFlowToken: true })
  t.is(other.status, 200)
  t.deepEqual(events[1], ['', undefined, { rating: 1 }])
})

test('flows field events are typed as Meta documents them; the specific and the catch-all handlers both run', async (t) => {
  const webhook = createWebhook({ appSecret: SECRET, logger: false })
  const specific = []
  const all = []
  for (const name of [
    'FLOW_STATUS_CHANGE',
    'CLIENT_ERROR_RATE',
    'ENDPOINT_ERROR_RATE',
    'ENDPOINT_LATENCY',
    'ENDPOINT_AVAILABILITY',
    'FLOW_VERSION_EXPIRY_WARNING',
  ]) {
    webhook.on(name, (e) => specific.push([name, e]))
  }
  webhook.on('flows', (e) => all.push(e.event))
  const server = await listenNode(webhook)
  t.teardown(server.close)
  for (const sample of flowsSamples) t.is((await post(server.url, flowsBody(sample))).status, 200)
  t.deepEqual(
    specific.map(([n]) => n),
    flowsSamples.map((s) => s.value.event),
  )
  for (const [i, [name, e]] of specific.entries()) {
    t.deepEqual(e, { ...flowsSamples[i].value, waba_id: flowsSamples[i].id, time: flowsSamples[i].time }, name)
  }
  const latency = specific.find(([n]) => n === 'ENDPOINT_LATENCY')[1]
  t.is(latency.alert_state, 'ACTIVATED')
  t.is(latency.p90_latency, 8000)
  t.is(latency.threshold, 7000)
  t.deepEqual(
    all,
    flowsSamples.map((s) => s.value.event),
  )
  // An event kind this package does not know reaches 'flows' only.
  t.is((await post(server.url, flowsBody({ id: '1', time: 2, value: { event: 'SOMETHING_NEW', flow_id: '9' } }))).status, 200)
  t.is(all.at(-1), 'SOMETHING_NEW')
  t.is(specific.length, flowsSamples.length)
})

test('other messages reach the generic message event, statuses and other fields the change event', async (t) => {
  const webhook = createWebhook({ appSecret: SECRET, logger: false })
  const got = []
  webhook.on('message', (e) => got.push(['message', e.type, e.messageId, e.from, e.contact?.name, e.timestamp]))
  webhook.on('change', (e) => got.push(['change', e.field, e.wabaId]))
  webhook.on('flow.completion', () => got.push(['completion']))
  const value = {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
    contacts: [{ profile: { name: 'Kerry' }, wa_id: '16505550000' }],
    messages: [
      { from: '16505550000', id: 'wamid.TEXT', timestamp: '1700000000', type: 'text', text: { body: 'hello' } },
      // A completion whose response_json is not JSON is not lost: it arrives as a message.
      {
        from: '16505550000',
        id: 'wamid.BROKEN',
        timestamp: '1700000001',
        type: 'interactive',
        interactive: { type: 'nfm_reply', nfm_reply: { response_json: '{oops' } },
      },
    ],
  }
  const statuses = {
    messaging_product: 'whatsapp',
    metadata: value.metadata,
    statuses: [{ id: 'wamid.S', status: 'delivered', timestamp: '1700000002', recipient_id: '16505550000' }],
  }
  const body = {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'W1',
        changes: [
          { field: 'messages', value },
          { field: 'messages', value: statuses },
          { field: 'account_update', value: { event: 'X' } },
        ],
      },
    ],
  }
  const r = await webhook.handle({
    body: JSON.stringify(body),
    headers: { 'x-hub-signature-256': signature(SECRET, JSON.stringify(body)) },
  })
  t.is(r.status, 200)
  t.deepEqual(got, [
    ['message', 'text', 'wamid.TEXT', '16505550000', 'Kerry', 1700000000],
    ['message', 'interactive', 'wamid.BROKEN', '16505550000', 'Kerry', 1700000001],
    ['change', 'messages', 'W1'],
    ['change', 'account_update', 'W1'],
  ])
})

test('a redelivered message is acknowledged without a second dispatch', async (t) => {
  const webhook = createWebhook({ appSecret: SECRET, logger: false })
  let n = 0
  webhook.on('flow.completion', () => n++)
  webhook.on('flows', () => n++)
  const server = await listenNode(webhook)
  t.teardown(server.close)
  for (let i = 0; i < 3; i++) t.is((await post(server.url, completionBody())).status, 200)
  for (let i = 0; i < 2; i++) t.is((await post(server.url, flowsBody(flowsSamples[3]))).status, 200)
  t.is(n, 2)
})

test('a throwing handler answers 500 and keeps the session; the redelivery dispatches again and then ends it', async (t) => {
  const sessions = createFlowSessions()
  await sessions.set('ft_7f3c2a', { n: 1 })
  const log = captureLogger()
  const webhook = createWebhook({ appSecret: SECRET, sessions, logger: log.logger })
  let attempts = 0
  webhook.on('flow.completion', async (e) => {
    attempts++
    if (attempts === 1) throw new Error(`database down for ${e.flowToken}`)
  })
  const server = await listenNode(webhook)
  t.teardown(server.close)
  const first = await post(server.url, completionBody())
  t.is(first.status, 500)
  t.is(first.text, 'Internal Server Error')
  t.deepEqual(await sessions.get('ft_7f3c2a'), { n: 1 })
  t.is((await post(server.url, completionBody())).status, 200)
  t.is(attempts, 2)
  t.is(await sessions.get('ft_7f3c2a'), undefined)
  t.false(log.text().includes('ft_7f3c2a') || log.text().includes('database down'), 'neither tokens nor handler messages are logged')
})

test('a handler that misses the deadline answers 500 (Meta redelivers)', async (t) => {
  const webhook = createWebhook({ appSecret: SECRET, timeoutMs: 100, leaseMs: 200, logger: false })
  webhook.on('flow.completion', () => new Promise(() => {}))
  const r = await webhook.handle({
    body: JSON.stringify(completionBody()),
    headers: { 'x-hub-signature-256': signature(SECRET, JSON.stringify(completionBody())) },
  })
  t.is(r.status, 500)
})

test('two instances sharing a store, the same message delivered to both at once: dispatched once, both 200', async (t) => {
  const store = createMemoryStore()
  const calls = []
  const make = (name) =>
    createWebhook({ appSecret: SECRET, store, logger: false }).on('flow.completion', async () => {
      calls.push(name)
      await new Promise((r) => setTimeout(r, 300))
    })
  const [a, b] = await Promise.all([listenNode(make('a')), listenNode(make('b'))])
  t.teardown(a.close)
  t.teardown(b.close)
  const results = await Promise.all([post(a.url, completionBody()), post(b.url, completionBody())])
  t.deepEqual(
    results.map((r) => r.status),
    [200, 200],
  )
  t.is(calls.length, 1)
})

test('secret rotation: either secret verifies; body, method and size errors', async (t) => {
  const webhook = createWebhook({ appSecret: ['old-secret', 'new-secret'], maxBodyBytes: 10_000, logger: false })
  const server = await listenNode(webhook)
  t.teardown(server.close)
  t.is((await post(server.url, completionBody(), { secret: 'old-secret' })).status, 200)
  t.is((await post(server.url, completionBody(), { secret: 'new-secret' })).status, 200)
  t.is((await post(server.url, completionBody(), { sig: `sha256=${'0'.repeat(64)}` })).status, 403)
  t.is((await post(server.url, '{not json', { secret: 'new-secret' })).status, 400)
  t.is((await post(server.url, JSON.stringify({ pad: 'x'.repeat(20_000) }), { secret: 'new-secret' })).status, 413)
  const put = await fetch(server.url, { method: 'PUT', body: '{}' })
  t.is(put.status, 405)
  t.is(put.headers.get('allow'), 'GET, POST')
})

test('createWebhook refuses a missing app secret, unknown events and handlers that are not functions', (t) => {
  t.throws(() => createWebhook({}), { instanceOf: TypeError, message: /appSecret is required/ })
  t.throws(() => createWebhook({ appSecret: SECRET, verifyToken: '' }), { instanceOf: TypeError })
  t.throws(() => createWebhook({ appSecret: SECRET, timeoutMs: 1000, leaseMs: 500 }), { instanceOf: RangeError })
  const webhook = createWebhook({ appSecret: SECRET, logger: false })
  t.throws(() => webhook.on('completion', () => {}), { instanceOf: TypeError, message: /unknown webhook event/ })
  t.throws(() => webhook.on('flow.completion', 'nope'), { instanceOf: TypeError })
  t.is(
    webhook.on('message', () => {}),
    webhook,
  )
})
