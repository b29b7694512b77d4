// The Graph client against a local mock Graph API: flow messages and FLOW-button templates as Meta documents them,
// retries with backoff (429, 5xx, throttling codes), errors with Graph's code/subcode/fbtrace_id and no token, the
// session made when sending, and Media API downloads verified by SHA-256.
import { createHash } from 'node:crypto'
import test from 'ava'
import { completionMedia, createFlowSessions, createGraphClient, GraphApiError, MediaIntegrityError } from '../dist/index.js'
import { mockGraph, sentAnswer } from './helpers/graph-mock.mjs'

const TOKEN = 'EAAGm0PX4ZCpsBAxxTESTTOKENxx0123456789abcdef'
const PHONE = '106540352242922'

function client(graph, extra = {}) {
  return createGraphClient({ accessToken: TOKEN, baseUrl: graph.url, phoneNumberId: PHONE, retryDelayMs: 5, ...extra })
}

test('sendFlow posts the interactive flow message Meta documents and returns the message id and a generated token', async (t) => {
  const graph = await mockGraph(t, () => sentAnswer('wamid.SENT1'))
  const sent = await client(graph).sendFlow({
    to: '16505551234',
    flowId: '123456',
    flowCta: 'Book!',
    header: 'Flow message header',
    body: 'Flow message body',
    footer: 'Flow message footer',
    screen: 'APPOINTMENT',
    data: { product_name: 'name' },
    mode: 'draft',
  })
  t.is(sent.messageId, 'wamid.SENT1')
  t.is(sent.waId, '16505551234')
  t.regex(sent.flowToken, /^ft_[A-Za-z0-9_-]{22}$/)
  const [req] = graph.requests
  t.is(req.method, 'POST')
  t.is(req.path, `/v21.0/${PHONE}/messages`)
  t.is(req.headers.authorization, `Bearer ${TOKEN}`)
  t.is(req.headers['content-type'], 'application/json')
  t.deepEqual(req.json, {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: '16505551234',
    type: 'interactive',
    interactive: {
      type: 'flow',
      header: { type: 'text', text: 'Flow message header' },
      body: { text: 'Flow message body' },
      footer: { text: 'Flow message footer' },
      action: {
        name: 'flow',
        parameters: {
          flow_message_version: '3',
          flow_token: sent.flowToken,
          flow_id: '123456',
          flow_cta: 'Book!',
          flow_action: 'navigate',
          flow_action_payload: { screen: 'APPOINTMENT', data: { product_name: 'name' } },
          mode: 'draft',
        },
      },
    },
  })
  // Two sends, two different generated tokens.
  const again = await client(graph).sendFlow({ to: '1', flowId: '1', flowCta: 'Go', body: 'b' })
  t.not(again.flowToken, sent.flowToken)
})

test('sendFlow: flow_name, data_exchange (no payload), the given token, another API version and sender', async (t) => {
  const graph = await mockGraph(t, () => sentAnswer())
  const wa = client(graph, { apiVersion: 'v23.0' })
  const sent = await wa.sendFlow({
    phoneNumberId: '42',
    to: '1555',
    flowName: 'booking',
    flowCta: 'Open',
    body: 'Hi',
    flowAction: 'data_exchange',
    flowToken: 'tok-7',
  })
  t.is(sent.flowToken, 'tok-7')
  t.is(graph.requests[0].path, '/v23.0/42/messages')
  t.deepEqual(graph.requests[0].json.interactive.action.parameters, {
    flow_message_version: '3',
    flow_token: 'tok-7',
    flow_name: 'booking',
    flow_cta: 'Open',
    flow_action: 'data_exchange',
  })
  t.is(graph.requests[0].json.interactive.header, undefined)
})

test('sendFlow refuses contradictory or missing options before sending anything', async (t) => {
  const graph = await mockGraph(t, () => sentAnswer())
  const wa = client(graph)
  const base = { to: '1', flowCta: 'Go', body: 'b' }
  for (const bad of [
    { ...base },
    { ...base, flowId: '1', flowName: 'x' },
    { ...base, flowId: '1', flowAction: 'data_exchange', screen: 'A' },
    { ...base, flowId: '1', data: {} },
    { ...base, flowId: '1', mode: 'live' },
    { ...base, flowId: '1', flowCta: '' },
    { ...base, flowId: '1', body: undefined },
    { ...base, flowId: '1', phoneNumberId: 'abc' },
  ]) {
    await t.throwsAsync(wa.sendFlow(bad), { instanceOf: TypeError }, JSON.stringify(bad))
  }
  t.throws(() => createGraphClient({ accessToken: '' }), { instanceOf: TypeError })
  t.throws(() => createGraphClient({ accessToken: TOKEN, apiVersion: '21' }), { instanceOf: TypeError })
  await t.throwsAsync(createGraphClient({ accessToken: TOKEN, baseUrl: graph.url }).sendFlow({ ...base, flowId: '1' }), {
    message: /phoneNumberId is required/,
  })
  t.is(graph.requests.length, 0)
})

