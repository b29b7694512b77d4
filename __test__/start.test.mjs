// `npm start` (examples/start.mjs): creates a dev key in WA_FLOWS_DEV_KEYS, serves the booking flow; walked end to end.
import test from 'ava'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { createFlowClient } from '../dist/index.js'
import { cleanEnv, root, startProcess, tempDir } from './helpers/cli.mjs'

/** The last line start.mjs prints: everything above it is out. */
const READY = /listening on (http:\/\/\S+)[\s\S]*--screen APPOINTMENT/

test('npm start serves the booking flow: INIT → APPOINTMENT → DETAILS → SUMMARY → SUCCESS, with BACK and input errors', async (t) => {
  const keys = join(tempDir(t), 'dev-keys')
  const app = startProcess(t, [join(root, 'examples/start.mjs')], { env: cleanEnv({ WA_FLOWS_DEV_KEYS: keys, PORT: '0' }), ready: READY })
  const [, url] = await app.ready
  t.regex(url, /^http:\/\/127\.0\.0\.1:\d+\/$/)
  t.is(statSync(join(keys, 'private.pem')).mode & 0o777, 0o600)
  t.true(app.output().includes(`npx wa-flows simulate --url ${url} --public-key ${join(keys, 'public.pem')}`))

  const client = createFlowClient({ url, publicKey: readFileSync(join(keys, 'public.pem'), 'utf8'), flowToken: 'booking-test-token' })
  const ping = await client.ping()
  t.is(ping.status, 200)
  t.deepEqual(ping.response, { data: { status: 'active' } })

  const init = await client.init()
  t.is(init.status, 200)
  t.is(init.response.screen, 'APPOINTMENT')
  const { departments, locations, dates, times } = init.response.data
  t.true(departments.length > 0 && locations.length > 0 && dates.length === 5 && times.length > 0)

  // Picking a date refreshes the time slots on the same screen.
  const slots = await client.dataExchange('APPOINTMENT', { trigger: 'date_selected', date: dates[1].id })
  t.is(slots.response.screen, 'APPOINTMENT')
  t.true(Array.isArray(slots.response.data.times))

  const appointment = { department: departments[1].id, location: locations[0].id, date: dates[1].id, time: slots.response.data.times[0].id }
  const incomplete = await client.dataExchange('APPOINTMENT', { ...appointment, location: undefined })
  t.is(incomplete.status, 200)
  t.is(incomplete.response.screen, 'APPOINTMENT')
  t.is(incomplete.response.data.error_message, 'Please choose a location.')

  const details = await client.dataExchange('APPOINTMENT', appointment)
  t.is(details.response.screen, 'DETAILS')
  t.regex(details.response.data.appointment, new RegExp(`^${departments[1].title} at ${locations[0].title}`))

  // Back from DETAILS to APPOINTMENT refreshes the options.
  const back = await client.back('APPOINTMENT')
  t.is(back.status, 200)
  t.is(back.response.screen, 'APPOINTMENT')
  t.deepEqual(back.response.data.departments, departments)

  const person = { name: 'Ada Lovelace', email: 'not-an-email', phone: '+44 20 7946 0000', more_details: 'first visit' }
  const badEmail = await client.dataExchange('DETAILS', { ...appointment, ...person })
  t.is(badEmail.response.screen, 'DETAILS')
  t.is(badEmail.response.data.error_message, 'Please enter a valid email address.')

  const summary = await client.dataExchange('DETAILS', { ...appointment, ...person, email: 'ada@example.com' })
  t.is(summary.response.screen, 'SUMMARY')
  t.regex(summary.response.data.details, /Name: Ada Lovelace\nEmail: ada@example\.com/)

  const success = await client.dataExchange('SUMMARY', summary.response.data)
  t.is(success.status, 200)
  t.is(success.response.screen, 'SUCCESS')
  t.is(success.response.data.extension_message_response.params.flow_token, 'booking-test-token')
  t.regex(success.response.data.extension_message_response.params.booking_id, /^BK-\d{5}$/)

  app.child.kill('SIGTERM')
  t.is((await app.exited).code, 0)
})

test('npm start reuses the dev key it created and honours HOST', async (t) => {
  const keys = join(tempDir(t), 'dev-keys')
  const first = startProcess(t, [join(root, 'examples/start.mjs')], { env: cleanEnv({ WA_FLOWS_DEV_KEYS: keys, PORT: '0' }), ready: READY })
  await first.ready
  t.regex(first.output(), /Created a development key pair/)
  const pem = readFileSync(join(keys, 'private.pem'), 'utf8')
  first.child.kill('SIGTERM')
  await first.exited

  const second = startProcess(t, [join(root, 'examples/start.mjs')], {
    env: cleanEnv({ WA_FLOWS_DEV_KEYS: keys, PORT: '0', HOST: 'localhost' }),
    ready: READY,
  })
  const [, url] = await second.ready
  t.regex(url, /^http:\/\/localhost:\d+\/$/)
  t.regex(second.output(), /Using the development key pair/)
  t.is(readFileSync(join(keys, 'private.pem'), 'utf8'), pem)
  const client = createFlowClient({ url, publicKey: readFileSync(join(keys, 'public.pem'), 'utf8') })
  t.is((await client.init()).response.screen, 'APPOINTMENT')
})
