// `wa-flows simulate --steps file.json` against the example booking flow served by `wa-flows serve`: several screens
// with one flow token, BACK, an error notification, expectations on screens and error messages; a missed expectation
// stops with exit 1 naming the step; a bad steps file is refused before any request.
import test from 'ava'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { availableDates, availableTimes } from '../examples/booking-flow.mjs'
import { cleanEnv, cliPath, lines, root, runCli, startProcess, tempDir } from './helpers/cli.mjs'

const SECRET = 'steps-app-secret'

async function served(t) {
  const dir = tempDir(t)
  const kg = await runCli(['keygen', '--out', dir])
  t.is(kg.code, 0, kg.stderr)
  const env = cleanEnv({ WA_FLOWS_PRIVATE_KEY_FILE: join(dir, 'private.pem'), WA_FLOWS_APP_SECRET: SECRET })
  const srv = startProcess(t, [cliPath, 'serve', '--handler', join(root, 'examples/booking-flow.mjs'), '--port', '0'], { env })
  const [, url] = await srv.ready
  const simulate = (steps, extra = []) => {
    const file = join(dir, `steps-${Math.random().toString(36).slice(2)}.json`)
    writeFileSync(file, typeof steps === 'string' ? steps : JSON.stringify(steps))
    return runCli(['simulate', '--url', url, '--public-key', join(dir, 'public.pem'), '--steps', file, ...extra], {
      env: cleanEnv({ WA_FLOWS_APP_SECRET: SECRET }),
    })
  }
  return { srv, simulate }
}

const date = availableDates()[0].id
const appointment = { department: 'dental', location: 'north', date, time: availableTimes(date)[0].id }
const details = { name: 'Ada Lovelace', email: 'ada@example.com', phone: '+44 20 7946 0000' }

test('a whole booking: INIT, a refresh, an input error, BACK, an error notification, SUMMARY and SUCCESS', async (t) => {
  const { srv, simulate } = await served(t)
  const r = await simulate({
    flow_token: 'steps-token-1',
    steps: [
      { action: 'ping' },
      { action: 'INIT', expect: { screen: 'APPOINTMENT', error_message: false } },
      { action: 'data_exchange', screen: 'APPOINTMENT', data: { trigger: 'date_selected', date }, expect: { screen: 'APPOINTMENT' } },
      {
        action: 'data_exchange',
        screen: 'APPOINTMENT',
        data: { ...appointment, location: 'nowhere' },
        expect: { screen: 'APPOINTMENT', error_message: 'Please choose a location.' },
      },
      { action: 'data_exchange', screen: 'APPOINTMENT', data: appointment, expect: { screen: 'DETAILS' } },
      { action: 'BACK', screen: 'APPOINTMENT', expect: { screen: 'APPOINTMENT' } },
      { action: 'error_notification', screen: 'DETAILS', error: 'INVALID_SCREEN_DATA', error_message: 'details could not be shown' },
      { action: 'data_exchange', screen: 'DETAILS', data: { ...appointment, ...details }, expect: { screen: 'SUMMARY' } },
      { action: 'data_exchange', screen: 'SUMMARY', data: { ...appointment, ...details }, expect: { screen: 'SUCCESS' } },
    ],
  })
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /^step 7 error_notification DETAILS: HTTP 200$/m)
  t.regex(r.stdout, /"acknowledged": true/)
  t.regex(r.stdout, /"flow_token": "steps-token-1"/)
  t.regex(r.stdout, /"booking_id": "BK-\d{5}"/)
  t.regex(r.stdout, /^all 9 steps answered as expected$/m)
  await srv.waitFor(/POST data_exchange SUMMARY 200/)
  t.regex(srv.output(), /POST BACK APPOINTMENT 200/)
  t.regex(srv.output(), /POST data_exchange:error DETAILS 200/)
})

test('a missed expectation stops the walk with exit 1 and names the step and what came instead', async (t) => {
  const { simulate } = await served(t)
  const r = await simulate([
    { action: 'INIT' },
    { action: 'data_exchange', screen: 'APPOINTMENT', data: { ...appointment, department: 'x' }, expect: { screen: 'DETAILS' } },
    { action: 'ping' },
  ])
  t.is(r.code, 1)
  t.deepEqual(lines(r.stderr), [
    'wa-flows: step 2 data_exchange APPOINTMENT: expected screen DETAILS, got APPOINTMENT (error_message: "Please choose a department."); stopping after 2 of 3 steps',
  ])
  t.notRegex(r.stdout, /step 3/)
})

test('a bad steps file is refused before any request; --steps with --screen is a usage error', async (t) => {
  const { srv, simulate } = await served(t)
  const before = srv.output()
  for (const [steps, message] of [
    ['not json', /^wa-flows: \S+: not JSON/],
    [[], /there are no steps$/],
    [[{ action: 'INIT' }, { action: 'data_exchange' }], /: step 2: data_exchange needs "screen"$/],
    [[{ action: 'navigate' }], /: step 1: "action" must be one of ping, INIT, BACK, data_exchange, error_notification$/],
    [[{ action: 'INIT', expect: { screen: 'A', colour: 'red' } }], /: step 1: unknown expectation "colour"$/],
    [[{ action: 'error_notification', error_message: 'x' }], /: step 1: error_notification needs "error"/],
  ]) {
    const r = await simulate(steps)
    t.is(r.code, 1, JSON.stringify(steps))
    t.is(lines(r.stderr).length, 1)
    t.regex(r.stderr.trim(), message)
  }
  const both = await simulate([{ action: 'INIT' }], ['--screen', 'X'])
  t.is(both.code, 2)
  t.regex(both.stderr, /--steps does not go with --screen, --data or --flow/)
  const withFlow = await simulate([{ action: 'INIT' }], ['--flow', join(root, 'examples/booking-flow.json')])
  t.is(withFlow.code, 2)
  await new Promise((r) => setTimeout(r, 200))
  t.is(srv.output(), before, 'the server saw no request')
})
