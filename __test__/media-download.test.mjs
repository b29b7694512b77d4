// downloadMedia and decryptMediaBatch against a loopback CDN: verified bytes and files, HTTP errors, a cut
// body, timeouts, aborts, size limits, nothing left behind on failure, safe and unique file names.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'

import { bindMedia } from '../dist/media/node.js'
import { collectMediaItems } from '../dist/media/collect.js'
import { safeFileName } from '../dist/media/names.js'
import { runtimes } from './helpers/backends.mjs'
import { encryptMedia, serve, startCdn, tamperHmac, testBytes } from './helpers/media-fixtures.mjs'

const good = encryptMedia(testBytes(300_000))
const small = encryptMedia(testBytes(1000))
const tampered = tamperHmac(encryptMedia(testBytes(5000)))
const big = encryptMedia(testBytes(2 << 20))

let cdn
const item = (path, f, file_name = 'photo.jpg', media_id = path.slice(1)) => ({
  media_id,
  cdn_url: cdn.url(path),
  file_name,
  encryption_metadata: f.metadata,
})

test.before(async () => {
  cdn = await startCdn({
    '/good': serve(good.cdnFile),
    '/small': serve(small.cdnFile),
    '/tampered': serve(tampered.cdnFile),
    '/big': serve(big.cdnFile),
    '/forbidden': (_req, res) => res.writeHead(403).end('no'),
    '/cut': (_req, res) => {
      // Announces the whole file, sends half, then drops the connection.
      res.writeHead(200, { 'content-length': good.cdnFile.length })
      res.write(good.cdnFile.subarray(0, 100_000), () => res.destroy())
    },
    '/slow': (_req, res) => {
      res.writeHead(200, { 'content-length': good.cdnFile.length })
      res.write(good.cdnFile.subarray(0, 1000))
      // …and never more.
    },
    '/hang': () => {
      // No answer at all.
    },
    '/half': (_req, res) => {
      // Two thirds of the file, then silence (until the client gives up).
      res.writeHead(200, { 'content-length': good.cdnFile.length })
      res.write(good.cdnFile.subarray(0, 200_000))
    },
    '/chunked-big': (_req, res) => {
      // No Content-Length: the limit must be enforced while streaming.
      res.writeHead(200)
      let off = 0
      const push = () => {
        while (off < big.cdnFile.length) {
          const part = big.cdnFile.subarray(off, off + 65536)
          off += part.length
          if (!res.write(part)) return res.once('drain', push)
        }
        res.end()
      }
      push()
    },
  })
})
test.after.always(() => cdn?.close())

const tempDir = () => mkdtemp(join(tmpdir(), 'wa-media-test-'))

