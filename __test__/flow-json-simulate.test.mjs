// simulateFlow and `wa-flows simulate --flow` over real HTTP on 127.0.0.1: the booking example (and `npm start`)
// follow examples/booking-flow.json on every edge; broken endpoints are reported per edge and exit 1; formValues
// reach every branch; `wa-flows validate` (pointers, exit codes, --json, --emit-ts kept up to date).
import test from 'ava'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createFlowEndpoint, simulateFlow } from '../dist/index.js'
import bookingFlow from '../examples/booking-flow.mjs'
import { cleanEnv, root, runCli, startProcess, tempDir } from './helpers/cli.mjs'
import { listenNode, makeKeys } from './helpers/endpoint.mjs'

const keys = makeKeys()
const APP_SECRET = 'simulate-app-secret'
const bookingPath = join(root, 'examples/booking-flow.json')
const booking = JSON.parse(readFileSync(bookingPath, 'utf8'))

/** A node:http server on 127.0.0.1 for an endpoint (no Flow JSON check: it sends what its handlers return). */
async function serve(t, register, options = {}) {
  const endpoint = createFlowEndpoint({ privateKey: keys.privatePem, appSecret: APP_SECRET, logger: false, ...options })
  register(endpoint)
  const server = await listenNode(endpoint)
  t.teardown(server.close)
  return server.url
}

const edgeResults = (report) => report.edges.map((e) => `${e.from}>${e.to}:${e.result}`)

test('the booking example follows its Flow JSON on every edge (HTTP, signed requests)', async (t) => {
  const url = await serve(t, bookingFlow, { flow: booking })
  const report = await simulateFlow({ flow: booking, url, publicKey: keys.publicPem, appSecret: APP_SECRET })
  t.true(report.ok, JSON.stringify(report, null, 1))
  t.deepEqual(edgeResults(report), ['INIT>APPOINTMENT:ok', 'APPOINTMENT>DETAILS:ok', 'DETAILS>SUMMARY:ok', 'SUMMARY>SUCCESS:ok'])
  t.deepEqual(
    report.steps.map((s) => `${s.request} ${s.screen ?? ''}→${s.response?.screen}`),
    [
      'INIT →APPOINTMENT',
      'BACK APPOINTMENT→APPOINTMENT',
      'data_exchange APPOINTMENT→APPOINTMENT',
      'data_exchange APPOINTMENT→DETAILS',
      'data_exchange DETAILS→SUMMARY',
      'data_exchange SUMMARY→SUCCESS',
    ],
  )
  // The payloads are filled like the client fills them: form examples, and the data the endpoint sent.
  const details = report.steps[4].payload
  t.like(details, { name: 'Example', email: 'user@example.com', phone: '+15550100', more_details: 'Example text' })
  t.is(details.date, report.steps[3].payload.date)
  t.is(report.steps[2].payload.trigger, 'date_selected')
})

test('an endpoint that drops a field: the edge is a mismatch naming screen and field, and later edges are not reached', async (t) => {
  const url = await serve(t, (endpoint) => {
    bookingFlow(endpoint)
    endpoint.on('data_exchange', 'DETAILS', (request) => {
      const { department, location, date, time, name, email, phone } = request.data
      return { screen: 'SUMMARY', data: { department, location, date, time, name, email, phone, more_details: '', appointment: 'x' } }
    })
  })
  const report = await simulateFlow({ flow: booking, url, publicKey: keys.publicPem, appSecret: APP_SECRET })
  t.false(report.ok)
  const edge = report.edges.find((e) => e.from === 'DETAILS')
  t.like(edge, { to: 'SUMMARY', result: 'mismatch', problems: ["screen SUMMARY: missing field 'details'"] })
  // SUMMARY then starts from its __example__ data, whose date the endpoint no longer offers: it answers with an error.
  t.like(
    report.edges.find((e) => e.from === 'SUMMARY'),
    { to: 'SUCCESS', result: 'not-reached' },
  )
  t.regex(report.steps.at(-1).response.error_message, /no longer available/)
})

