// The run-time Flow JSON check of createFlowEndpoint({ flow }): answers that leave the routing model or miss
// declared data are not sent (500, one log line naming screen and field, never a value); 'log' and 'off' modes.
import test from 'ava'
import { readFileSync } from 'node:fs'
import { createFlowClient, createFlowEndpoint, FlowJsonError } from '../dist/index.js'
import { captureLogger, listenNode, makeKeys } from './helpers/endpoint.mjs'

const keys = makeKeys()
const flow = JSON.parse(readFileSync(new URL('../examples/booking-flow.json', import.meta.url), 'utf8'))
const lists = {
  departments: [{ id: 'd', title: 'Dental' }],
  locations: [{ id: 'n', title: 'North' }],
  dates: [{ id: '2026-03-02', title: 'Mon' }],
  times: [{ id: '10:30', title: '10:30' }],
}
const details = { department: 'd', location: 'n', date: '2026-03-02', time: '10:30', appointment: 'Dental at North' }
const summary = { ...details, name: 'Ada', email: 'ada@example.com', phone: '+44 20 7946 0000', more_details: '', details: 'Name: Ada' }

/** An endpoint for `flow` whose handlers answer `answers[action or screen](request, ctx)`, and a client for it. */
function setup(answers, options = {}) {
  const log = captureLogger()
  const endpoint = createFlowEndpoint({ privateKey: keys.privatePem, flow, logger: log.logger, ...options })
  endpoint.on('INIT', (r, ctx) => answers.INIT(r, ctx))
  endpoint.on('BACK', (r, ctx) => answers.BACK(r, ctx))
  endpoint.on('data_exchange', (r, ctx) => answers[r.screen](r, ctx))
  const client = createFlowClient({ endpoint, publicKey: keys.publicPem, flowToken: 'tok' })
  return { endpoint, client, log }
}

const mismatchLine = (log) => log.calls.find((c) => /does not match the Flow JSON/.test(c.args[0]))

test('answers that follow the Flow JSON are sent: entry on INIT, routes, same screen with error_message, BACK, completion', async (t) => {
  const { client, log } = setup({
    INIT: () => ({ screen: 'APPOINTMENT', data: lists }),
    BACK: () => ({ screen: 'APPOINTMENT', data: { ...lists, error_message: 'Start again' } }),
    APPOINTMENT: (r) =>
      r.data.trigger ? { screen: 'APPOINTMENT', data: { ...lists, error_message: 'Pick a time' } } : { screen: 'DETAILS', data: details },
    DETAILS: () => ({ screen: 'SUMMARY', data: summary }),
    SUMMARY: (_r, ctx) => ({
      screen: 'SUCCESS',
      data: { extension_message_response: { params: { flow_token: ctx.flowToken, booking: 'BK-1' } } },
    }),
  })
  t.like((await client.init()).response, { screen: 'APPOINTMENT', data: lists })
  t.like((await client.dataExchange('APPOINTMENT', { trigger: 'date_selected', date: 'x' })).response, {
    screen: 'APPOINTMENT',
    data: { error_message: 'Pick a time' },
  })
  t.like((await client.dataExchange('APPOINTMENT', {})).response, { screen: 'DETAILS', data: details })
  t.like((await client.dataExchange('DETAILS', {})).response, { screen: 'SUMMARY', data: summary })
  t.is((await client.back('APPOINTMENT')).status, 200)
  t.deepEqual((await client.dataExchange('SUMMARY', {})).response.data.extension_message_response.params, {
    flow_token: 'tok',
    booking: 'BK-1',
  })
  t.is(mismatchLine(log), undefined)
})

