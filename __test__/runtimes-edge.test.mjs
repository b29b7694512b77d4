// The WebCrypto entry where it is advertised most: the WebCrypto suite in Cloudflare's workerd and in headless
// Chromium; the Workers example (examples/worker.mjs) served by workerd and driven by the Node simulator; the
// browser simulator (examples/browser-simulator/) in Chromium against a real endpoint. workerd comes from npm and
// runs on every glibc host; Chromium is the system one (.ci/run installs it): missing, it fails under CI and is
// skipped locally.
import test from 'ava'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join, normalize, sep } from 'node:path'

import { createFlowClient, createFlowEndpoint } from '../dist/index.js'
import bookingFlow from '../examples/booking-flow.mjs'
import { findChromium, launchChromium, missingChromium, serve } from './helpers/chromium.mjs'
import { assertSuite, bundle, bundleSuite, root, runAsBody } from './helpers/runtimes.mjs'
import { startWorkerd, workerdBinaryVersion, workerdVersion } from './helpers/workerd.mjs'

const chromiumPath = findChromium()

/** Chromium tests run when the browser exists; without it they fail under CI and are skipped (saying why) locally. */
function chromiumTest(title, fn) {
  if (chromiumPath) return test.serial(title, fn)
  if (process.env.CI) return test.serial(title, (t) => t.fail(`${missingChromium()}. CI must have it: .ci/run installs it.`))
  return test.skip(`${title} — skipped: ${missingChromium()}`, () => {})
}

/**
 * workerd ships glibc builds only: on a musl host (Alpine) its binary cannot start, so there its tests are skipped,
 * saying why; everywhere else they always run.
 */
const { isMusl } = await import('../dist/node/loader.js')
const workerdTest = isMusl() ? (title) => test.skip(`${title} — skipped: workerd has no musl build`, () => {}) : test.serial

function makeKeys() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }), publicPem: publicKey.export({ type: 'spki', format: 'pem' }) }
}

workerdTest(`WebCrypto suite in workerd ${workerdVersion}`, async (t) => {
  t.timeout(90_000)
  t.log(workerdBinaryVersion())
  const { code } = await bundleSuite({ platform: 'neutral' })
  // The suite runs inside the fetch handler, where a Worker does its crypto; the module scope of a real Worker
  // importing the package is exercised by the Workers example below.
  const worker = `${runAsBody(code, 'runSuite')}
export default {
  async fetch() {
    const lines = []
    globalThis.report = (line) => lines.push(line)
    try {
      await runSuite()
    } catch (e) {
      lines.push(\`not ok - the suite threw: \${e?.stack ?? e}\`)
    }
    return Response.json({ userAgent: navigator.userAgent, lines })
  },
}
`
  const server = await startWorkerd(t, { modules: { 'suite-worker.mjs': worker } })
  const res = await fetch(server.url, { signal: AbortSignal.timeout(60_000) })
  t.is(res.status, 200, server.output())
  const { userAgent, lines } = await res.json()
  t.is(userAgent, 'Cloudflare-Workers', 'the suite ran in workerd')
  assertSuite(t, lines)
})