test('sendFlowTemplate sends the template with a FLOW button carrying the token and flow_action_data', async (t) => {
  const graph = await mockGraph(t, () => sentAnswer('wamid.TPL'))
  const header = { type: 'header', parameters: [{ type: 'text', text: 'Ada' }] }
  const sent = await client(graph).sendFlowTemplate({
    to: '16505551234',
    template: 'book_visit',
    language: 'en_US',
    flowToken: 'FLOW_TOKEN',
    flowActionData: { product_name: 'name' },
    components: [header],
  })
  t.is(sent.messageId, 'wamid.TPL')
  t.deepEqual(graph.requests[0].json, {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: '16505551234',
    type: 'template',
    template: {
      name: 'book_visit',
      language: { code: 'en_US' },
      components: [
        header,
        {
          type: 'button',
          sub_type: 'flow',
          index: '0',
          parameters: [{ type: 'action', action: { flow_token: 'FLOW_TOKEN', flow_action_data: { product_name: 'name' } } }],
        },
      ],
    },
  })
})

test('429 and 5xx are retried with backoff; Retry-After is honoured; then the answer is returned', async (t) => {
  const graph = await mockGraph(t, (_req, n) => {
    if (n === 1) return { status: 429, headers: { 'retry-after': '1' }, json: { error: { message: 'slow down', code: 4 } } }
    if (n === 2) return { status: 503, json: { error: { message: 'unavailable', code: 2 } } }
    return sentAnswer('wamid.AFTER')
  })
  const started = Date.now()
  const sent = await client(graph).sendFlow({ to: '1', flowId: '1', flowCta: 'Go', body: 'b' })
  t.is(sent.messageId, 'wamid.AFTER')
  t.is(graph.requests.length, 3)
  t.true(Date.now() - started >= 950, 'waited for Retry-After: 1')
  // Every attempt carried the same body (same token).
  t.is(new Set(graph.requests.map((r) => r.body)).size, 1)
})

test('a throttling code is retried even with HTTP 400; retries give up with the last error', async (t) => {
  const graph = await mockGraph(t, () => ({
    status: 400,
    json: {
      error: {
        message: '(#130429) Rate limit hit',
        type: 'OAuthException',
        code: 130429,
        error_subcode: 2494055,
        fbtrace_id: 'Az8or2yhqkZfEZ-_4Qn_Bam',
      },
    },
  }))
  const e = await t.throwsAsync(client(graph, { retries: 2 }).sendFlow({ to: '1', flowId: '1', flowCta: 'Go', body: 'b' }), {
    instanceOf: GraphApiError,
  })
  t.is(graph.requests.length, 3)
  t.is(e.code, 'ERR_GRAPH_API')
  t.is(e.httpStatus, 400)
  t.is(e.graphCode, 130429)
  t.is(e.graphSubcode, 2494055)
  t.is(e.fbtraceId, 'Az8or2yhqkZfEZ-_4Qn_Bam')
  t.is(e.graphType, 'OAuthException')
  t.is(e.message, 'Graph API error (HTTP 400, code 130429): (#130429) Rate limit hit (fbtrace_id Az8or2yhqkZfEZ-_4Qn_Bam)')
})

test('a flow that is blocked (132068) is not retried; the token echoed in an error is never in the message', async (t) => {
  const graph = await mockGraph(t, () => ({
    status: 400,
    json: {
      error: {
        message: `Flow is blocked (token ${TOKEN})`,
        code: 132068,
        error_data: { details: `for ${TOKEN.slice(4, 30)}` },
        fbtrace_id: 'T1',
      },
    },
  }))
  const e = await t.throwsAsync(client(graph).sendFlow({ to: '1', flowId: '1', flowCta: 'Go', body: 'b' }), { instanceOf: GraphApiError })
  t.is(graph.requests.length, 1)
  t.is(e.graphCode, 132068)
  t.regex(e.message, /Flow is blocked \(token \*\*\*\)/)
  t.false(e.message.includes(TOKEN.slice(4, 30)) || e.details.includes(TOKEN.slice(4, 30)))
  t.false(JSON.stringify(e).includes(TOKEN))
})

