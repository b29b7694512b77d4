#!/usr/bin/env node
// `npm run soak`: N signed, encrypted requests (default 100,000) through a real `wa-flows serve` process with bounded
// concurrency; every answer is decrypted and checked against its request. Prints errors, requests/s, p50/p99 latency,
// the server's event-loop p99 and RSS at start, middle and end (goal: 0 errors, end RSS ≤ middle + 10 %).
// Options: --requests N, --concurrency C, --json (one JSON summary line on stdout).
import { spawn } from 'node:child_process'
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

import { openAnswer, sealRequest } from './whatsapp-side.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const { values } = parseArgs({ options: { requests: { type: 'string' }, concurrency: { type: 'string' }, json: { type: 'boolean' } } })
const TOTAL = Number(values.requests ?? 100_000)
const CONCURRENCY = Number(values.concurrency ?? 32)
const SECRET = 'soak-app-secret'

const dir = mkdtempSync(join(tmpdir(), 'wa-flows-soak-'))
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
writeFileSync(join(dir, 'private.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })

/** Starts `wa-flows serve`; resolves its URL and the child process. */
function startServer() {
  const child = spawn(
    process.execPath,
    [
      join(root, 'dist/cli/main.js'),
      'serve',
      '--port',
      '0',
      '--key',
      join(dir, 'private.pem'),
      '--handler',
      join(root, 'bench/soak-handler.mjs'),
    ],
    {
      env: { ...process.env, WA_FLOWS_APP_SECRET: SECRET, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  return new Promise((resolve, reject) => {
    let out = ''
    const onData = (d) => {
      out += d
      const m = /Listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        child.stdout.off('data', onData)
        child.stdout.resume() // the request log is not needed
        resolve({ child, url: new URL(m[1]) })
      }
    }
    child.stdout.on('data', onData)
    child.once('exit', (code) => reject(new Error(`wa-flows serve exited (${code}) before listening`)))
  })
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })

/** One encrypted, signed request; resolves the decrypted answer (or throws with what went wrong). */
function roundTrip(url, payload) {
  const { body, aesKey, iv } = sealRequest(payload, publicKey)
  const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString()
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 80)}`))
          try {
            resolve(openAnswer(text, { aesKey, iv }))
          } catch (e) {
            reject(new Error(`answer did not decrypt: ${e.message}`))
          }
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const stats = async (url) => (await roundTrip(url, { version: '3.0', action: 'INIT', flow_token: 'stats', data: { stats: true } })).data

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]

async function main() {
  const { child, url } = await startServer()
  const errors = new Map()
  const latencies = new Float64Array(TOTAL)
  const samples = {}
  try {
    // Warm-up, then the start sample.
    for (let i = 0; i < 200; i++) await roundTrip(url, { version: '3.0', action: 'INIT', flow_token: 'warm', data: { nonce: `w${i}` } })
    samples.start = await stats(url)
    let next = 0
    let done = 0
    const started = performance.now()
    const worker = async () => {
      while (next < TOTAL) {
        const i = next++
        const nonce = `n${i}-${randomBytes(4).toString('hex')}`
        const t0 = performance.now()
        try {
          const exchange = i % 2 === 0
          const payload = exchange
            ? { version: '3.0', action: 'data_exchange', screen: 'FORM', flow_token: `token-${i}`, data: { nonce } }
            : { version: '3.0', action: 'INIT', flow_token: `token-${i}`, data: { nonce } }
          const answer = await roundTrip(url, payload)
          const ok = exchange
            ? answer.screen === 'NEXT' && answer.data.nonce === nonce && answer.data.token === `token-${i}`
            : answer.screen === 'ECHO' && answer.data.nonce === nonce
          if (!ok) throw new Error('the answer does not match the request')
        } catch (e) {
          errors.set(e.message, (errors.get(e.message) ?? 0) + 1)
        }
        latencies[i] = performance.now() - t0
        if (++done === Math.floor(TOTAL / 2)) samples.middle = await stats(url)
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    const seconds = (performance.now() - started) / 1000
    samples.end = await stats(url)
    const sorted = Float64Array.from(latencies).sort()
    const errorCount = [...errors.values()].reduce((a, b) => a + b, 0)
    const mib = (b) => Math.round((b / 2 ** 20) * 10) / 10
    const summary = {
      requests: TOTAL,
      concurrency: CONCURRENCY,
      errors: errorCount,
      errorKinds: Object.fromEntries(errors),
      seconds: Math.round(seconds * 10) / 10,
      requestsPerSecond: Math.round(TOTAL / seconds),
      latencyP50Ms: Math.round(quantile(sorted, 0.5) * 100) / 100,
      latencyP99Ms: Math.round(quantile(sorted, 0.99) * 100) / 100,
      loopP99Ms: { start: samples.start.loopP99Ms, middle: samples.middle.loopP99Ms, end: samples.end.loopP99Ms },
      rssMiB: { start: mib(samples.start.rss), middle: mib(samples.middle.rss), end: mib(samples.end.rss) },
      rssGrowthAfterWarmup: Math.round(((samples.end.rss - samples.middle.rss) / samples.middle.rss) * 1000) / 10,
    }
    if (values.json) console.log(JSON.stringify(summary))
    else {
      console.log(`soak: ${TOTAL} requests, concurrency ${CONCURRENCY}, through wa-flows serve (${process.version})`)
      console.log(`  errors        ${summary.errors}${errorCount ? ` ${JSON.stringify(summary.errorKinds)}` : ''}`)
      console.log(`  throughput    ${summary.requestsPerSecond} req/s (${summary.seconds} s)`)
      console.log(`  latency       p50 ${summary.latencyP50Ms} ms, p99 ${summary.latencyP99Ms} ms`)
      console.log(
        `  event loop    p99 ${summary.loopP99Ms.start.toFixed(1)} / ${summary.loopP99Ms.middle.toFixed(1)} / ${summary.loopP99Ms.end.toFixed(1)} ms (start / middle / end)`,
      )
      console.log(
        `  RSS           ${summary.rssMiB.start} / ${summary.rssMiB.middle} / ${summary.rssMiB.end} MiB (end vs middle: ${summary.rssGrowthAfterWarmup >= 0 ? '+' : ''}${summary.rssGrowthAfterWarmup} %)`,
      )
    }
    process.exitCode = errorCount === 0 && summary.rssGrowthAfterWarmup <= 10 ? 0 : 1
  } finally {
    agent.destroy()
    child.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
