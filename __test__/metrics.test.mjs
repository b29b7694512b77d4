// Health counters (issue 12, item 8): createFlowMetrics() on an endpoint counts answers by status, 421s, deadline
// misses and answer times; the Prometheus text is well-formed; the summary flags Meta's thresholds (5 % errors, p90
// 1 s); `wa-flows serve --metrics-path --metrics-log` serves and prints them, aggregated over --workers.
import test from 'ava'
import { request } from 'node:http'
import { join } from 'node:path'

import { createFlowClient, createFlowEndpoint, createFlowMetrics, mergeSnapshots, quantile, summarize, summaryLine } from '../dist/index.js'
import { cleanEnv, cliPath, postEncrypted, root, runCli, startProcess, tempDir } from './helpers/cli.mjs'
import { listenNode, makeKeys } from './helpers/endpoint.mjs'
import { readFileSync } from 'node:fs'

const keys = makeKeys()
const other = makeKeys()

/** Parses Prometheus text: every sample line checked against the exposition format; { 'name{labels}': value }. */
function parseProm(t, text) {
  const samples = {}
  const types = {}
  for (const line of text.trimEnd().split('\n')) {
    if (line.startsWith('# HELP ')) continue
    const type = /^# TYPE (\w+) (counter|histogram)$/.exec(line)
    if (type) {
      types[type[1]] = type[2]
      continue
    }
    const m = /^([a-z_]+)(\{[a-z]+="[^"]*"\})? (\d+(?:\.\d+)?(?:e-?\d+)?)$/.exec(line)
    t.truthy(m, `a valid sample line: ${line}`)
    if (m) samples[`${m[1]}${m[2] ?? ''}`] = Number(m[3])
  }
  return { samples, types }
}

function checkHistogram(t, samples) {
  const buckets = Object.entries(samples).filter(([k]) => k.startsWith('wa_flows_handler_seconds_bucket'))
  t.is(buckets.at(-1)[0], 'wa_flows_handler_seconds_bucket{le="+Inf"}')
  for (let i = 1; i < buckets.length; i++) t.true(buckets[i][1] >= buckets[i - 1][1], 'cumulative buckets')
  t.is(buckets.at(-1)[1], samples.wa_flows_handler_seconds_count)
}

test('an endpoint with metrics counts every answer: 200, 421, 432, 504 (a deadline miss), 413', async (t) => {
  const metrics = createFlowMetrics()
  const endpoint = createFlowEndpoint({ privateKey: keys.privatePem, appSecret: 's3cret', timeoutMs: 50, metrics, logger: false })
  endpoint.on('INIT', () => ({ screen: 'A', data: {} }))
  endpoint.on('data_exchange', 'SLOW', () => new Promise((r) => setTimeout(() => r({ screen: 'B', data: {} }), 300)))
  const good = createFlowClient({ endpoint, publicKey: keys.publicPem, appSecret: 's3cret' })
  t.is((await good.init()).status, 200)
  t.is((await good.ping()).status, 200)
  t.is((await createFlowClient({ endpoint, publicKey: other.publicPem, appSecret: 's3cret' }).init()).status, 421)
  t.is((await createFlowClient({ endpoint, publicKey: keys.publicPem, appSecret: 'wrong' }).init()).status, 432)
  t.is((await good.dataExchange('SLOW', {})).status, 504)
  // 413 from the node adapter, before the body is read.
  const server = await listenNode(endpoint)
  t.teardown(server.close)
  const status = await new Promise((resolve, reject) => {
    const req = request(server.url, { method: 'POST', headers: { 'content-length': String(2 * 1024 * 1024) } }, (res) => {
      res.resume()
      resolve(res.statusCode)
    })
    req.on('error', reject)
    req.end()
  })
  t.is(status, 413)

  const s = metrics.snapshot()
  t.deepEqual(s.requests, { 200: 2, 421: 1, 432: 1, 504: 1, 413: 1 })
  t.is(s.decryptFailures, 1)
  t.is(s.deadlineMisses, 1)
  t.is(s.handlerSeconds.count, 6)
  t.true(s.handlerSeconds.sum >= 0.05, 'the 504 took at least the deadline')
  const { samples, types } = parseProm(t, metrics.prometheus())
  t.deepEqual(types, {
    wa_flows_requests_total: 'counter',
    wa_flows_decrypt_failures_total: 'counter',
    wa_flows_deadline_misses_total: 'counter',
    wa_flows_handler_seconds: 'histogram',
    wa_flows_webhook_deliveries_total: 'counter',
  })
  t.is(samples['wa_flows_requests_total{status="421"}'], 1)
  t.is(samples.wa_flows_deadline_misses_total, 1)
  checkHistogram(t, samples)
  const w = summarize(metrics.takeWindow())
  t.is(w.requests, 6)
  t.is(w.errors, 4)
  t.deepEqual(w.over, ['error-rate'])
  t.is(summarize(metrics.takeWindow()).requests, 0, 'a window starts empty')
})

test('quantiles and the summary line: p90 from the histogram, Meta thresholds flagged', (t) => {
  const m = createFlowMetrics()
  for (let i = 0; i < 95; i++) m.recordRequest(200, 0.02)
  for (let i = 0; i < 5; i++) m.recordRequest(500, 3)
  const s = m.snapshot()
  const p90 = quantile(s, 0.9)
  t.true(p90 > 0.01 && p90 <= 0.025, `p90 ${p90} lies in the 10–25 ms bucket`)
  t.is(
    summaryLine(s, 60),
    "metrics 60s: 100 requests, 5 errors (5.0 %), p90 0.024 s, 0 deadline misses, 0 decrypt failures, 0 webhook deliveries — OVER META'S ALERT THRESHOLDS: error rate ≥ 5 %",
  )
  const slow = createFlowMetrics()
  for (let i = 0; i < 10; i++) slow.recordRequest(200, 1.5)
  t.regex(summaryLine(slow.snapshot(), 60), /p90 2\.\d{3} s.*OVER META'S ALERT THRESHOLDS: p90 ≥ 1 s$/)
  t.notRegex(summaryLine(createFlowMetrics().snapshot(), 60), /OVER/)
  const merged = mergeSnapshots([s, slow.snapshot()])
  t.is(merged.handlerSeconds.count, 110)
  t.is(merged.requests['200'], 105)
  t.throws(() => m.recordRequest(42, 0), { instanceOf: TypeError })
})

async function keysDir(t) {
  const dir = tempDir(t)
  const kg = await runCli(['keygen', '--out', dir])
  t.is(kg.code, 0, kg.stderr)
  return dir
}

/** Waits (at most 15 s) until the summary lines so far count `requests` requests and `webhook` deliveries; their sums. */
async function summed(srv, requests, webhook = 0) {
  const deadline = Date.now() + 15_000
  for (;;) {
    const found = [
      ...srv
        .output()
        .matchAll(
          /^\S+ metrics 1s: (\d+) requests, (\d+) errors .*, (\d+) webhook deliveries( — OVER META'S ALERT THRESHOLDS: error rate ≥ 5 %)?$/gm,
        ),
    ]
    const total = { requests: 0, errors: 0, webhook: 0, flagged: false }
    for (const m of found) {
      total.requests += Number(m[1])
      total.errors += Number(m[2])
      total.webhook += Number(m[3])
      total.flagged ||= Boolean(m[4])
    }
    if ((total.requests >= requests && total.webhook >= webhook) || Date.now() > deadline) return total
    await new Promise((r) => setTimeout(r, 200))
  }
}

const scrape = (url) =>
  fetch(url).then(async (res) => ({ status: res.status, type: res.headers.get('content-type'), text: await res.text() }))

test('serve --metrics-path serves the counters; --metrics-log prints a line per interval, flagged over the thresholds', async (t) => {
  const dir = await keysDir(t)
  const env = cleanEnv({ WA_FLOWS_PRIVATE_KEY_FILE: join(dir, 'private.pem'), WA_FLOWS_APP_SECRET: 'metrics-secret' })
  const srv = startProcess(
    t,
    [
      cliPath,
      'serve',
      '--handler',
      join(root, 'examples/booking-flow.mjs'),
      '--port',
      '0',
      '--metrics-path',
      '/metrics',
      '--metrics-log',
      '--metrics-interval',
      '1',
    ],
    { env },
  )
  const [, url] = await srv.ready
  const origin = new URL(url).origin
  const sim = await runCli(['simulate', '--url', url, '--public-key', join(dir, 'public.pem')], {
    env: cleanEnv({ WA_FLOWS_APP_SECRET: 'metrics-secret' }),
  })
  t.is(sim.code, 0, sim.stderr)
  // Four unsigned requests (432): two raw, then simulate's ping and INIT without the app secret.
  for (let i = 0; i < 2; i++) t.is((await postEncrypted(url, makeKeys().publicPem, { version: '3.0', action: 'ping' })).status, 432)
  const unsigned = await runCli(['simulate', '--url', url, '--public-key', join(dir, 'public.pem')])
  t.is(unsigned.code, 1)
  // A webhook delivery with a bad signature: 403, counted as a delivery.
  const hook = await fetch(`${origin}/webhook`, { method: 'POST', body: '{}', headers: { 'x-hub-signature-256': 'sha256=00' } })
  t.is(hook.status, 403)

  const m = await scrape(`${origin}/metrics`)
  t.is(m.status, 200)
  t.is(m.type, 'text/plain; version=0.0.4; charset=utf-8')
  const { samples } = parseProm(t, m.text)
  t.is(samples['wa_flows_requests_total{status="200"}'], 2)
  t.is(samples['wa_flows_requests_total{status="432"}'], 4)
  t.is(samples['wa_flows_webhook_deliveries_total{status="403"}'], 1)
  checkHistogram(t, samples)
  t.is((await fetch(`${origin}/metrics`, { method: 'POST' })).status, 405)
  // The windows split the traffic as the seconds fall: together they count every request, once.
  const totals = await summed(srv, 6, 1)
  t.deepEqual(totals, { requests: 6, errors: 4, webhook: 1, flagged: true })
  t.notRegex(srv.output(), / GET metrics /, 'scrapes are not logged as requests')
})

test("serve --workers 2: a scrape on any worker answers every worker's counters; one summary line per interval", async (t) => {
  const dir = await keysDir(t)
  const env = cleanEnv({ WA_FLOWS_PRIVATE_KEY_FILE: join(dir, 'private.pem') })
  const srv = startProcess(
    t,
    [
      cliPath,
      'serve',
      '--handler',
      join(root, 'examples/booking-flow.mjs'),
      '--port',
      '0',
      '--workers',
      '2',
      '--metrics-path',
      '/metrics',
      '--metrics-log',
      '--metrics-interval',
      '1',
    ],
    { env, timeoutMs: 30_000 },
  )
  const [, url] = await srv.ready
  const publicPem = readFileSync(join(dir, 'public.pem'), 'utf8')
  // Fresh connections, so the cluster spreads them over both workers.
  for (let i = 0; i < 10; i++) t.is((await postEncrypted(url, publicPem, { version: '3.0', action: 'ping' })).status, 200)
  const served = new Set(srv.output().match(/\[worker \d+\]/g))
  t.true(served.size >= 1)
  for (let i = 0; i < 4; i++) {
    const { samples } = parseProm(t, (await scrape(`${new URL(url).origin}/metrics`)).text)
    t.is(samples['wa_flows_requests_total{status="200"}'], 10, 'the sum over every worker, whichever answered the scrape')
  }
  t.deepEqual(await summed(srv, 10), { requests: 10, errors: 0, webhook: 0, flagged: false })
  t.false(/\[worker \d+\] \S+ metrics/.test(srv.output()), 'the primary prints the summary, not each worker')
})
