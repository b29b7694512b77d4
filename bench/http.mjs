#!/usr/bin/env node
// `npm run bench:http`: requests/s and p99 latency of an encrypted data_exchange round trip over node:http, for this
// package (native, WebCrypto) and a Meta-style express reference. Each server runs alone in a child process; load
// comes from this process (autocannon) with 2,000 pre-encrypted distinct requests. Writes bench/results/http.md.
import { generateKeyPairSync } from 'node:crypto'
import { fork } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

import { openAnswer, sealRequest } from './whatsapp-side.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const DURATION = Number(process.env.BENCH_SECONDS ?? 10)
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1)
const REQUESTS = 2000

/** Busy and total jiffies of all CPUs (Linux), to tell how much CPU other processes took during a run. */
function cpuJiffies() {
  try {
    const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).map(Number)
    const idle = f[3] + f[4]
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0)
    return { busy: total - idle, total }
  } catch {
    return undefined
  }
}

// ---- fixtures: one RSA-2048 key, 2,000 requests each with a fresh AES key and IV ----
const tmp = join(root, '.bench-tmp')
mkdirSync(tmp, { recursive: true })
const keyFile = join(tmp, 'http-bench-key.pem')
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })

const fixtures = Array.from({ length: REQUESTS }, (_, i) =>
  sealRequest(
    {
      version: '3.0',
      action: 'data_exchange',
      screen: 'DETAILS',
      flow_token: `bench-token-${i}`,
      data: {
        department: 'dental',
        location: 'north',
        date: '2026-12-01',
        time: '10:30',
        name: `Customer ${i}`,
        email: `customer${i}@example.com`,
        phone: '+44 20 7946 0000',
        more_details: 'x'.repeat(200),
        nonce: `n${i}`,
      },
    },
    publicKey,
  ),
)
const bodies = fixtures.map((f) => f.body)

// ---- one server at a time ----
function startServer(mode, env) {
  const child = fork(join(root, 'bench/http-server.mjs'), [mode], {
    env: { ...process.env, ...env, BENCH_KEY_FILE: keyFile },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const next = (type) =>
    new Promise((ok, fail) => {
      const onMessage = (m) => {
        if (m?.type !== type) return
        child.off('message', onMessage)
        child.off('exit', onExit)
        ok(m)
      }
      const onExit = (code) => fail(new Error(`${mode} server exited (${code}) before "${type}"`))
      child.on('message', onMessage)
      child.once('exit', onExit)
      if (type !== 'ready') child.send(type)
    })
  return { child, next }
}

async function verify(url) {
  for (const i of [0, 1, REQUESTS - 1]) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[i] })
    const text = await res.text()
    if (res.status !== 200) throw new Error(`verification request answered HTTP ${res.status}`)
    const answer = openAnswer(text, fixtures[i])
    if (answer.screen !== 'SUMMARY' || answer.data?.echo !== `n${i}`)
      throw new Error(`verification: unexpected response ${JSON.stringify(answer).slice(0, 120)}`)
  }
}

function load(url, seconds) {
  let n = 0
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: bodies[n++ % REQUESTS] }),
      },
    ],
  }).then((result) => ({ result, built: n }))
}

async function measure(label, mode, env = {}) {
  const { child, next } = startServer(mode, env)
  try {
    const { port, backend } = await next('ready')
    const url = `http://127.0.0.1:${port}/`
    await verify(url)
    if (WARMUP > 0) await load(url, WARMUP)
    const before = await next('reset')
    const hostBefore = cpuJiffies()
    const selfBefore = process.cpuUsage()
    const started = process.hrtime.bigint()
    const { result, built } = await load(url, DURATION)
    const after = await next('stats')
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6
    const selfCpu = process.cpuUsage(selfBefore)
    const hostAfter = cpuJiffies()
    const cpuMs = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000
    // CPU (in cores) used by everything except this server and the load generator: noise from other processes.
    const otherCores =
      hostBefore && hostAfter
        ? ((hostAfter.busy - hostBefore.busy) / (hostAfter.total - hostBefore.total)) * cpus().length -
          (cpuMs + (selfCpu.user + selfCpu.system) / 1000) / elapsedMs
        : NaN
    const row = {
      label,
      backend,
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      ok: result['2xx'],
      bad: result.non2xx + result.errors + result.timeouts,
      handled: after.handled,
      built,
      cpuPerReq: after.handled ? cpuMs / after.handled : NaN,
      serverCores: cpuMs / elapsedMs,
      otherCores: Math.max(0, otherCores),
    }
    process.stdout.write(
      `${label.padEnd(42)} ${row.rps.toFixed(0).padStart(6)} req/s  p99 ${row.p99} ms  server CPU ${row.cpuPerReq.toFixed(3)} ms/req (${row.serverCores.toFixed(2)} cores), other processes ${row.otherCores.toFixed(2)} cores  (${row.ok} ok, ${row.bad} failed)\n`,
    )
    return row
  } finally {
    child.kill('SIGTERM')
    await new Promise((ok) => (child.exitCode !== null ? ok() : child.once('exit', ok)))
  }
}