for (const runtime of runtimes) {
  const media = bindMedia(runtime)
  const name = (t) => `${runtime.name}: ${t}`

  test(name('downloads verified bytes'), async (t) => {
    const pt = await media.downloadMedia(item('/good', good))
    t.true(Buffer.from(pt).equals(good.plaintext))
  })

  test(name('downloads into a directory under the safe file name; into an exact path'), async (t) => {
    const dir = await tempDir()
    try {
      const p = await media.downloadMedia(item('/good', good, '../../photo.jpg'), { to: dir })
      t.is(p, join(dir, 'photo.jpg'))
      t.true((await readFile(p)).equals(good.plaintext))
      const p2 = await media.downloadMedia(item('/good', good), { to: dir })
      t.is(p2, join(dir, 'photo (1).jpg'))
      const exact = join(dir, 'exact.bin')
      t.is(await media.downloadMedia(item('/small', small), { to: exact }), exact)
      t.true((await readFile(exact)).equals(small.plaintext))
      t.deepEqual((await readdir(dir)).sort(), ['exact.bin', 'photo (1).jpg', 'photo.jpg'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  const failures = [
    ['HTTP 404', '/missing', {}, { code: 'ERR_MEDIA_DOWNLOAD_FAILED', httpStatus: 404 }],
    ['HTTP 403', '/forbidden', {}, { code: 'ERR_MEDIA_DOWNLOAD_FAILED', httpStatus: 403 }],
    ['a body cut short', '/cut', {}, { code: 'ERR_MEDIA_DOWNLOAD_FAILED' }],
    ['a server too slow (body)', '/slow', { timeoutMs: 300 }, { code: 'ERR_MEDIA_DOWNLOAD_FAILED', message: /timed out/ }],
    ['a server too slow (headers)', '/hang', { timeoutMs: 300 }, { code: 'ERR_MEDIA_DOWNLOAD_FAILED', message: /timed out/ }],
    ['a Content-Length over maxBytes', '/big', { maxBytes: 1 << 20 }, { code: 'ERR_MEDIA_DOWNLOAD_FAILED', message: /maxBytes/ }],
    ['a streamed body over maxBytes', '/chunked-big', { maxBytes: 1 << 20 }, { code: 'ERR_MEDIA_DOWNLOAD_FAILED', message: /maxBytes/ }],
    ['a tampered file', '/tampered', {}, { code: 'ERR_MEDIA_HMAC_MISMATCH' }],
  ]
  for (const [what, path, options, expected] of failures) {
    test(name(`${what} fails and leaves nothing behind`), async (t) => {
      const { httpStatus, ...match } = expected
      const f = path === '/tampered' ? tampered : path.includes('big') ? big : good
      const err = await t.throwsAsync(() => media.downloadMedia(item(path, f), options), match)
      if (httpStatus) t.is(err.httpStatus, httpStatus)
      const dir = await tempDir()
      try {
        const err2 = await t.throwsAsync(() => media.downloadMedia(item(path, f), { ...options, to: dir }), match)
        t.is(err2.name, err.name)
        t.deepEqual(await readdir(dir), [])
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    })
  }

  test(name('an abort via signal stops the download and leaves nothing behind'), async (t) => {
    const dir = await tempDir()
    try {
      const ac = new AbortController()
      setTimeout(() => ac.abort(), 100)
      const err = await t.throwsAsync(() => media.downloadMedia(item('/slow', good), { to: dir, signal: ac.signal }), {
        code: 'ERR_MEDIA_DOWNLOAD_FAILED',
        message: /aborted/,
      })
      t.is(err.name, 'MediaDownloadError')
      t.deepEqual(await readdir(dir), [])
      await t.throwsAsync(() => media.downloadMedia(item('/good', good), { signal: AbortSignal.abort() }), { message: /aborted/ })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test(name('while a download is in flight the disk holds only ciphertext, never decrypted bytes'), async (t) => {
    const dir = await tempDir()
    try {
      const ac = new AbortController()
      const pending = media.downloadMedia(item('/half', good), { to: dir, signal: ac.signal })
      // The CDN sent 200 000 of the 300 026 bytes and waits: look at what is on disk now.
      await cdn.waitFor('/half')
      await new Promise((r) => setTimeout(r, 300))
      const names = await readdir(dir)
      t.true(
        names.every((n) => n.startsWith('.') && n.endsWith('.part')),
        names.join(','),
      )
      const plaintextProbe = good.plaintext.subarray(1000, 1064)
      for (const n of names) {
        const bytes = await readFile(join(dir, n))
        t.false(bytes.includes(plaintextProbe), `${n} holds decrypted bytes`)
        if (n.endsWith('.enc.part')) t.true(good.cdnFile.subarray(0, bytes.length).equals(bytes), 'the ciphertext as received')
      }
      ac.abort()
      await t.throwsAsync(pending, { code: 'ERR_MEDIA_DOWNLOAD_FAILED' })
      t.deepEqual(await readdir(dir), [], 'an aborted download leaves nothing')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test(name('a batch aborted mid-download leaves no temp file, and finished files are whole'), async (t) => {
    const dir = await tempDir()
    try {
      const ac = new AbortController()
      const pending = media.decryptMediaBatch(
        [item('/small', small, 'done.bin'), item('/half', good, 'half.jpg'), item('/half', good, 'half2.jpg')],
        { outDir: dir, concurrency: 3, signal: ac.signal },
      )
      await cdn.waitFor('/half')
      await new Promise((r) => setTimeout(r, 300))
      ac.abort()
      const results = await pending
      t.deepEqual(
        results.map((r) => Boolean(r.path)),
        [true, false, false],
      )
      t.deepEqual(await readdir(dir), ['done.bin'])
      t.true((await readFile(join(dir, 'done.bin'))).equals(small.plaintext))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test(name('an injected fetch is used'), async (t) => {
    const seen = []
    const fetch = async (url, init) => {
      seen.push(url)
      return new Response(small.cdnFile, { status: 200 })
    }
    const pt = await media.downloadMedia({ ...item('/nowhere', small), cdn_url: 'https://cdn.example/x' }, { fetch })
    t.true(Buffer.from(pt).equals(small.plaintext))
    t.deepEqual(seen, ['https://cdn.example/x'])
  })

  test(name('a batch of good and bad files: results in order, files safe and unique, progress counted'), async (t) => {
    const dir = await tempDir()
    try {
      const items = [
        item('/good', good, 'a.jpg', 'm1'),
        item('/tampered', tampered, 'a.jpg', 'm2'),
        item('/good', good, 'a.jpg', 'm3'),
        item('/missing', good, 'b.jpg', 'm4'),
        item('/small', small, '../../x', 'm5'),
        item('/small', small, 'CON.txt', 'm6'),
        item('/small', small, '', 'm7'),
        item('/good', good, 'a.jpg', 'm8'),
      ]
      const progress = []
      const results = await media.decryptMediaBatch(items, { outDir: dir, concurrency: 3, onProgress: (p) => progress.push(p) })
      t.deepEqual(
        results.map((r) => r.media_id),
        ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8'],
      )
      t.is(results[1].error.code, 'ERR_MEDIA_HMAC_MISMATCH')
      t.is(results[3].error.code, 'ERR_MEDIA_DOWNLOAD_FAILED')
      t.is(results[3].error.httpStatus, 404)
      for (const i of [0, 2, 4, 5, 6, 7]) {
        t.is(results[i].error, undefined)
        t.true(results[i].path.startsWith(`${dir}/`))
        t.true((await readFile(results[i].path)).equals(items[i].encryption_metadata === good.metadata ? good.plaintext : small.plaintext))
      }
      t.is(results[4].path, join(dir, 'x'))
      t.is(results[5].path, join(dir, '_CON.txt'))
      t.is(results[6].path, join(dir, 'm7'))
      t.deepEqual((await readdir(dir)).sort(), ['_CON.txt', 'a (1).jpg', 'a (2).jpg', 'a.jpg', 'm7', 'x'])
      const last = progress.at(-1)
      t.deepEqual(
        { ...last, bytes: undefined, expectedBytes: undefined },
        { done: 8, failed: 2, total: 8, bytes: undefined, expectedBytes: undefined },
      )
      t.is(last.bytes, 3 * good.cdnFile.length + tampered.cdnFile.length + 3 * small.cdnFile.length)
      t.is(last.expectedBytes, last.bytes, 'once all is done, the estimate is what was downloaded')
      t.true(progress.every((p, i) => i === 0 || p.done >= progress[i - 1].done))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test(name('concurrent items with the same name never overwrite each other'), async (t) => {
    const dir = await tempDir()
    try {
      await writeFile(join(dir, 'same.jpg'), 'existing')
      const items = Array.from({ length: 6 }, (_, i) => item('/small', small, 'same.jpg', `s${i}`))
      const results = await media.decryptMediaBatch(items, { outDir: dir, concurrency: 6 })
      t.true(results.every((r) => !r.error))
      t.is(new Set(results.map((r) => r.path)).size, 6)
      t.is(await readFile(join(dir, 'same.jpg'), 'utf8'), 'existing')
      t.is((await readdir(dir)).length, 7)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test(name('an aborted batch reports every item as failed'), async (t) => {
    const dir = await tempDir()
    try {
      const results = await media.decryptMediaBatch([item('/good', good), item('/small', small)], {
        outDir: dir,
        signal: AbortSignal.abort(),
      })
      t.true(results.every((r) => r.error?.code === 'ERR_MEDIA_DOWNLOAD_FAILED'))
      t.deepEqual(await readdir(dir), [])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
}

test('safe file names', (t) => {
  t.is(safeFileName('../../x'), 'x')
  t.is(safeFileName('..\\..\\evil.exe'), 'evil.exe')
  t.is(safeFileName('/etc/passwd'), 'passwd')
  t.is(safeFileName('..'), 'media')
  t.is(safeFileName('..', 'id1'), 'id1')
  t.is(safeFileName('a\u0000b\nc.jpg'), 'abc.jpg')
  t.is(safeFileName('nul.txt'), '_nul.txt')
  t.is(safeFileName('lpt1'), '_lpt1')
  t.is(safeFileName(' .hidden. '), 'hidden')
  t.is(safeFileName('a<b>:c"|?*.png'), 'abc.png')
  t.is(safeFileName(`${'x'.repeat(500)}.jpeg`).length, 200)
  t.true(safeFileName(`${'x'.repeat(500)}.jpeg`).endsWith('.jpeg'))
  t.is(safeFileName(undefined, undefined), 'media')
})

test('collectMediaItems finds every item anywhere, in order', (t) => {
  const meta = { encryption_key: 'a', hmac_key: 'b', iv: 'c', plaintext_hash: 'd', encrypted_hash: 'e' }
  const a = { media_id: '1', cdn_url: 'https://x/1', file_name: 'a', encryption_metadata: meta }
  const b = { media_id: '2', cdn_url: 'https://x/2', file_name: 'b', encryption_metadata: meta }
  const c = { media_id: '3', cdn_url: 'https://x/3', file_name: 'c', encryption_metadata: meta }
  const value = { action: 'data_exchange', data: { photos: [a, { nested: [b] }], doc: c, other: { cdn_url: 'no metadata' } } }
  value.self = value
  t.deepEqual(collectMediaItems(value), [a, b, c])
  t.deepEqual(collectMediaItems([a, b]), [a, b])
  t.deepEqual(collectMediaItems('text'), [])
  t.deepEqual(collectMediaItems(null), [])
})