test('an endpoint that answers a backward route: the step says so, the forward edge is not reached', async (t) => {
  const url = await serve(t, (endpoint) => {
    bookingFlow(endpoint)
    endpoint.on('data_exchange', 'DETAILS', () => ({
      screen: 'APPOINTMENT',
      data: { departments: [], locations: [], dates: [], times: [] },
    }))
  })
  const report = await simulateFlow({ flow: booking, url, publicKey: keys.publicPem, appSecret: APP_SECRET })
  t.false(report.ok)
  const step = report.steps.find((s) => s.screen === 'DETAILS')
  t.deepEqual(step.problems, ["screen DETAILS: next screen 'APPOINTMENT' is not allowed (routing_model.DETAILS does not list it)"])
  t.like(
    report.edges.find((e) => e.from === 'DETAILS'),
    { to: 'SUMMARY', result: 'not-reached' },
  )
})

test('HTTP errors and a missing INIT handler are reported, not thrown', async (t) => {
  const url = await serve(t, (endpoint) => {
    endpoint.on('data_exchange', () => {
      throw new Error('down')
    })
  })
  const report = await simulateFlow({ flow: booking, url, publicKey: keys.publicPem, appSecret: APP_SECRET })
  t.false(report.ok)
  t.deepEqual(report.steps[0], { request: 'INIT', payload: {}, status: 501, problems: ['HTTP 501: Not Implemented'] })
  t.like(report.edges[0], { from: 'INIT', result: 'mismatch' })
  t.true(report.steps.filter((s) => s.request === 'data_exchange').every((s) => s.status === 500))
})

/** A flow whose first screen branches by a radio choice (endpoint), and whose B screen navigates on the client. */
const branching = {
  version: '7.3',
  data_api_version: '3.0',
  routing_model: { CHOOSE: ['B', 'C'], B: ['B_END'], C: [], B_END: [] },
  screens: [
    {
      id: 'CHOOSE',
      layout: {
        type: 'SingleColumnLayout',
        children: [
          {
            type: 'RadioButtonsGroup',
            name: 'choice',
            label: 'Go to',
            required: true,
            'data-source': [
              { id: 'b', title: 'B' },
              { id: 'c', title: 'C' },
            ],
          },
          { type: 'Footer', label: 'Next', 'on-click-action': { name: 'data_exchange', payload: { choice: '${form.choice}' } } },
        ],
      },
    },
    {
      id: 'B',
      data: { label: { type: 'string', __example__: 'example label' } },
      layout: {
        type: 'SingleColumnLayout',
        children: [
          { type: 'TextBody', text: '${data.label}' },
          {
            type: 'Footer',
            label: 'On',
            'on-click-action': { name: 'navigate', next: { type: 'screen', name: 'B_END' }, payload: { carried: '${data.label}' } },
          },
        ],
      },
    },
    {
      id: 'B_END',
      terminal: true,
      data: { carried: { type: 'string', __example__: 'x' } },
      layout: {
        type: 'SingleColumnLayout',
        children: [
          { type: 'Footer', label: 'Done', 'on-click-action': { name: 'data_exchange', payload: { carried: '${data.carried}' } } },
        ],
      },
    },
    {
      id: 'C',
      terminal: true,
      layout: {
        type: 'SingleColumnLayout',
        children: [{ type: 'Footer', label: 'Done', 'on-click-action': { name: 'data_exchange', payload: {} } }],
      },
    },
  ],
}

function branchingEndpoint(endpoint) {
  endpoint.on('INIT', () => ({ screen: 'CHOOSE', data: {} }))
  endpoint.on('data_exchange', 'CHOOSE', (r) =>
    r.data.choice === 'c' ? { screen: 'C', data: {} } : { screen: 'B', data: { label: 'from the endpoint' } },
  )
  endpoint.on('data_exchange', 'B_END', (r, ctx) => ({
    screen: 'SUCCESS',
    data: { extension_message_response: { params: { flow_token: ctx.flowToken, carried: r.data.carried } } },
  }))
  endpoint.on('data_exchange', 'C', (_r, ctx) => ({
    screen: 'SUCCESS',
    data: { extension_message_response: { params: { flow_token: ctx.flowToken } } },
  }))
}

