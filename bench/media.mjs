#!/usr/bin/env node
// Media benchmark (`npm run bench:media`): MB/s of verified decryption for one 64 MiB file and a batch of
// 64 × 1 MiB files on the native addon, WebCrypto and a straightforward node:crypto reference, plus peak RSS
// growth while downloading a 256 MiB file from a loopback CDN to disk. Writes bench/results/media.md.
import { spawn } from 'node:child_process'
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { createNativeBackend } from '../dist/backend/native.js'
import { createWebCryptoBackend } from '../dist/backend/webcrypto.js'
import { bindMedia } from '../dist/media/node.js'
import { loadNativeBinding } from '../dist/node/loader.js'

const MiB = 1 << 20
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)

// ---- child mode: download one file with downloadMedia({ to }) while sampling RSS --------------------------
if (process.argv[2] === '--download-child') {
  const [, , , itemJson, outDir] = process.argv
  const media = bindMedia({ backend: createNativeBackend(loadNativeBinding()) })
  const item = JSON.parse(itemJson)
  // Load fetch (undici is loaded lazily, ~15 MiB) before the baseline: measure the file, not the first fetch.
  await (await fetch(new URL('/warmup', item.cdn_url))).arrayBuffer()
  globalThis.gc?.()
  const base = process.memoryUsage.rss()
  let peak = base
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }, 5)
  const t0 = performance.now()
  const path = await media.downloadMedia(item, { to: outDir, maxBytes: 512 * MiB, timeoutMs: 0 })
  const seconds = (performance.now() - t0) / 1000
  peak = Math.max(peak, process.memoryUsage.rss())
  clearInterval(timer)
  process.stdout.write(JSON.stringify({ base, peak, seconds, path }))
  process.exit(0)
}

// ---- fixtures -----------------------------------------------------------------------------------------------
const b64 = (b) => Buffer.from(b).toString('base64')

function fill(n) {
  const block = randomBytes(64 * 1024)
  const out = Buffer.allocUnsafe(n)
  for (let o = 0; o < n; o += block.length) block.copy(out, o, 0, Math.min(block.length, n - o))
  return out
}

function encrypt(plaintext) {
  const [key, hmacKey, iv] = [randomBytes(32), randomBytes(32), randomBytes(16)]
  const c = createCipheriv('aes-256-cbc', key, iv)
  const ct = Buffer.concat([c.update(plaintext), c.final()])
  const tag = createHmac('sha256', hmacKey).update(iv).update(ct).digest().subarray(0, 10)
  const cdnFile = Buffer.concat([ct, tag])
  const metadata = {
    encryption_key: b64(key),
    hmac_key: b64(hmacKey),
    iv: b64(iv),
    plaintext_hash: b64(createHash('sha256').update(plaintext).digest()),
    encrypted_hash: b64(createHash('sha256').update(cdnFile).digest()),
  }
  return { cdnFile, metadata, plaintext }
}

/** The straightforward node:crypto way: four objects fed 64 KiB at a time, constant-time compares at the end. */
async function reference(cdnFile, m) {
  const CH = 64 * 1024
  const dec = (k) => Buffer.from(m[k], 'base64')
  const iv = dec('iv')
  const ctLen = cdnFile.length - 10
  const outer = createHash('sha256')
  const mac = createHmac('sha256', dec('hmac_key')).update(iv)
  const decipher = createDecipheriv('aes-256-cbc', dec('encryption_key'), iv)
  const inner = createHash('sha256')
  const parts = []
  for (let o = 0; o < cdnFile.length; o += CH) outer.update(cdnFile.subarray(o, Math.min(o + CH, cdnFile.length)))
  for (let o = 0; o < ctLen; o += CH) {
    const ct = cdnFile.subarray(o, Math.min(o + CH, ctLen))
    mac.update(ct)
    const pt = decipher.update(ct)
    inner.update(pt)
    parts.push(pt)
  }
  const last = decipher.final()
  inner.update(last)
  parts.push(last)
  const { timingSafeEqual } = await import('node:crypto')
  if (!timingSafeEqual(outer.digest(), dec('encrypted_hash'))) throw new Error('encrypted_hash')
  if (!timingSafeEqual(mac.digest().subarray(0, 10), cdnFile.subarray(ctLen))) throw new Error('hmac')
  if (!timingSafeEqual(inner.digest(), dec('plaintext_hash'))) throw new Error('plaintext_hash')
  return Buffer.concat(parts)
}

