// The addon's glue (crates/flows-node on napi-rs): the generated declaration matches the committed one, the release
// build carries no test-only exports, misuse of the raw binding never crashes, panics are caught and quiet, promises
// settle on the JS thread with the own pool and with libuv's, native handles are finalized, worker threads have
// their own state and can be terminated mid-work. Test-only hooks come from the `testing` build.
import test from 'ava'
import { execFileSync, spawnSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

import { encryptResponse, FlowInternalError, FlowKeyError, loadPrivateKey } from '../dist/index.js'
import { nativeBinding as native } from './helpers/backends.mjs'

const triple = (await import('../dist/node/loader.js')).platformTriple()
const releasePath = `${process.cwd()}/native/whatsapp-flows.${triple}.node`
const testingPath = `${process.cwd()}/native/whatsapp-flows-testing.${triple}.node`
const testing = createRequire(import.meta.url)(testingPath)
const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' })
const enc = new TextEncoder()

const TEST_ONLY = ['__panic', '__liveHandles', '__failNextSpawn', 'setThreadPool', 'threadPool']

test('the native addon is built and loads', (t) => {
  t.truthy(native, 'native addon must load (npm install builds it)')
  t.is(native.version(), JSON.parse(readFileSync('package.json', 'utf8')).version)
  t.is(native.rsaBackend(), 'openssl')
})

test('the committed declaration (src/node/native-binding.ts) is the one napi-rs generates, and lists every export', (t) => {
  const generated = readFileSync('native/binding.d.ts', 'utf8')
  t.is(readFileSync('src/node/native-binding.ts', 'utf8'), generated, 'run `npm run build:native -- --update-dts`')
  const declared = [...generated.matchAll(/^export declare (?:function|class) (\w+)/gm)].map((m) => m[1]).sort()
  t.deepEqual(Object.keys(native).sort(), declared)
})

test('the release addon has no test-only exports; the testing build has them', (t) => {
  for (const name of TEST_ONLY) {
    t.false(name in native, name)
    t.is(typeof testing[name], 'function', name)
  }
  t.false('__panicNextStep' in native.MediaDecryptor.prototype)
})

test('misusing the raw binding throws an Error with a status code for every export; nothing crashes', (t) => {
  const key = native.loadKey(enc.encode(pem))
  const bytes = new Uint8Array(16)
  const cases = [
    () => native.loadKey('pem text'),
    () => native.loadKey(enc.encode(pem), 42),
    () => native.decryptRequest(key, 'x', bytes, bytes),
    () => native.decryptRequest({}, bytes, bytes, bytes),
    () => native.decryptRequestSync(key, bytes, 'x', bytes),
    () => native.encryptResponse(bytes, bytes),
    () => native.encryptResponseSync(bytes, bytes, [1, 2]),
    () => native.decryptMedia(bytes, bytes, bytes, bytes, bytes),
    () => native.mediaDecryptor('full', bytes, bytes, bytes, bytes, 'x'),
    () => native.mediaDecryptor('sideways', bytes, bytes, bytes, bytes, bytes),
  ]
  for (const [i, fn] of cases.entries()) {
    const err = t.throws(fn, { instanceOf: Error }, `case ${i}`)
    t.is(typeof err.code, 'string', `case ${i}`)
  }
  t.is(native.loadKey(enc.encode(pem)).bits, 2048, 'still usable')
})

test('the public API refuses the same misuse with TypeError (ERR_INVALID_ARG_TYPE), detached buffers included', async (t) => {
  const key = await loadPrivateKey(pem)
  const material = { aesKey: new Uint8Array(16), iv: new Uint8Array(16) }
  const ab = new ArrayBuffer(32)
  const view = new Uint8Array(ab)
  structuredClone(ab, { transfer: [ab] }) // detaches `view`
  const cases = [
    () => loadPrivateKey(42),
    () => loadPrivateKey(pem, { passphrase: 42 }),
    () => encryptResponse({ a: 1 }, { aesKey: new Uint8Array(15), iv: material.iv }),
    () => encryptResponse({ a: 1 }, { aesKey: material.aesKey, iv: 'x' }),
    () => encryptResponse(42, material),
    () => encryptResponse(view, material),
  ]
  for (const [i, fn] of cases.entries()) {
    const err = await t.throwsAsync(async () => fn(), { instanceOf: TypeError }, `case ${i}`)
    t.is(err.code, 'ERR_INVALID_ARG_TYPE', `case ${i}`)
  }
  t.is(key.bits, 2048)
})

test('a Rust panic becomes ERR_FLOW_INTERNAL, sync and async; the process survives', async (t) => {
  const sync = t.throws(() => testing.__panic('sync'))
  t.is(sync.code, 'ERR_FLOW_INTERNAL')
  t.is(sync.reason, 'panic')
  const asyncErr = await t.throwsAsync(testing.__panic('async'))
  t.is(asyncErr.code, 'ERR_FLOW_INTERNAL')
  t.is(testing.loadKey(enc.encode(pem)).bits, 2048)
})

test('panics are quiet on stderr unless WA_FLOWS_DEBUG=1 asks for debugging output', (t) => {
  const script = `
    const m = require(${JSON.stringify(testingPath)});
    try { m.__panic('sync') } catch (e) { console.log(e.code) }
    m.__panic('async').catch((e) => console.log(e.code));`
  const run = (env) => spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, ...env } })
  const quiet = run({ RUST_BACKTRACE: '1' })
  t.is(quiet.stdout.trim(), 'ERR_FLOW_INTERNAL\nERR_FLOW_INTERNAL')
  t.is(quiet.stderr, '')
  const loud = run({ WA_FLOWS_DEBUG: '1' })
  t.regex(loud.stderr, /deliberate panic \(sync\)/)
  t.regex(loud.stderr, /deliberate panic \(async\)/)
})