test('formValues reach every branch; navigate edges are the client’s and carry their payload onward', async (t) => {
  const url = await serve(t, branchingEndpoint, { flow: branching })
  const base = { flow: branching, url, publicKey: keys.publicPem, appSecret: APP_SECRET }

  const first = await simulateFlow(base)
  t.false(first.ok)
  t.deepEqual(edgeResults(first), [
    'INIT>CHOOSE:ok',
    'CHOOSE>B:ok',
    'CHOOSE>C:not-reached',
    'B>B_END:client',
    'B_END>SUCCESS:ok',
    'C>SUCCESS:ok',
  ])
  t.regex(first.edges[2].problems[0], /no data_exchange from CHOOSE was answered with C; give formValues/)
  // B_END got its data from B's navigate payload, which B filled from the data the endpoint sent.
  t.deepEqual(first.steps.find((s) => s.screen === 'B_END').payload, { carried: 'from the endpoint' })

  const all = await simulateFlow({ ...base, formValues: { CHOOSE: [{ choice: 'b' }, { choice: 'c' }] } })
  t.true(all.ok, JSON.stringify(all.edges))
  t.deepEqual(
    all.steps.filter((s) => s.screen === 'CHOOSE').map((s) => s.payload.choice),
    ['b', 'c'],
  )
})

test('simulateFlow refuses a Flow JSON with errors, and bad options', async (t) => {
  const bad = structuredClone(booking)
  bad.screens[2].id = 'DETAILS'
  await t.throwsAsync(() => simulateFlow({ flow: bad, url: 'http://127.0.0.1:9/', publicKey: keys.publicPem }), {
    code: 'ERR_FLOW_JSON_INVALID',
  })
  await t.throwsAsync(() => simulateFlow({ flow: 'booking.json', url: 'http://127.0.0.1:9/', publicKey: keys.publicPem }), {
    instanceOf: TypeError,
  })
  await t.throwsAsync(() => simulateFlow({ flow: booking }), { instanceOf: TypeError })
})

// ---- the CLI

async function keyFiles(t) {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'public.pem'), keys.publicPem)
  return dir
}

test('wa-flows simulate --flow: 0 and one line per request and edge for the booking example, 1 for a broken endpoint', async (t) => {
  const dir = await keyFiles(t)
  const env = cleanEnv({ WA_FLOWS_APP_SECRET: APP_SECRET })
  const good = await serve(t, bookingFlow, { flow: booking })
  const ok = await runCli(['simulate', '--url', good, '--public-key', join(dir, 'public.pem'), '--flow', bookingPath], { env })
  t.is(ok.code, 0, ok.stdout + ok.stderr)
  t.regex(ok.stdout, /^INIT: HTTP 200 → APPOINTMENT$/m)
  t.regex(ok.stdout, /^data_exchange DETAILS \(\/screens\/1\/layout\/children\/5\/on-click-action\): HTTP 200 → SUMMARY$/m)
  t.regex(ok.stdout, /^ {2}ok {10}SUMMARY → SUCCESS$/m)
  t.regex(ok.stdout, /^4 of 4 endpoint edges match /m)

  const broken = await serve(t, (endpoint) => {
    bookingFlow(endpoint)
    endpoint.on('data_exchange', 'APPOINTMENT', () => ({ screen: 'DETAILS', data: { department: 'dental' } }))
  })
  const bad = await runCli(['simulate', '--url', broken, '--public-key', join(dir, 'public.pem'), '--flow', bookingPath], { env })
  t.is(bad.code, 1)
  t.regex(bad.stdout, /^ {2}mismatch {4}APPOINTMENT → DETAILS: screen DETAILS: missing field 'location'$/m)
  t.regex(bad.stderr, /the endpoint does not follow/)
})