const MISMATCHES = [
  [
    'a misspelled field',
    'APPOINTMENT',
    () => ({ screen: 'DETAILS', data: { ...details, emial: 'secret-value' } }),
    { next: 'DETAILS', field: 'emial', rule: 'unknown-field', problem: "screen DETAILS: unknown field 'emial'" },
  ],
  [
    'a missing field',
    'DETAILS',
    () => ({ screen: 'SUMMARY', data: { ...summary, details: undefined } }),
    { next: 'SUMMARY', field: 'details', rule: 'missing-field', problem: "screen SUMMARY: missing field 'details'" },
  ],
  [
    'a number for a string',
    'APPOINTMENT',
    () => ({ screen: 'DETAILS', data: { ...details, time: 1030 } }),
    { next: 'DETAILS', field: 'time', rule: 'wrong-type', problem: "screen DETAILS: field 'time' must be a string" },
  ],
  [
    'a nested item of the wrong type',
    'APPOINTMENT',
    () => ({ screen: 'APPOINTMENT', data: { ...lists, times: [{ id: '10:30', title: 1030 }] } }),
    { next: 'APPOINTMENT', field: 'times[0].title', rule: 'wrong-type' },
  ],
  [
    'a nested item missing a property',
    'APPOINTMENT',
    () => ({ screen: 'APPOINTMENT', data: { ...lists, dates: [{ id: 'x' }] } }),
    { next: 'APPOINTMENT', field: 'dates[0].title', rule: 'missing-field' },
  ],
  [
    'null',
    'APPOINTMENT',
    () => ({ screen: 'DETAILS', data: { ...details, time: null } }),
    {
      next: 'DETAILS',
      field: 'time',
      rule: 'wrong-type',
      problem: "screen DETAILS: field 'time' must be a string (Flow JSON has no null)",
    },
  ],
  [
    'a backward route',
    'DETAILS',
    () => ({ screen: 'APPOINTMENT', data: lists }),
    {
      next: 'APPOINTMENT',
      rule: 'screen-not-allowed',
      problem: "screen DETAILS: next screen 'APPOINTMENT' is not allowed (routing_model.DETAILS does not list it)",
    },
  ],
  ['a skipped screen', 'APPOINTMENT', () => ({ screen: 'SUMMARY', data: summary }), { next: 'SUMMARY', rule: 'screen-not-allowed' }],
  [
    'a screen that does not exist',
    'APPOINTMENT',
    () => ({ screen: 'DETAIL', data: details }),
    { next: 'DETAIL', rule: 'unknown-screen', problem: "screen APPOINTMENT: next screen 'DETAIL' is not a screen of the flow" },
  ],
  [
    'error_message as a number',
    'APPOINTMENT',
    () => ({ screen: 'APPOINTMENT', data: { ...lists, error_message: 404 } }),
    { next: 'APPOINTMENT', field: 'error_message', rule: 'wrong-type' },
  ],
  [
    'a completion without flow_token',
    'SUMMARY',
    () => ({ screen: 'SUCCESS', data: { extension_message_response: { params: { booking: 'x' } } } }),
    { next: 'SUCCESS', field: 'flow_token', rule: 'completion' },
  ],
  ['a completion without params', 'SUMMARY', () => ({ screen: 'SUCCESS', data: {} }), { next: 'SUCCESS', rule: 'completion' }],
]

for (const [what, screen, answer, logged] of MISMATCHES) {
  test(`${what} is not sent: 500 and one error line with the screen and the field`, async (t) => {
    const { client, log } = setup({ [screen]: answer })
    const r = await client.dataExchange(screen, { anything: 'secret-input' })
    t.is(r.status, 500)
    const line = mismatchLine(log)
    t.is(line.level, 'error')
    t.is(line.args[0], 'handler returned a response that does not match the Flow JSON; not sent')
    t.like(line.args[1], { action: 'data_exchange', screen, ...logged })
    t.is(typeof line.args[1].problem, 'string')
    // Names only: no value the handler or the request carried.
    t.false(log.text().includes('secret'))
  })
}

test('INIT must open an entry screen; BACK may answer any screen with its data', async (t) => {
  const { client, log } = setup({ INIT: () => ({ screen: 'DETAILS', data: details }), BACK: () => ({ screen: 'DETAILS', data: details }) })
  t.is((await client.init()).status, 500)
  t.like(mismatchLine(log).args[1], {
    action: 'INIT',
    next: 'DETAILS',
    rule: 'screen-not-allowed',
    problem: "INIT: next screen 'DETAILS' is not allowed (INIT opens an entry screen of the routing model)",
  })
  t.is((await client.back('DETAILS')).status, 200)
})

test("flowCheck 'log' sends the answer and logs a warning; 'off' checks nothing", async (t) => {
  const wrong = { APPOINTMENT: () => ({ screen: 'DETAILS', data: { ...details, emial: 'x' } }) }
  const logged = setup(wrong, { flowCheck: 'log' })
  const r = await logged.client.dataExchange('APPOINTMENT', {})
  t.is(r.status, 200)
  t.is(r.response.data.emial, 'x')
  const line = mismatchLine(logged.log)
  t.is(line.level, 'warn')
  t.regex(line.args[0], /sent anyway \(flowCheck 'log'\)/)
  t.like(line.args[1], { field: 'emial', rule: 'unknown-field' })

  const off = setup(wrong, { flowCheck: 'off' })
  t.is((await off.client.dataExchange('APPOINTMENT', {})).status, 200)
  t.is(mismatchLine(off.log), undefined)
})