process.stdout.write(
  `HTTP bench: ${DURATION} s per endpoint (+${WARMUP} s warm-up), ${CONNECTIONS} connections, ${REQUESTS} distinct requests\n`,
)
const targets = [
  ['reference (express + node:crypto sync, Meta-style)', 'reference', {}],
  ['whatsapp-flows, native backend', 'ours', { WA_FLOWS_BACKEND: 'native' }],
  ['whatsapp-flows, WebCrypto backend', 'ours', { WA_FLOWS_BACKEND: 'webcrypto' }],
]
const runs = targets.map(() => [])
for (let round = 0; round < ROUNDS; round++) {
  if (ROUNDS > 1) process.stdout.write(`-- round ${round + 1}/${ROUNDS}\n`)
  // Rotate the order each round so slow drifts in machine load do not always hit the same endpoint.
  for (let k = 0; k < targets.length; k++) {
    const i = (k + round) % targets.length
    runs[i].push(await measure(...targets[i]))
  }
}
/** The median run (by requests/s) of each endpoint. */
const rows = runs.map((r) => [...r].sort((a, b) => a.rps - b.rps)[Math.floor(r.length / 2)])
const ref = rows[0]
const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—')
const table = [
  `Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${new Date().toISOString().slice(0, 10)}.`,
  `Workload: one encrypted data_exchange round trip (RSA-2048 unwrap, AES-128-GCM ~${Math.round(bodies[0].length / 10) * 10} B body both ways) over node:http on 127.0.0.1; autocannon in a separate process, ${CONNECTIONS} connections, ${DURATION} s per endpoint after ${WARMUP} s warm-up${ROUNDS > 1 ? `, median of ${ROUNDS} rounds in rotating order` : ''}, ${REQUESTS} distinct pre-encrypted requests; every server verified first. The load generator shares the ${cpus().length} cores. Server CPU = user+system CPU time of the server process (all threads) per handled request; "other load" = CPU cores busy with processes other than the server and the load generator during the run (noise: compare rows only when it is low).`,
  '',
  '| endpoint | requests/s | × reference | p50 (ms) | p99 (ms) | × reference p99 | server CPU (ms/req) | server cores | other load (cores) | failed |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${r.label} | ${r.rps.toFixed(0)} | ${fmt(r.rps / ref.rps)} | ${r.p50} | ${r.p99} | ${fmt(r.p99 / ref.p99)} | ${fmt(r.cpuPerReq, 3)} | ${fmt(r.serverCores)} | ${fmt(r.otherCores)} | ${r.bad} |`,
  ),
  '',
  ...(ROUNDS > 1
    ? [
        `Per-round requests/s ratios vs the reference of the same round: ${targets
          .slice(1)
          .map(([label], k) => `${label} ${runs[k + 1].map((r, j) => fmt(r.rps / runs[0][j].rps)).join(' / ')}`)
          .join('; ')}.`,
        '',
      ]
    : []),
].join('\n')
mkdirSync(join(root, 'bench/results'), { recursive: true })
writeFileSync(join(root, 'bench/results/http.md'), table)
process.stdout.write(`\n${table}`)
if (runs.flat().some((r) => r.bad > 0)) {
  process.stderr.write('some requests failed during the run\n')
  process.exitCode = 1
}