test('wa-flows simulate --form-values drives the branches; --flow with --screen is a usage error', async (t) => {
  const dir = await keyFiles(t)
  const env = cleanEnv({ WA_FLOWS_APP_SECRET: APP_SECRET })
  const url = await serve(t, branchingEndpoint, { flow: branching })
  writeFileSync(join(dir, 'flow.json'), JSON.stringify(branching))
  writeFileSync(join(dir, 'values.json'), JSON.stringify({ CHOOSE: [{ choice: 'b' }, { choice: 'c' }] }))
  const args = ['simulate', '--url', url, '--public-key', join(dir, 'public.pem'), '--flow', join(dir, 'flow.json')]
  const partial = await runCli(args, { env })
  t.is(partial.code, 1)
  t.regex(partial.stdout, /not-reached CHOOSE → C/)
  const full = await runCli([...args, '--form-values', join(dir, 'values.json')], { env })
  t.is(full.code, 0, full.stdout)
  t.regex(full.stdout, /client {6}B → B_END \(navigate/)
  const usage = await runCli([...args, '--screen', 'CHOOSE'], { env })
  t.is(usage.code, 2)
  t.regex(usage.stderr, /--flow walks the whole flow/)
})

test('npm start serves the booking flow so that `wa-flows simulate --flow examples/booking-flow.json` passes', async (t) => {
  const devKeys = join(tempDir(t), 'dev-keys')
  const app = startProcess(t, [join(root, 'examples/start.mjs')], {
    env: cleanEnv({ WA_FLOWS_DEV_KEYS: devKeys, PORT: '0' }),
    ready: /listening on (http:\/\/\S+)[\s\S]*--screen APPOINTMENT/,
  })
  const [, url] = await app.ready
  t.true(app.output().includes(`--flow examples/booking-flow.json`))
  const r = await runCli(['simulate', '--url', url, '--public-key', join(devKeys, 'public.pem'), '--flow', 'examples/booking-flow.json'])
  t.is(r.code, 0, r.stdout + r.stderr)
  t.regex(r.stdout, /4 of 4 endpoint edges match/)
  app.child.kill('SIGTERM')
  t.is((await app.exited).code, 0)
})

test('wa-flows validate: 0 for the booking flow, 1 with pointer lines for a broken one, --json, 2 without files', async (t) => {
  const ok = await runCli(['validate', bookingPath])
  t.is(ok.code, 0)
  t.is(ok.stdout, `${bookingPath}: valid (0 errors, 0 warnings)\n`)

  const dir = tempDir(t)
  const bad = structuredClone(booking)
  bad.screens[2].id = 'success'
  bad.version = '5.0'
  writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad))
  writeFileSync(join(dir, 'text.json'), '{"version": "7.3",')
  const r = await runCli(['validate', bookingPath, join(dir, 'bad.json'), join(dir, 'text.json')])
  t.is(r.code, 1)
  t.regex(r.stdout, new RegExp(`^${join(dir, 'bad.json')}:/screens/2/id: error reserved-screen-id: "success" is reserved`, 'm'))
  t.regex(r.stdout, new RegExp(`^${join(dir, 'bad.json')}:/version: warning version-not-publishable: `, 'm'))
  t.regex(r.stdout, new RegExp(`^${join(dir, 'text.json')}:/: error json-syntax: not JSON`, 'm'))

  const json = await runCli(['validate', '--json', join(dir, 'bad.json')])
  t.is(json.code, 1)
  const report = JSON.parse(json.stdout)[join(dir, 'bad.json')]
  t.false(report.valid)
  t.true(
    report.findings.some(
      (f) => f.rule === 'reserved-screen-id' && f.pointer === '/screens/2/id' && f.meta === 'SCREEN_ID_IS_RESERVED_KEYWORD',
    ),
  )

  t.is((await runCli(['validate'])).code, 2)
  t.is((await runCli(['validate', join(dir, 'missing.json')])).code, 1)
  t.is((await runCli(['validate', bookingPath, bookingPath, '--emit-ts', join(dir, 'x.ts')])).code, 2)
})

test('wa-flows validate --emit-ts writes the typed constant; examples/booking-flow.flow.ts is up to date', async (t) => {
  const dir = tempDir(t)
  const out = join(dir, 'flow.ts')
  const again = await runCli(['validate', 'examples/booking-flow.json', '--emit-ts', out])
  t.is(again.code, 0)
  const committed = readFileSync(join(root, 'examples/booking-flow.flow.ts'), 'utf8')
  t.is(readFileSync(out, 'utf8').replace(out, 'examples/booking-flow.flow.ts'), committed)
  t.true(committed.includes('const flow = {') && committed.includes('} as const\n\nexport default flow\n'))
  t.deepEqual(
    JSON.parse(committed.slice(committed.indexOf('const flow = ') + 'const flow = '.length, committed.lastIndexOf('} as const') + 1)),
    booking,
  )
})