const native = bindMedia({ backend: createNativeBackend(loadNativeBinding()) })
const web = bindMedia({ backend: createWebCryptoBackend() })
const impls = {
  native: (f) => native.decryptMedia(f.cdnFile, f.metadata),
  webcrypto: (f) => web.decryptMedia(f.cdnFile, f.metadata),
  'node:crypto reference': (f) => reference(f.cdnFile, f.metadata),
}
const batchOf = {
  native: (files) => Promise.all(files.map(impls.native)),
  webcrypto: (files) => Promise.all(files.map(impls.webcrypto)),
  'node:crypto reference': async (files) => {
    const out = []
    for (const f of files) out.push(await reference(f.cdnFile, f.metadata))
    return out
  },
}

process.stderr.write('bench:media: preparing fixtures…\n')
const single = encrypt(fill(64 * MiB))
const batch = Array.from({ length: 64 }, () => encrypt(fill(MiB)))

// Outputs must agree before anything is timed.
for (const [name, run] of Object.entries(impls)) {
  const pt = Buffer.from(await run(single))
  if (!pt.equals(single.plaintext)) throw new Error(`${name}: wrong plaintext for the 64 MiB file`)
}
for (const [name, run] of Object.entries(batchOf)) {
  const pts = await run(batch)
  pts.forEach((pt, i) => {
    if (!Buffer.from(pt).equals(batch[i].plaintext)) throw new Error(`${name}: wrong plaintext for batch file ${i}`)
  })
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
async function time(fn) {
  const t0 = performance.now()
  await fn()
  return (performance.now() - t0) / 1000
}
const times = { single: {}, batch: {} }
for (const name of Object.keys(impls)) times.single[name] = []
for (const name of Object.keys(impls)) times.batch[name] = []
for (let r = 0; r < ROUNDS; r++) {
  // Interleaved rounds: the three implementations see the same machine load.
  for (const name of Object.keys(impls)) times.single[name].push(await time(() => impls[name](single)))
  for (const name of Object.keys(impls)) times.batch[name].push(await time(() => batchOf[name](batch)))
  process.stderr.write(`bench:media: round ${r + 1}/${ROUNDS}\n`)
}
const mbps = (bytes, s) => bytes / 1e6 / s
const singleBytes = single.cdnFile.length
const batchBytes = batch.reduce((n, f) => n + f.cdnFile.length, 0)
const rows = Object.keys(impls).map((name) => {
  const s = mbps(singleBytes, median(times.single[name]))
  const b = mbps(batchBytes, median(times.batch[name]))
  return { name, s, b }
})
const ref = rows.find((r) => r.name === 'node:crypto reference')

// ---- 256 MiB download to disk, RSS measured in a child process --------------------------------------------
async function downloadBench() {
  const dir = await mkdtemp(join(tmpdir(), 'wa-media-bench-'))
  try {
    const src = join(dir, 'cdn.bin')
    const size = 256 * MiB
    // Encrypt to disk in 4 MiB pieces (constant memory).
    const [key, hmacKey, iv] = [randomBytes(32), randomBytes(32), randomBytes(16)]
    const cipher = createCipheriv('aes-256-cbc', key, iv)
    const mac = createHmac('sha256', hmacKey).update(iv)
    const outer = createHash('sha256')
    const inner = createHash('sha256')
    const ws = createWriteStream(src)
    const put = async (b) => {
      outer.update(b)
      if (!ws.write(b)) await new Promise((r) => ws.once('drain', r))
    }
    const piece = fill(4 * MiB)
    for (let o = 0; o < size; o += piece.length) {
      inner.update(piece)
      const ct = cipher.update(piece)
      mac.update(ct)
      await put(ct)
    }
    const last = cipher.final()
    mac.update(last)
    await put(last)
    await put(mac.digest().subarray(0, 10))
    await new Promise((r) => ws.end(r))
    const fileSize = (await stat(src)).size
    const server = createServer((req, res) => {
      if (req.url === '/warmup') return res.end('ok')
      res.writeHead(200, { 'content-length': fileSize, 'content-type': 'application/octet-stream' })
      createReadStream(src).pipe(res)
    })
    await new Promise((r) => server.listen(0, '127.0.0.1', r))
    const item = {
      media_id: 'bench',
      cdn_url: `http://127.0.0.1:${server.address().port}/cdn.bin`,
      file_name: 'big.bin',
      encryption_metadata: {
        encryption_key: b64(key),
        hmac_key: b64(hmacKey),
        iv: b64(iv),
        plaintext_hash: b64(inner.digest()),
        encrypted_hash: b64(outer.digest()),
      },
    }
    const out = join(dir, 'out')
    await mkdir(out)
    const child = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--download-child', JSON.stringify(item), out], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let text = ''
    child.stdout.on('data', (d) => (text += d))
    const code = await new Promise((r) => child.on('close', r))
    server.close()
    if (code !== 0) throw new Error(`the download child exited with ${code}`)
    const result = JSON.parse(text)
    const written = (await stat(result.path)).size
    if (written !== size) throw new Error(`downloaded ${written} bytes, expected ${size}`)
    const listing = await readdir(out)
    return { ...result, fileSize, listing }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
process.stderr.write('bench:media: 256 MiB download…\n')
const dl = await downloadBench()
const growth = (dl.peak - dl.base) / MiB

const fmt = (x) => x.toFixed(0)
const ratio = (x) => `${(x / ref.s).toFixed(2)}×`
const ratioB = (x) => `${(x / ref.b).toFixed(2)}×`
const table = [
  `| backend | 64 MiB file (MB/s) | vs reference | 64 × 1 MiB batch (MB/s) | vs reference |`,
  `|---|---:|---:|---:|---:|`,
  ...rows.map((r) => `| ${r.name} | ${fmt(r.s)} | ${ratio(r.s)} | ${fmt(r.b)} | ${ratioB(r.b)} |`),
].join('\n')
const nat = rows.find((r) => r.name === 'native')
const goals = [
  `| goal | target | measured | |`,
  `|---|---:|---:|---|`,
  `| native 64 MiB file vs reference | ≥ 1.70× | ${(nat.s / ref.s).toFixed(2)}× | ${nat.s / ref.s >= 1.7 ? 'met' : 'MISSED'} |`,
  `| native batch vs reference | ≥ 1.80× | ${(nat.b / ref.b).toFixed(2)}× | ${nat.b / ref.b >= 1.8 ? 'met' : 'MISSED'} |`,
  `| 256 MiB download to disk: peak RSS growth | ≤ 64 MiB | ${growth.toFixed(1)} MiB (${fmt(mbps(dl.fileSize, dl.seconds))} MB/s) | ${growth <= 64 ? 'met' : 'MISSED'} |`,
].join('\n')
const os = await import('node:os')
const load = os
  .loadavg()
  .map((x) => x.toFixed(1))
  .join(' / ')
const md = `# Media benchmark

\`npm run bench:media\` — ${new Date().toISOString()}, Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}.
Load average at the end (1/5/15 min): ${load} — the machine is shared; with other work on both cores the parallel gains shrink.
Median of ${ROUNDS} interleaved rounds; MB/s of CDN-file bytes (10^6 B/s), every check included.
Reference: node:crypto createHash + createHmac + createDecipheriv + createHash over 64 KiB chunks, one file after another.
Native and WebCrypto run the batch with all 64 calls in flight at once.
Download: native backend, \`downloadMedia(item, { to: dir })\` in a child process sampling \`process.memoryUsage.rss()\` every 5 ms; the baseline is taken after one small fetch (Node loads its fetch implementation lazily, ~15 MiB).

${table}

${goals}
`
await mkdir(new URL('./results/', import.meta.url), { recursive: true })
await writeFile(new URL('./results/media.md', import.meta.url), md)
process.stdout.write(md)