workerdTest(`Workers example (examples/worker.mjs) in workerd ${workerdVersion}: ping, INIT, data_exchange, signatures`, async (t) => {
  t.timeout(90_000)
  // What a Workers user's bundler does (wrangler passes these conditions): 'whatsapp-flows' resolves through the
  // package's exports map — here to itself, by self-reference — to the WebCrypto entry.
  const { code, inputs } = await bundle(join(root, 'examples/worker.mjs'), {
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
  })
  t.true(inputs.includes('dist/webcrypto.js'), inputs.join('\n'))
  t.false(
    inputs.some((f) => f === 'dist/index.js' || f.startsWith('dist/node/')),
    'the Node entry and its loader stay out',
  )

  const keys = makeKeys()
  const appSecret = randomBytes(16).toString('hex')
  const server = await startWorkerd(t, {
    modules: { 'worker.mjs': code },
    // A rotation: the old secret and the current one, comma-separated.
    bindings: { WA_FLOWS_PRIVATE_KEY: keys.privatePem, WA_FLOWS_APP_SECRET: `old-secret, ${appSecret}` },
  })
  const client = createFlowClient({ url: server.url, publicKey: keys.publicPem, appSecret })

  const ping = await client.ping()
  t.is(ping.status, 200, server.output())
  t.deepEqual(ping.response, { data: { status: 'active' } })

  const init = await client.init()
  t.is(init.status, 200)
  t.is(init.response.screen, 'APPOINTMENT')
  t.is(init.response.data.dates.length, 5)
  t.true(init.response.data.departments.some((d) => d.id === 'dental'))

  const slots = await client.dataExchange('APPOINTMENT', { trigger: 'date_selected', date: init.response.data.dates[1].id })
  t.is(slots.status, 200)
  t.is(slots.response.screen, 'APPOINTMENT')
  t.true(slots.response.data.times.length > 0)

  const old = await createFlowClient({ url: server.url, publicKey: keys.publicPem, appSecret: 'old-secret' }).ping()
  t.is(old.status, 200, 'every secret of the rotation is accepted')

  const wrong = await createFlowClient({ url: server.url, publicKey: keys.publicPem, appSecret: 'not-the-app-secret' }).init()
  t.is(wrong.status, 432)
  const unsigned = await createFlowClient({ url: server.url, publicKey: keys.publicPem }).init()
  t.is(unsigned.status, 432)

  const get = await fetch(server.url, { signal: AbortSignal.timeout(10_000) })
  t.is(get.status, 405)
  t.is(get.headers.get('allow'), 'POST')
  t.is((await fetch(new URL('/elsewhere', server.url), { method: 'POST', body: '{}', signal: AbortSignal.timeout(10_000) })).status, 404)
})

workerdTest('Workers example in workerd without WA_FLOWS_APP_SECRET: unsigned requests are answered', async (t) => {
  t.timeout(90_000)
  const { code } = await bundle(join(root, 'examples/worker.mjs'), { platform: 'neutral', conditions: ['workerd', 'worker', 'browser'] })
  const keys = makeKeys()
  const server = await startWorkerd(t, { modules: { 'worker.mjs': code }, bindings: { WA_FLOWS_PRIVATE_KEY: keys.privatePem } })
  const init = await createFlowClient({ url: server.url, publicKey: keys.publicPem }).init()
  t.is(init.status, 200, server.output())
  t.is(init.response.screen, 'APPOINTMENT')
  // The endpoint says, once, that signatures are not checked.
  t.regex(server.output(), /no appSecret: X-Hub-Signature-256 is not verified/)
})