test('network errors: a POST is not retried (the message may have left), a GET is', async (t) => {
  const graph = await mockGraph(t, () => ({ destroy: true }))
  const wa = client(graph)
  const post = await t.throwsAsync(wa.sendFlow({ to: '1', flowId: '1', flowCta: 'Go', body: 'b' }), { instanceOf: GraphApiError })
  t.is(post.code, 'ERR_GRAPH_UNREACHABLE')
  t.is(graph.requests.length, 1)
  const get = await t.throwsAsync(wa.getMedia('1234'), { instanceOf: GraphApiError })
  t.is(get.code, 'ERR_GRAPH_UNREACHABLE')
  t.is(graph.requests.length, 1 + 4)
})

test('sending with sessions creates the session first, links the message id, and removes the session when sending fails', async (t) => {
  let fail = false
  const graph = await mockGraph(t, () =>
    fail ? { status: 400, json: { error: { message: 'bad', code: 100 } } } : sentAnswer('wamid.LINKED'),
  )
  const sessions = createFlowSessions()
  const sent = await client(graph).sendFlow({
    to: '1',
    flowId: '1',
    flowCta: 'Go',
    body: 'b',
    sessions,
    session: { step: 'sent', cart: [1, 2] },
  })
  t.deepEqual(await sessions.get(sent.flowToken), { step: 'sent', cart: [1, 2] })
  t.is(await sessions.tokenForMessage('wamid.LINKED'), sent.flowToken)

  fail = true
  await t.throwsAsync(
    client(graph).sendFlow({ to: '1', flowId: '1', flowCta: 'Go', body: 'b', flowToken: 'doomed', sessions, session: {} }),
    { instanceOf: GraphApiError },
  )
  t.is(await sessions.get('doomed'), undefined)
  await t.throwsAsync(client(graph).sendFlow({ to: '1', flowId: '1', flowCta: 'Go', body: 'b', session: {} }), {
    message: /session needs sessions/,
  })
})

const sha256 = (bytes, enc) => createHash('sha256').update(bytes).digest(enc)

test('completion media: found in response_json, downloaded with the token through the Media API, SHA-256 verified', async (t) => {
  const file = Buffer.from('a JPEG, as far as this test is concerned')
  const graph = await mockGraph(t, (req) => {
    if (req.path === '/v21.0/3631120727156756') {
      return {
        json: {
          messaging_product: 'whatsapp',
          url: graph.mediaUrl('3631120727156756'),
          mime_type: 'image/jpeg',
          sha256: sha256(file, 'hex'),
          file_size: String(file.length),
          id: '3631120727156756',
        },
      }
    }
    if (req.path === '/download/3631120727156756')
      return req.headers.authorization === `Bearer ${TOKEN}` ? { body: file } : { status: 401, json: {} }
    return undefined
  })
  const response = {
    flow_token: 'ft',
    photo: [{ file_name: 'IMG_5237.jpg', mime_type: 'image/jpeg', sha256: sha256(file, 'base64'), id: '3631120727156756' }],
  }
  const items = completionMedia(response)
  t.deepEqual(items, response.photo)
  const got = await client(graph).downloadMedia(items[0], { phoneNumberId: PHONE })
  t.deepEqual(Buffer.from(got.bytes), file)
  t.is(got.mimeType, 'image/jpeg')
  t.is(got.fileName, 'IMG_5237.jpg')
  t.is(graph.requests[0].url, `/v21.0/3631120727156756?phone_number_id=${PHONE}`)

  // A file that does not match the item's hash is refused; so is one larger than maxBytes.
  const wrong = { ...items[0], sha256: sha256(Buffer.from('other'), 'base64') }
  await t.throwsAsync(client(graph).downloadMedia(wrong), { instanceOf: MediaIntegrityError, code: 'ERR_MEDIA_PLAINTEXT_HASH_MISMATCH' })
  await t.throwsAsync(client(graph).downloadMedia('3631120727156756', { maxBytes: 8 }), { instanceOf: GraphApiError, message: /maxBytes/ })
  t.deepEqual(Buffer.from((await client(graph).downloadMedia('3631120727156756')).bytes), file, 'the Media API hash alone also verifies')
})