test('native handles are finalized when collected', async (t) => {
  const script = `
    const m = require(${JSON.stringify(testingPath)});
    const pem = ${JSON.stringify(pem)};
    const before = m.__liveHandles();
    (function () {
      for (let i = 0; i < 300; i++) m.loadKey(Buffer.from(pem));
      const k = new Uint8Array(32), iv = new Uint8Array(16);
      for (let i = 0; i < 300; i++) m.mediaDecryptor('full', k, k, iv, k, k);
    })();
    const during = m.__liveHandles();
    (async () => {
      for (let i = 0; i < 20 && m.__liveHandles() > before; i++) { globalThis.gc(); await new Promise(r => setTimeout(r, 20)); }
      console.log(JSON.stringify({ before, during, after: m.__liveHandles() }));
    })();`
  const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' }))
  t.is(out.during - out.before, 600)
  t.is(out.after, out.before)
})

test("promises settle on the JS thread under many concurrent jobs, on the own pool and on libuv's", async (t) => {
  for (const mode of ['own', 'libuv']) {
    testing.setThreadPool(mode)
    t.is(testing.threadPool(), mode)
    const key = new Uint8Array(16).fill(7)
    const iv = new Uint8Array(16).fill(9)
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => testing.encryptResponse(key, iv, enc.encode(`payload ${i}`))))
    for (const [i, ct] of results.entries())
      t.deepEqual(new Uint8Array(ct), new Uint8Array(testing.encryptResponseSync(key, iv, enc.encode(`payload ${i}`))))
    const bad = await t.throwsAsync(testing.decryptRequest(testing.loadKey(enc.encode(pem)), new Uint8Array(256), iv, new Uint8Array(32)))
    t.is(bad.code, 'ERR_FLOW_DECRYPTION_FAILED')
  }
  t.throws(() => testing.setThreadPool('fast'), { code: 'ERR_INVALID_ARG_VALUE' })
  testing.setThreadPool('own')
})

test('a media step that panics clears the busy flag: the decryptor answers the next call', async (t) => {
  const k = new Uint8Array(32)
  const d = testing.mediaDecryptor('full', k, k, new Uint8Array(16), k, k)
  d.__panicNextStep()
  const e = await t.throwsAsync(d.update(new Uint8Array(64)))
  t.is(e.code, 'ERR_FLOW_INTERNAL')
  t.is((await d.update(new Uint8Array(64))).length, 32, 'not stuck "busy"')
  // While a large step runs, a second call is refused at once (the steps of one stream are sequential).
  const busy = d.update(new Uint8Array(64 << 20))
  const second = t.throws(() => d.update(new Uint8Array(16)), { code: 'ERR_FLOW_INTERNAL' })
  t.is(second.reason, 'stream-busy')
  await busy
})

