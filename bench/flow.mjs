#!/usr/bin/env node
// `npm run bench`: decrypt + encrypt of a ~1 KiB Flows request on every backend against a node:crypto
// reference written the way Meta's example does it. Outputs are checked equal before anything is timed;
// results are ratios from one run, written to bench/results/flow.md.
//
// Measures: per-op time of the synchronous paths (benchmark.js), throughput with 64 requests in flight for the
// async paths (own thread pool and libuv's), and the JS thread's responsiveness under that load (p99 gap of a
// 1 ms timer).
import { constants, createCipheriv, createDecipheriv, createPrivateKey, generateKeyPairSync, privateDecrypt } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnSync } from 'node:child_process'
import Benchmark from 'benchmark'

import { createFlowCrypto } from '../dist/api.js'
import { createNativeBackend } from '../dist/backend/native.js'
import { createWebCryptoBackend } from '../dist/backend/webcrypto.js'
import { loadNativeBinding, platformTriple } from '../dist/node/loader.js'
import { openAnswer, sealRequest } from './whatsapp-side.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const IN_FLIGHT = 64

// ---- fixtures: one RSA-2048 key, 256 distinct ~1 KiB requests encrypted as WhatsApp does ----
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' })
const screenData = {
  screen: 'DETAILS',
  data: { items: Array.from({ length: 12 }, (_, i) => ({ id: `item-${i}`, title: `Option number ${i}`, description: 'x'.repeat(40) })) },
}
const requestPayload = {
  version: '3.0',
  action: 'data_exchange',
  screen: 'PICK',
  flow_token: 'tok',
  data: { picked: 'item-3', note: 'y'.repeat(800) },
}
const fixtures = Array.from({ length: 256 }, () => sealRequest(requestPayload, publicKey))
const bodies = fixtures.map((f) => f.body)
const responseObject = screenData
console.error(`request plaintext ${JSON.stringify(requestPayload).length} B, response ${JSON.stringify(responseObject).length} B`)