chromiumTest('WebCrypto suite in headless Chromium', async (t) => {
  t.timeout(120_000)
  const { code } = await bundleSuite({ platform: 'browser' })
  const html = '<!doctype html><meta charset="utf-8"><title>suite</title><script type="module" src="/suite.js"></script>'
  const { origin } = await serve(t, { '/': { type: 'text/html', body: html }, '/suite.js': { type: 'text/javascript', body: code } })

  const page = await launchChromium(t, chromiumPath)
  t.log(`Chromium ${page.context().browser().version()}`)
  const errors = []
  page.on('pageerror', (e) => errors.push(String(e?.stack ?? e)))
  await page.addInitScript(() => {
    window.suiteLines = []
    window.report = (line) => window.suiteLines.push(line)
  })
  await page.goto(`${origin}/`)
  try {
    await page.waitForFunction(() => window.suiteLines.at(-1)?.startsWith('done '), null, { timeout: 90_000 })
  } catch (e) {
    t.fail(`the suite did not finish: ${e.message}\npage errors: ${errors.join('\n')}`)
    return
  }
  const env = await page.evaluate(() => ({ secure: isSecureContext, process: typeof process, ua: navigator.userAgent }))
  t.deepEqual({ secure: env.secure, process: env.process }, { secure: true, process: 'undefined' })
  t.regex(env.ua, /HeadlessChrome\//)
  t.deepEqual(errors, [])
  assertSuite(t, await page.evaluate(() => window.suiteLines))
})

chromiumTest('browser simulator (examples/browser-simulator) in headless Chromium against a node:http endpoint', async (t) => {
  t.timeout(120_000)
  const keys = makeKeys()
  const appSecret = randomBytes(16).toString('hex')

  // The page: the example's two files and dist/ (its import map points at ../../dist/webcrypto.js).
  const page = await launchChromium(t, chromiumPath)
  const example = (name) => readFileSync(join(root, 'examples/browser-simulator', name), 'utf8')
  const site = await serve(
    t,
    {
      '/examples/browser-simulator/': { type: 'text/html', body: example('index.html') },
      '/examples/browser-simulator/simulator.mjs': { type: 'text/javascript', body: example('simulator.mjs') },
    },
    (req, res) => {
      const path = normalize(decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname)).slice(1)
      if (!path.startsWith(`dist${sep}`) || !path.endsWith('.js')) return res.writeHead(404).end()
      try {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(root, path)))
      } catch {
        res.writeHead(404).end()
      }
    },
  )

  // The endpoint: the Node entry, the booking flow, and CORS for the page's origin only.
  const endpoint = createFlowEndpoint({ privateKey: keys.privatePem, appSecret, logger: false })
  bookingFlow(endpoint)
  const handler = endpoint.nodeHandler()
  const seen = { preflights: 0, posts: 0 }
  const api = createServer((req, res) => {
    if (req.headers.origin === site.origin) res.setHeader('access-control-allow-origin', site.origin)
    res.setHeader('vary', 'origin')
    if (req.method === 'OPTIONS') {
      seen.preflights++
      return res
        .writeHead(204, {
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'content-type, x-hub-signature-256',
          'access-control-max-age': '0',
        })
        .end()
    }
    if (req.method === 'POST') seen.posts++
    handler(req, res)
  })
  t.teardown(
    () =>
      new Promise((resolve) => {
        api.closeAllConnections()
        api.close(() => resolve())
      }),
  )
  await new Promise((resolve) => api.listen(0, '127.0.0.1', resolve))
  const endpointUrl = `http://127.0.0.1:${api.address().port}/`

  const errors = []
  page.on('pageerror', (e) => errors.push(String(e?.stack ?? e)))
  await page.goto(`${site.origin}/examples/browser-simulator/`)
  await page.fill('#url', endpointUrl)
  await page.fill('#public-key', keys.publicPem)
  await page.fill('#app-secret', appSecret)

  /** Chooses an action, sends, and returns { status, response } as the page shows them. */
  async function send(action) {
    await page.selectOption('#action', action)
    await page.click('#send')
    await page.waitForFunction(
      () => !document.getElementById('send').disabled && !/^Sending/.test(document.getElementById('status').textContent),
    )
    return { status: await page.textContent('#status'), response: await page.textContent('#response') }
  }

  const init = await send('INIT')
  t.is(init.status, 'HTTP 200: decrypted answer')
  const answer = JSON.parse(init.response)
  t.is(answer.screen, 'APPOINTMENT')
  t.is(answer.data.dates.length, 5)
  t.true(answer.data.departments.some((d) => d.id === 'dental'))

  const ping = await send('ping')
  t.is(ping.status, 'HTTP 200: decrypted answer')
  t.deepEqual(JSON.parse(ping.response), { data: { status: 'active' } })

  await page.fill('#app-secret', 'not-the-app-secret')
  const wrong = await send('INIT')
  t.is(wrong.status, 'HTTP 432')

  t.true(seen.preflights >= 1, 'the browser asked for CORS permission')
  t.is(seen.posts, 3)
  t.deepEqual(errors, [])
})
