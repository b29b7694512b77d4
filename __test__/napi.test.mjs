// The hand-written N-API layer: TypeErrors for bad arguments, panics caught at the boundary (sync and async),
// finalizers for native handles, promises settled on the JS thread, per-environment state in worker threads.
import test from 'ava'
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { Worker } from 'node:worker_threads'

import { nativeBinding as native } from './helpers/backends.mjs'

const addonPath = (await import('../dist/node/loader.js')).platformTriple()
const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' })
const enc = new TextEncoder()

test('the native addon is built and loads', (t) => {
  t.truthy(native, 'native addon must load (npm install builds it)')
  t.is(native.version(), JSON.parse(execFileSync('node', ['-p', 'JSON.stringify(require("./package.json").version)'], { encoding: 'utf8' })))
  t.is(native.rsaBackend(), 'openssl')
})

test('wrong argument types throw TypeError with a code, for every export', (t) => {
  const key = native.loadKey(enc.encode(pem))
  const bytes = new Uint8Array(16)
  const cases = [
    () => native.loadKey('pem text'),
    () => native.loadKey(enc.encode(pem), 42),
    () => native.keyBits({}),
    () => native.keyBits(bytes),
    () => native.decryptRequest(key, 'x', bytes, bytes),
    () => native.decryptRequest({}, bytes, bytes, bytes),
    () => native.decryptRequestSync(key, bytes, new Uint16Array(8), bytes),
    () => native.encryptResponse(bytes, bytes),
    () => native.encryptResponseSync(bytes, bytes, [1, 2]),
    () => native.decryptMedia(bytes, bytes, bytes, bytes, bytes),
    () => native.mediaDecryptor(bytes, bytes, bytes, bytes, 'x'),
    () => native.mediaUpdate(key, bytes), // a key handle is not a media handle: type tags differ
    () => native.mediaFinal({}),
    () => native.setThreadPool('fast'),
    () => {
      const ab = new ArrayBuffer(32)
      const view = new Uint8Array(ab)
      structuredClone(ab, { transfer: [ab] }) // detaches `view`
      return native.encryptResponseSync(bytes, bytes, view)
    },
  ]
  for (const [i, fn] of cases.entries()) {
    const err = t.throws(fn, { instanceOf: TypeError }, `case ${i}`)
    t.is(err.code, 'ERR_INVALID_ARG_TYPE', `case ${i}`)
  }
})

test('a Rust panic becomes a JS Error, sync and async; the process survives', async (t) => {
  const sync = t.throws(() => native.__panic('sync'))
  t.is(sync.code, 'ERR_FLOW_INTERNAL')
  t.regex(sync.message, /panic was caught/)
  const asyncErr = await t.throwsAsync(native.__panic('async'))
  t.is(asyncErr.code, 'ERR_FLOW_INTERNAL')
  // Still usable afterwards.
  t.is(native.keyBits(native.loadKey(enc.encode(pem))), 2048)
})

test('native handles are finalized when collected', async (t) => {
  const script = `
    const m = require(${JSON.stringify(`${process.cwd()}/native/whatsapp-flows.${addonPath}.node`)});
    const pem = ${JSON.stringify(pem)};
    const before = m.__liveHandles();
    (function () {
      for (let i = 0; i < 300; i++) m.loadKey(Buffer.from(pem));
      const k = new Uint8Array(32), iv = new Uint8Array(16);
      for (let i = 0; i < 300; i++) m.mediaDecryptor(k, k, iv, k, k);
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

test('promises settle on the JS thread under many concurrent jobs, in both pool modes', async (t) => {
  for (const mode of ['own', 'libuv']) {
    native.setThreadPool(mode)
    t.is(native.threadPool(), mode)
    const key = new Uint8Array(16).fill(7)
    const iv = new Uint8Array(16).fill(9)
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => native.encryptResponse(key, iv, enc.encode(`payload ${i}`))))
    for (const [i, ct] of results.entries()) t.deepEqual(new Uint8Array(ct), new Uint8Array(native.encryptResponseSync(key, iv, enc.encode(`payload ${i}`))))
  }
  native.setThreadPool('own')
})

test('a pending job keeps the process alive until it settles, then the idle addon lets it exit', (t) => {
  // The completion channel is referenced only while jobs are pending: this script must print and exit by itself.
  const file = `${process.cwd()}/native/whatsapp-flows.${addonPath}.node`
  const out = execFileSync(process.execPath, ['-e', `
    const m = require(${JSON.stringify(file)});
    const k = new Uint8Array(16), iv = new Uint8Array(16);
    m.encryptResponse(k, iv, new Uint8Array(1 << 20)).then(b => console.log('done', b.length));`], { encoding: 'utf8', timeout: 10_000 })
  t.is(out.trim(), `done ${(1 << 20) + 16}`)
})

test('the addon works in worker threads (per-environment state) alongside the main thread', async (t) => {
  const file = `${process.cwd()}/native/whatsapp-flows.${addonPath}.node`
  const code = `
    const { parentPort } = require('node:worker_threads');
    const m = require(${JSON.stringify(file)});
    const k = new Uint8Array(16).fill(1), iv = new Uint8Array(16).fill(2);
    Promise.all(Array.from({ length: 50 }, () => m.encryptResponse(k, iv, new Uint8Array(100))))
      .then(r => parentPort.postMessage(r.length));`
  const runs = await Promise.all([1, 2, 3].map(() => new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true })
    w.once('message', resolve)
    w.once('error', reject)
  })))
  t.deepEqual(runs, [50, 50, 50])
  t.is((await native.encryptResponse(new Uint8Array(16), new Uint8Array(16), new Uint8Array(10))).length, 26)
})

test('the .node links no libssl/libcrypto (OpenSSL is static)', (t) => {
  const file = `native/whatsapp-flows.${addonPath}.node`
  const ldd = execFileSync('ldd', [file], { encoding: 'utf8' })
  t.notRegex(ldd, /libssl|libcrypto/)
  const needed = execFileSync('readelf', ['-d', file], { encoding: 'utf8' })
  t.notRegex(needed, /NEEDED.*(libssl|libcrypto)/)
})

test('terminating a worker thread with jobs in flight neither crashes nor leaks into other environments', (t) => {
  // One pool thread makes sure jobs are still queued when the worker's environment is torn down.
  const file = `${process.cwd()}/native/whatsapp-flows.${addonPath}.node`
  const script = `
    const { Worker } = require('node:worker_threads');
    const m = require(${JSON.stringify(file)});
    const child = \`
      const { parentPort } = require('node:worker_threads');
      const m = require(${JSON.stringify(file)});
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
  const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, WHATSAPP_FLOWS_THREADS: '1' } })
  t.is(out.trim(), 'main ok 116')
})