// ---- the reference: Meta's example (KeyObject made once, privateDecrypt + createDecipheriv) ----
const keyObject = createPrivateKey(pem)
function referenceRoundTrip(bodyText) {
  const { encrypted_aes_key, encrypted_flow_data, initial_vector } = JSON.parse(bodyText)
  const aesKey = privateDecrypt(
    { key: keyObject, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    Buffer.from(encrypted_aes_key, 'base64'),
  )
  const flowData = Buffer.from(encrypted_flow_data, 'base64')
  const iv = Buffer.from(initial_vector, 'base64')
  const body = flowData.subarray(0, -16)
  const tag = flowData.subarray(-16)
  const d = createDecipheriv('aes-128-gcm', aesKey, iv)
  d.setAuthTag(tag)
  const request = JSON.parse(Buffer.concat([d.update(body), d.final()]).toString('utf8'))
  const flipped = Buffer.from(iv.map((b) => ~b))
  const c = createCipheriv('aes-128-gcm', aesKey, flipped)
  const out = Buffer.concat([c.update(JSON.stringify(responseObject), 'utf8'), c.final(), c.getAuthTag()]).toString('base64')
  return { request, out }
}
// ---- implementations under test ----
async function flowApi(backend) {
  const api = createFlowCrypto(backend)
  const key = await api.loadPrivateKey(pem)
  return {
    async: async (b) => {
      const r = await api.decryptRequest(b, key)
      return { request: r.request, out: await r.encryptResponse(responseObject) }
    },
    sync: backend.decryptRequestSync
      ? (b) => {
          const r = api.decryptRequestSync(b, key)
          return { request: r.request, out: api.encryptResponseSync(responseObject, r) }
        }
      : undefined,
  }
}

let binding
try {
  binding = loadNativeBinding()
} catch (e) {
  console.error(`native addon unavailable: ${e.message}`)
}
/** A variant addon (pure-rust, or testing: the libuv-pool switch is a test-only export), built on first use. */
function variant(name, flag) {
  const path = join(root, 'native', `whatsapp-flows-${name}.${platformTriple()}.node`)
  if (binding && !existsSync(path) && process.env.BENCH_BUILD_VARIANTS !== '0') {
    console.error(`building the ${name} addon for comparison (BENCH_BUILD_VARIANTS=0 to skip)…`)
    spawnSync(process.execPath, [join(root, 'scripts/build-native.mjs'), flag], { stdio: 'inherit' })
  }
  return existsSync(path) ? require(path) : undefined
}
const pureBinding = variant('pure-rust', '--pure-rust')
const testingBinding = variant('testing', '--testing')

const impls = []
impls.push({ name: 'reference (node:crypto, sync, Meta-style)', kind: 'sync', fn: referenceRoundTrip, ref: true })
if (binding) {
  const native = await flowApi(createNativeBackend(binding))
  impls.push({ name: 'native sync', kind: 'sync', fn: native.sync })
  impls.push({ name: 'native async (own pool)', kind: 'async', fn: native.async })
}
if (testingBinding) {
  // The same code scheduled through napi's AsyncTask on libuv's pool (4 threads, shared with fs/dns/zlib).
  const libuv = await flowApi(createNativeBackend(testingBinding))
  impls.push({ name: 'native async (libuv pool, AsyncTask)', kind: 'async', fn: libuv.async, pool: 'libuv' })
}
if (pureBinding) {
  const pure = await flowApi(createNativeBackend(pureBinding))
  impls.push({ name: 'pure-rust sync', kind: 'sync', fn: pure.sync })
  impls.push({ name: 'pure-rust async (own pool)', kind: 'async', fn: pure.async })
}
try {
  const web = await flowApi(createWebCryptoBackend())
  impls.push({ name: 'webcrypto async', kind: 'async', fn: web.async })
} catch (e) {
  console.error(`webcrypto backend unavailable: ${e.message}`)
}

/** Only the testing build can switch pools: it runs on libuv's for its row, on its own pool otherwise. */
function setPool(impl) {
  testingBinding?.setThreadPool(impl.pool === 'libuv' ? 'libuv' : 'own')
}

// ---- 1. outputs agree ----
for (const impl of impls) {
  setPool(impl)
  for (const { body, ...sealed } of fixtures.slice(0, 4)) {
    const { request, out } = await impl.fn(body)
    if (JSON.stringify(request) !== JSON.stringify(requestPayload)) throw new Error(`${impl.name}: decrypted request differs`)
    if (JSON.stringify(openAnswer(out, sealed)) !== JSON.stringify(responseObject))
      throw new Error(`${impl.name}: response does not decrypt to the expected object`)
    // Same key, same IV, same plaintext: every implementation must produce the reference's exact bytes.
    if (out !== referenceRoundTrip(body).out) throw new Error(`${impl.name}: ciphertext differs from the reference`)
  }
}
console.error(`outputs agree across ${impls.length} implementations`)

// ---- 2. per-op time of the sync paths (benchmark.js) ----
function perOp(fn) {
  return new Promise((resolve) => {
    let i = 0
    new Benchmark('op', () => fn(bodies[i++ & 255]), { minSamples: 20, maxTime: SECONDS })
      .on('complete', function () {
        resolve({ ms: this.stats.mean * 1000, rme: this.stats.rme })
      })
      .run()
  })
}

// ---- 3. throughput with a 1 ms timer watching the JS thread ----
function watchLoop() {
  const gaps = []
  let last = performance.now()
  const t = setInterval(() => {
    const now = performance.now()
    gaps.push(now - last)
    last = now
  }, 1)
  return () => {
    clearInterval(t)
    gaps.push(performance.now() - last) // the gap still open when the run ended
    gaps.sort((a, b) => a - b)
    return gaps[Math.min(gaps.length - 1, Math.floor(gaps.length * 0.99))]
  }
}

async function throughput(impl) {
  setPool(impl)
  const stop = watchLoop()
  await new Promise((r) => setTimeout(r, 5))
  const end = performance.now() + SECONDS * 1000
  let ops = 0
  const t0 = performance.now()
  if (impl.kind === 'sync') {
    let i = 0
    while (performance.now() < end) {
      impl.fn(bodies[i++ & 255])
      ops++
    }
  } else {
    let i = 0
    const worker = async () => {
      while (performance.now() < end) {
        await impl.fn(bodies[i++ & 255])
        ops++
      }
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  }
  const secs = (performance.now() - t0) / 1000
  await new Promise((r) => setTimeout(r, 5))
  return { opsPerSec: ops / secs, p99GapMs: stop() }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
// The machine is shared and its speed drifts between runs: each implementation runs right after a run of the
// reference, and its ratio is taken within that pair; the table gives the median (and range) of those ratios.
const results = new Map(impls.map((i) => [i.name, { tput: [], gap: [], ratio: [] }]))
const ref = impls.find((i) => i.ref)
for (let round = 0; round < ROUNDS; round++) {
  for (const impl of impls.filter((i) => !i.ref)) {
    const base = await throughput(ref)
    results.get(ref.name).tput.push(base.opsPerSec)
    results.get(ref.name).gap.push(base.p99GapMs)
    const r = await throughput(impl)
    results.get(impl.name).tput.push(r.opsPerSec)
    results.get(impl.name).gap.push(r.p99GapMs)
    results.get(impl.name).ratio.push(r.opsPerSec / base.opsPerSec)
  }
  console.error(`round ${round + 1}/${ROUNDS} done`)
}
// Time per op of the sync paths, likewise paired: each measurement right after one of the reference.
const sync = new Map([[ref.name, { ms: [], rme: [], ratio: [1] }]])
for (let round = 0; round < 3; round++) {
  for (const impl of impls.filter((i) => i.kind === 'sync' && !i.ref)) {
    const base = await perOp(ref.fn)
    const own = await perOp(impl.fn)
    sync.get(ref.name).ms.push(base.ms)
    sync.get(ref.name).rme.push(base.rme)
    if (!sync.has(impl.name)) sync.set(impl.name, { ms: [], rme: [], ratio: [] })
    const entry = sync.get(impl.name)
    entry.ms.push(own.ms)
    entry.rme.push(own.rme)
    entry.ratio.push(own.ms / base.ms)
  }
}
testingBinding?.setThreadPool('own')

// ---- report ----
const lines = [
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${new Date().toISOString().slice(0, 10)}.`,
  `Workload: decrypt a ${JSON.stringify(requestPayload).length} B request + encrypt a ${JSON.stringify(responseObject).length} B response, RSA-2048. Throughput: median of ${ROUNDS} runs of ${SECONDS} s, async paths with ${IN_FLIGHT} requests in flight; × reference: median (min–max) of the ratios to a reference run just before each run. UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? 'default (4)'}.`,
  '',
  '| implementation | throughput (ops/s) | × reference | time per op, sync (ms) | × reference | p99 gap of a 1 ms timer (ms) |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
]
for (const impl of impls) {
  const r = results.get(impl.name)
  const t = median(r.tput)
  const s = sync.get(impl.name)
  const ratio = impl.ref ? '1.00' : `${median(r.ratio).toFixed(2)} (${Math.min(...r.ratio).toFixed(2)}–${Math.max(...r.ratio).toFixed(2)})`
  lines.push(
    `| ${impl.name} | ${t.toFixed(0)} | ${ratio} | ${s ? `${median(s.ms).toFixed(3)} ±${median(s.rme).toFixed(1)}%` : '—'} | ${s ? (impl.ref ? '1.00' : `${median(s.ratio).toFixed(2)} (${Math.min(...s.ratio).toFixed(2)}–${Math.max(...s.ratio).toFixed(2)})`) : '—'} | ${median(r.gap).toFixed(1)} |`,
  )
}
const table = lines.join('\n')
console.log(table)
mkdirSync(join(root, 'bench/results'), { recursive: true })
writeFileSync(join(root, 'bench/results/flow.md'), `${table}\n`)
