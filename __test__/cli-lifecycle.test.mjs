// The lifecycle from the command line: `wa-flows send-flow` against a local mock Graph API, and `wa-flows serve`
// serving the messages webhook beside the endpoint (verification, signed completions, sessions, --require-session).
import test from 'ava'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createFlowClient } from '../dist/index.js'
import { cleanEnv, cliPath, lines, runCli, startProcess, tempDir } from './helpers/cli.mjs'
import { mockGraph, sentAnswer } from './helpers/graph-mock.mjs'

const TOKEN = 'EAAGm0PX4ZCpsBAcliTOKEN0123456789'
const SECRET = 'cli-lifecycle-secret'
const PHONE = '106540352242922'

test('send-flow sends the flow message, prints the message id and the generated token', async (t) => {
  const graph = await mockGraph(t, () => sentAnswer('wamid.CLI1'))
  const r = await runCli(
    [
      'send-flow',
      '--phone-number-id',
      PHONE,
      '--to',
      '16505551234',
      '--flow-id',
      '123456',
      '--cta',
      'Book!',
      '--body',
      'Pick a slot',
      '--header',
      'Clinic',
      '--footer',
      'Reply STOP to opt out',
      '--screen',
      'APPOINTMENT',
      '--data',
      '{"department":"dental"}',
      '--mode',
      'draft',
      '--graph-url',
      graph.url,
    ],
    { env: cleanEnv({ WA_FLOWS_ACCESS_TOKEN: TOKEN }) },
  )
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /^Sent flow message wamid\.CLI1 to 16505551234$/m)
  const [, token] = r.stdout.match(/^flow_token: (ft_[A-Za-z0-9_-]{22})$/m)
  const [req] = graph.requests
  t.is(req.path, `/v21.0/${PHONE}/messages`)
  t.is(req.headers.authorization, `Bearer ${TOKEN}`)
  t.deepEqual(req.json.interactive.action.parameters, {
    flow_message_version: '3',
    flow_token: token,
    flow_id: '123456',
    flow_cta: 'Book!',
    flow_action: 'navigate',
    flow_action_payload: { screen: 'APPOINTMENT', data: { department: 'dental' } },
    mode: 'draft',
  })
  t.deepEqual(req.json.interactive.header, { type: 'text', text: 'Clinic' })
  t.false(r.stdout.includes(TOKEN) || r.stderr.includes(TOKEN))
})

test('send-flow --template sends the FLOW-button template with the given token', async (t) => {
  const graph = await mockGraph(t, () => sentAnswer('wamid.TPL'))
  const r = await runCli(
    [
      'send-flow',
      '--phone-number-id',
      PHONE,
      '--to',
      '1555',
      '--template',
      'book_visit',
      '--language',
      'en_US',
      '--flow-token',
      'my-token',
      '--data',
      '{"a":1}',
      '--graph-url',
      graph.url,
      '--api-version',
      'v23.0',
    ],
    { env: cleanEnv({ WA_FLOWS_ACCESS_TOKEN: TOKEN }) },
  )
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /^Sent template book_visit wamid\.TPL to 1555$/m)
  t.regex(r.stdout, /^flow_token: my-token$/m)
  t.is(graph.requests[0].path, `/v23.0/${PHONE}/messages`)
  t.deepEqual(graph.requests[0].json.template.components, [
    {
      type: 'button',
      sub_type: 'flow',
      index: '0',
      parameters: [{ type: 'action', action: { flow_token: 'my-token', flow_action_data: { a: 1 } } }],
    },
  ])
})

test('send-flow: bad command lines exit 2 before anything is sent; Graph errors exit 1 with code and fbtrace_id, never the token', async (t) => {
  const graph = await mockGraph(t, () => ({
    status: 400,
    json: { error: { message: `Flow is blocked for ${TOKEN}`, code: 132068, fbtrace_id: 'AbC' } },
  }))
  const env = cleanEnv({ WA_FLOWS_ACCESS_TOKEN: TOKEN })
  const base = ['send-flow', '--phone-number-id', PHONE, '--to', '1', '--graph-url', graph.url]
  for (const [args, message] of [
    [['--cta', 'x', '--body', 'y'], /give exactly one of flowId or flowName/],
    [['--flow-id', '1', '--body', 'y'], /missing required option --cta/],
    [['--flow-id', '1', '--cta', 'x', '--body', 'y', '--data', '[1]'], /--data must be a JSON object/],
    [
      ['--flow-id', '1', '--cta', 'x', '--body', 'y', '--action', 'data_exchange', '--screen', 'A'],
      /screen and data go with flowAction navigate/,
    ],
    [['--template', 't', '--language', 'en', '--cta', 'x'], /--cta does not go with --template/],
    [['--flow-id', '1', '--cta', 'x', '--body', 'y', '--session', '{}'], /--session needs --sessions/],
    [['--flow-id', '1', '--cta', 'x', '--body', 'y', '--sessions', 'memory'], /--sessions must be a redis:\/\/ URL/],
  ]) {
    const r = await runCli([...base, ...args], { env })
    t.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    t.regex(r.stderr, message)
  }
  t.is(graph.requests.length, 0)
  const failed = await runCli([...base, '--flow-id', '1', '--cta', 'x', '--body', 'y'], { env })
  t.is(failed.code, 1)
  t.deepEqual(lines(failed.stderr), ['wa-flows: Graph API error (HTTP 400, code 132068): Flow is blocked for *** (fbtrace_id AbC)'])
  const noToken = await runCli([...base, '--flow-id', '1', '--cta', 'x', '--body', 'y'])
  t.is(noToken.code, 1)
  t.regex(noToken.stderr, /WA_FLOWS_ACCESS_TOKEN is not set/)
})