test('work that cannot be scheduled fails at once (no promise left pending), through the public API too', async (t) => {
  testing.__failNextSpawn()
  const e = t.throws(() => testing.encryptResponse(new Uint8Array(16), new Uint8Array(16), new Uint8Array(10)))
  t.is(e.code, 'ERR_FLOW_INTERNAL')
  t.is(e.reason, 'thread-pool')
  // Through the TS backend the failure is a rejection with the table's class.
  const { createNativeBackend } = await import('../dist/backend/native.js')
  const backend = createNativeBackend(testing)
  testing.__failNextSpawn()
  const rejected = await t.throwsAsync(backend.encryptResponse(new Uint8Array(16), new Uint8Array(16), new Uint8Array(1 << 20)), {
    instanceOf: FlowInternalError,
  })
  t.is(rejected.reason, 'thread-pool')
  t.is((await backend.encryptResponse(new Uint8Array(16), new Uint8Array(16), new Uint8Array(1 << 20))).length, (1 << 20) + 16)
})

test("native errors carry code and reason as properties and map to the table's classes", async (t) => {
  const e = t.throws(() => native.loadKey(enc.encode('not a key')))
  t.is(e.code, 'ERR_FLOW_KEY_INVALID')
  t.is(e.reason, 'malformed')
  const { fromNative } = await import('../dist/backend/native.js')
  const mapped = fromNative(e)
  t.true(mapped instanceof FlowKeyError)
  t.is(mapped.reason, 'malformed')
})

test('a pending job keeps the process alive until it settles, then the idle addon lets it exit', (t) => {
  const out = execFileSync(
    process.execPath,
    [
      '-e',
      `
    const m = require(${JSON.stringify(releasePath)});
    const k = new Uint8Array(16), iv = new Uint8Array(16);
    m.encryptResponse(k, iv, new Uint8Array(1 << 20)).then(b => console.log('done', b.length));`,
    ],
    { encoding: 'utf8', timeout: 10_000 },
  )
  t.is(out.trim(), `done ${(1 << 20) + 16}`)
})

test('the addon works in worker threads (per-environment state) alongside the main thread', async (t) => {
  const code = `
    const { parentPort } = require('node:worker_threads');
    const m = require(${JSON.stringify(releasePath)});
    const k = new Uint8Array(16).fill(1), iv = new Uint8Array(16).fill(2);
    Promise.all(Array.from({ length: 50 }, () => m.encryptResponse(k, iv, new Uint8Array(100))))
      .then(r => parentPort.postMessage(r.length));`
  const runs = await Promise.all(
    [1, 2, 3].map(
      () =>
        new Promise((resolve, reject) => {
          const w = new Worker(code, { eval: true })
          w.once('message', resolve)
          w.once('error', reject)
        }),
    ),
  )
  t.deepEqual(runs, [50, 50, 50])
  t.is((await native.encryptResponse(new Uint8Array(16), new Uint8Array(16), new Uint8Array(10))).length, 26)
})

test('the .node links no libssl/libcrypto (OpenSSL is built from source and linked statically)', (t) => {
  t.true(existsSync(releasePath))
  const ldd = execFileSync('ldd', [releasePath], { encoding: 'utf8' })
  t.notRegex(ldd, /libssl|libcrypto/)
  const needed = execFileSync('readelf', ['-d', releasePath], { encoding: 'utf8' })
  t.notRegex(needed, /NEEDED.*(libssl|libcrypto)/)
})

test('terminating a worker thread with jobs in flight neither crashes nor leaks into other environments', (t) => {
  // One pool thread makes sure jobs are still queued when the worker's environment is torn down.
  const script = `
    const { Worker } = require('node:worker_threads');
    const m = require(${JSON.stringify(releasePath)});
    const child = \`
      const { parentPort } = require('node:worker_threads');
      const m = require(${JSON.stringify(releasePath)});
      const k = new Uint8Array(16), iv = new Uint8Array(16), pt = new Uint8Array(16 << 20);
      for (let i = 0; i < 6; i++) m.encryptResponse(k, iv, pt);
      parentPort.postMessage('queued');\`;
    (async () => {
      for (let round = 0; round < 3; round++) {
        const w = new Worker(child, { eval: true });
        await new Promise((r) => w.once('message', r));
        await w.terminate();
        await new Promise((r) => setTimeout(r, 300));
      }
      const out = await m.encryptResponse(new Uint8Array(16), new Uint8Array(16), new Uint8Array(100));
      console.log('main ok', out.length);
    })();`
  const out = execFileSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, WA_FLOWS_THREADS: '1' },
  })
  t.is(out.trim(), 'main ok 116')
})