test('onTimeout answers are checked too: a mismatch answers 504', async (t) => {
  const log = captureLogger()
  const endpoint = createFlowEndpoint({
    privateKey: keys.privatePem,
    flow,
    logger: log.logger,
    timeoutMs: 50,
    onTimeout: () => ({ screen: 'DETAILS', data: {} }),
  })
  endpoint.on('data_exchange', 'APPOINTMENT', () => new Promise(() => {}))
  const client = createFlowClient({ endpoint, publicKey: keys.publicPem })
  t.is((await client.dataExchange('APPOINTMENT', {})).status, 504)
  t.like(mismatchLine(log).args[1], { next: 'DETAILS', field: 'department', rule: 'missing-field' })
  t.regex(mismatchLine(log).args[0], /^onTimeout returned/)
})

test('data whose getters throw is refused, not crashed on', async (t) => {
  const hostile = { ...details }
  Object.defineProperty(hostile, 'time', {
    enumerable: true,
    get: () => {
      throw new Error('boom')
    },
  })
  const { client, log } = setup({ APPOINTMENT: () => ({ screen: 'DETAILS', data: hostile }) })
  t.is((await client.dataExchange('APPOINTMENT', {})).status, 500)
  t.truthy(log.calls.find((c) => /could not be checked against the Flow JSON/.test(c.args[0])))
})

test('a Flow JSON with errors is refused at creation with its findings; bad options are TypeErrors', (t) => {
  const bad = structuredClone(flow)
  bad.routing_model.DETAILS.push('APPOINTMENT')
  const e = t.throws(() => createFlowEndpoint({ privateKey: keys.privatePem, flow: bad, logger: false }), { instanceOf: FlowJsonError })
  t.is(e.code, 'ERR_FLOW_JSON_INVALID')
  t.regex(e.message, /^flow has \d+ errors?: \/routing_model\/DETAILS routing-backward/)
  t.true(e.findings.some((f) => f.rule === 'routing-backward'))
  t.throws(() => createFlowEndpoint({ privateKey: keys.privatePem, flow: JSON.stringify(flow), logger: false }), {
    instanceOf: TypeError,
    message: /JSON\.parse/,
  })
  t.throws(() => createFlowEndpoint({ privateKey: keys.privatePem, flowCheck: 'log', logger: false }), {
    instanceOf: TypeError,
    message: /needs the flow option/,
  })
  t.throws(() => createFlowEndpoint({ privateKey: keys.privatePem, flow, flowCheck: 'strict', logger: false }), { instanceOf: TypeError })
})

test('the Flow JSON’s warnings are logged once at creation', (t) => {
  const log = captureLogger()
  const warned = structuredClone(flow)
  warned.version = '5.0'
  createFlowEndpoint({ privateKey: keys.privatePem, flow: warned, logger: log.logger })
  const lines = log.calls.filter((c) => /Flow JSON has warnings/.test(c.args[0]))
  t.is(lines.length, 1)
  t.like(lines[0].args[1], { warnings: 1, rules: 'version-not-publishable' })
})

test('over HTTP: the booking example with its Flow JSON; a handler that breaks it answers 500', async (t) => {
  const { default: bookingFlow } = await import('../examples/booking-flow.mjs')
  const log = captureLogger()
  const endpoint = createFlowEndpoint({ privateKey: keys.privatePem, flow, logger: log.logger })
  bookingFlow(endpoint)
  // A later registration replaces the example's DETAILS handler with one that forgets a field.
  endpoint.on('data_exchange', 'DETAILS', () => ({ screen: 'SUMMARY', data: { ...summary, more_details: undefined } }))
  const server = await listenNode(endpoint)
  t.teardown(server.close)
  const client = createFlowClient({ url: server.url, publicKey: keys.publicPem })
  const init = await client.init()
  t.is(init.status, 200)
  t.is(init.response.screen, 'APPOINTMENT')
  t.is((await client.dataExchange('DETAILS', {})).status, 500)
  t.like(mismatchLine(log).args[1], { screen: 'DETAILS', next: 'SUMMARY', field: 'more_details', rule: 'missing-field' })
})