const HANDLER = `// Endpoint and webhook in one module.
import { appendFileSync } from 'node:fs'
export default (endpoint, webhook) => {
  endpoint.on('INIT', async (request, ctx) => {
    await ctx.session.set({ opened: true })
    return { screen: 'RATE', data: {} }
  })
  endpoint.on('data_exchange', 'RATE', async (request, ctx) => ({
    screen: 'SUCCESS',
    data: { extension_message_response: { params: { flow_token: ctx.flowToken, rating: request.data.rating } } },
  }))
  webhook.on('flow.completion', (event) => {
    appendFileSync(process.env.EVENTS, JSON.stringify(['completion', event.flowToken, event.session, event.response]) + '\\n')
  })
  webhook.on('ENDPOINT_LATENCY', (event) => {
    appendFileSync(process.env.EVENTS, JSON.stringify(['latency', event.alert_state, event.p90_latency]) + '\\n')
  })
}
`

async function setup(t) {
  const dir = tempDir(t)
  t.is((await runCli(['keygen', '--out', dir])).code, 0)
  writeFileSync(join(dir, 'flow.mjs'), HANDLER)
  const events = join(dir, 'events.jsonl')
  writeFileSync(events, '')
  return {
    dir,
    publicKey: readFileSync(join(dir, 'public.pem'), 'utf8'),
    events: () => lines(readFileSync(events, 'utf8')).map((l) => JSON.parse(l)),
    env: { EVENTS: events },
  }
}

function serve(t, s, args, env) {
  return startProcess(
    t,
    [cliPath, 'serve', '--handler', join(s.dir, 'flow.mjs'), '--key', join(s.dir, 'private.pem'), '--port', '0', ...args],
    { env: cleanEnv({ ...s.env, ...env }) },
  )
}

test('serve: endpoint and webhook from one module; sessions shared; verification, completion and alerts; a log line each', async (t) => {
  const s = await setup(t)
  const srv = serve(t, s, ['--path', '/flow'], { WA_FLOWS_APP_SECRET: SECRET, WA_FLOWS_VERIFY_TOKEN: 'vt' })
  const [, url] = await srv.ready
  const webhookUrl = url.replace(/\/flow$/, '/webhook')
  const client = createFlowClient({ url, publicKey: s.publicKey, appSecret: SECRET, webhook: webhookUrl })
  t.is((await client.init()).status, 200)
  t.is((await client.dataExchange('RATE', { rating: 4 })).status, 200)
  const verify = await fetch(`${webhookUrl}?hub.mode=subscribe&hub.verify_token=vt&hub.challenge=777`)
  t.deepEqual([verify.status, await verify.text()], [200, '777'])
  t.is((await fetch(`${webhookUrl}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=777`)).status, 403)
  t.is((await client.complete()).status, 200, 'the params of the SUCCESS answer are the response')
  t.is(
    (
      await client.flowsEvent({
        event: 'ENDPOINT_LATENCY',
        flow_id: '1',
        p90_latency: 8000,
        p50_latency: 500,
        requests_count: 34,
        threshold: 7000,
        alert_state: 'ACTIVATED',
      })
    ).status,
    200,
  )
  const forged = await fetch(webhookUrl, { method: 'POST', headers: { 'x-hub-signature-256': `sha256=${'a'.repeat(64)}` }, body: '{}' })
  t.is(forged.status, 403)
  t.deepEqual(s.events(), [
    ['completion', client.flowToken, { opened: true }, { flow_token: client.flowToken, rating: 4 }],
    ['latency', 'ACTIVATED', 8000],
  ])
  await srv.waitFor(/(POST webhook - \d+.*\n[\s\S]*){3}/)
  t.regex(srv.output(), /GET webhook verify 200/)
  t.regex(srv.output(), /POST webhook - 403/)
  t.false(srv.output().includes(client.flowToken))
})

test('serve --webhook-path, --require-session; without WA_FLOWS_APP_SECRET the webhook is not served', async (t) => {
  const s = await setup(t)
  const strict = serve(t, s, ['--webhook-path', '/hooks/wa', '--require-session'], { WA_FLOWS_APP_SECRET: SECRET })
  const [, url] = await strict.ready
  const client = createFlowClient({ url, publicKey: s.publicKey, appSecret: SECRET })
  const refused = await client.dataExchange('RATE', { rating: 1 })
  t.is(refused.status, 427)
  t.regex(refused.response.error_msg, /expired/)
  t.is(
    (await fetch(new URL('/hooks/wa?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1', url))).status,
    403,
    'no verify token configured',
  )
  t.is((await fetch(new URL('/webhook', url))).status, 404)

  const open = serve(t, s, [], {})
  const [, openUrl] = await open.ready
  t.is((await fetch(new URL('/webhook', openUrl), { method: 'POST', body: '{}' })).status, 404)
  await open.waitFor(/Listening/)
  t.regex(open.errors(), /WA_FLOWS_APP_SECRET is not set: the webhook \(\/webhook\) is not served/)

  const same = await runCli(['serve', '--handler', join(s.dir, 'flow.mjs'), '--path', '/x', '--webhook-path', '/x'])
  t.is(same.code, 2)
  t.regex(same.stderr, /--webhook-path and --path must differ/)
})
