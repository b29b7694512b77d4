// `wa-flows decrypt-media` end to end through run(): files written, --json summary, failures named, exit codes.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'

import { spawn } from 'node:child_process'

import { etaSeconds, help, run } from '../dist/cli/decrypt-media.js'
import { cleanEnv, cliPath, lines, runCli } from './helpers/cli.mjs'
import { encryptMedia, serve, startCdn, tamperHmac, testBytes } from './helpers/media-fixtures.mjs'

const good = encryptMedia(testBytes(50_000))
const bad = tamperHmac(encryptMedia(testBytes(20_000)))
let cdn
let dir

test.before(async () => {
  cdn = await startCdn({
    '/good': serve(good.cdnFile),
    '/bad': serve(bad.cdnFile),
    '/stall': (_req, res) => {
      // Most of a file, then nothing more: the download is in flight when the signal comes.
      res.writeHead(200, { 'content-length': good.cdnFile.length })
      res.write(good.cdnFile.subarray(0, 40_000))
    },
  })
  dir = await mkdtemp(join(tmpdir(), 'wa-media-cli-'))
})
test.after.always(async () => {
  await cdn?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

function capture() {
  const out = []
  const err = []
  return {
    io: { stdout: { write: (s) => out.push(s) }, stderr: { write: (s) => err.push(s), isTTY: false } },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  }
}

const item = (path, f, file_name, media_id) => ({ media_id, cdn_url: cdn.url(path), file_name, encryption_metadata: f.metadata })

test.serial('a decrypted request: every item collected, written, summarised as JSON', async (t) => {
  const input = join(dir, 'request.json')
  const request = {
    version: '3.0',
    action: 'data_exchange',
    screen: 'S',
    data: { photos: [item('/good', good, '../../x.jpg', 'p1')], docs: [item('/good', good, 'doc.pdf', 'd1')] },
  }
  await writeFile(input, JSON.stringify(request))
  const out = join(dir, 'out1')
  const c = capture()
  const code = await run([input, '--out', out, '--json', '--concurrency', '2'], c.io)
  t.is(code, 0, c.stderr())
  const summary = JSON.parse(c.stdout())
  t.is(summary.total, 2)
  t.is(summary.ok, 2)
  t.is(summary.failed, 0)
  t.is(summary.bytes, 2 * good.cdnFile.length)
  t.deepEqual(
    summary.files.map((f) => f.path),
    [join(out, 'x.jpg'), join(out, 'doc.pdf')],
  )
  t.deepEqual((await readdir(out)).sort(), ['doc.pdf', 'x.jpg'])
  t.true((await readFile(join(out, 'x.jpg'))).equals(good.plaintext))
  t.regex(c.stderr(), /2 of 2 files written/)
})

test.serial('a failed file makes the exit code 1 and is named with its reason', async (t) => {
  const input = join(dir, 'items.json')
  await writeFile(
    input,
    JSON.stringify([item('/good', good, 'ok.jpg', 'a'), item('/bad', bad, 'evil.jpg', 'b'), item('/missing', good, 'gone.jpg', 'c')]),
  )
  const out = join(dir, 'out2')
  const c = capture()
  const code = await run([input, '-o', out, '--json'], c.io)
  t.is(code, 1)
  const summary = JSON.parse(c.stdout())
  t.is(summary.failed, 2)
  t.deepEqual(
    summary.files.map((f) => f.error?.code),
    [undefined, 'ERR_MEDIA_HMAC_MISMATCH', 'ERR_MEDIA_DOWNLOAD_FAILED'],
  )
  t.regex(c.stderr(), /failed evil\.jpg: ERR_MEDIA_HMAC_MISMATCH/)
  t.regex(c.stderr(), /failed gone\.jpg: ERR_MEDIA_DOWNLOAD_FAILED: the CDN answered HTTP 404/)
  t.regex(c.stderr(), /ok\s+ok\.jpg/)
  t.deepEqual(await readdir(out), ['ok.jpg'])
})

test.serial('like every command: usage errors exit 2 with one usage line, other failures exit 1 with "wa-flows: <reason>"', async (t) => {
  const r = await runCli(['decrypt-media', '--help'])
  t.is(r.code, 0)
  t.is(r.stdout, help)
  t.regex(help, /^Usage: wa-flows decrypt-media <input\.json> --out <dir>/)
  const usage = async (args, message) => {
    const u = await runCli(['decrypt-media', ...args])
    t.is(u.code, 2, u.stderr)
    const [first, ...rest] = lines(u.stderr)
    t.true(first.startsWith(`wa-flows decrypt-media: ${message}`), first)
    t.deepEqual(rest, ['Run "wa-flows decrypt-media --help" for usage.'])
  }
  await usage([join(dir, 'items.json')], '--out <dir> is required')
  await usage([join(dir, 'items.json'), '--out', dir, '--concurrency', '0'], '--concurrency must be a positive integer, got "0"')
  await usage(['--bogus'], "Unknown option '--bogus'.")
  await usage(['--out', dir], 'the input file is missing')
  // Not usage errors: exit 1, one line.
  const missing = await runCli(['decrypt-media', join(dir, 'nope.json'), '--out', dir])
  t.is(missing.code, 1)
  t.deepEqual(lines(missing.stderr), [
    `wa-flows: cannot read ${join(dir, 'nope.json')}: ENOENT: no such file or directory, open '${join(dir, 'nope.json')}'`,
  ])
  const empty = join(dir, 'empty.json')
  await writeFile(empty, '{"data":{}}')
  const none = await runCli(['decrypt-media', empty, '--out', dir])
  t.is(none.code, 1)
  t.deepEqual(lines(none.stderr), [`wa-flows: no media items (objects with cdn_url and encryption_metadata) in ${empty}`])
})

test('the ETA counts bytes, not files: a big file still downloading is most of the wait', (t) => {
  // 3 files of 4 done after 10 s, but they were small: 4 MB of 40 MB expected → 90 s left at 0.4 MB/s.
  t.is(etaSeconds({ done: 3, failed: 0, total: 4, bytes: 4e6, expectedBytes: 40e6 }, 10), 90)
  t.is(etaSeconds({ done: 0, failed: 0, total: 4, bytes: 0 }, 1), Infinity, 'nothing known yet')
  t.is(etaSeconds({ done: 4, failed: 0, total: 4, bytes: 40e6, expectedBytes: 40e6 }, 100), 0)
})

test.serial('the batch reports expected bytes from Content-Length as downloads start', async (t) => {
  const input = join(dir, 'sizes.json')
  await writeFile(input, JSON.stringify([item('/good', good, 'a.jpg', 'a'), item('/good', good, 'b.jpg', 'b')]))
  const seen = []
  const { decryptMediaBatch } = await import('../dist/index.js')
  await decryptMediaBatch(JSON.parse(await readFile(input, 'utf8')), {
    outDir: join(dir, 'out-sizes'),
    concurrency: 1,
    onProgress: (p) => seen.push(p),
  })
  t.is(seen[0].expectedBytes, undefined, 'no size known at the start')
  const firstSized = seen.find((p) => p.expectedBytes !== undefined)
  t.is(firstSized.expectedBytes, 2 * good.cdnFile.length, 'one size known: the other item is estimated at the mean')
  t.is(seen.at(-1).expectedBytes, 2 * good.cdnFile.length)
  t.is(seen.at(-1).bytes, 2 * good.cdnFile.length)
})

test.serial('on a TTY a progress bar is drawn on stderr', async (t) => {
  const input = join(dir, 'one.json')
  await writeFile(input, JSON.stringify([item('/good', good, 'tty.jpg', 't')]))
  const err = []
  const code = await run([input, '--out', join(dir, 'out3')], {
    stdout: { write: () => {} },
    stderr: { write: (s) => err.push(s), isTTY: true },
  })
  t.is(code, 0)
  t.regex(err.join(''), /\[#+\] 1\/1 files .* ETA/)
})

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
]) {
  test.serial(`${signal} mid-download: exit ${code}, every partial file removed, finished ones kept`, async (t) => {
    const input = join(dir, `stall-${signal}.json`)
    await writeFile(
      input,
      JSON.stringify([item('/good', good, 'done.jpg', 'g'), item('/stall', good, 'a.jpg', 'a'), item('/stall', good, 'b.jpg', 'b')]),
    )
    const out = join(dir, `out-${signal}`)
    const child = spawn(process.execPath, [cliPath, 'decrypt-media', input, '--out', out, '--concurrency', '3'], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    const exited = new Promise((resolve) => child.on('close', (c, s) => resolve({ c, s })))
    await Promise.all([cdn.waitFor('/stall'), cdn.waitFor('/stall')])
    await new Promise((r) => setTimeout(r, 500))
    const during = await readdir(out)
    t.true(
      during.some((n) => n.endsWith('.part')),
      `temp files exist mid-download: ${during}`,
    )
    child.kill(signal)
    const { c } = await Promise.race([exited, new Promise((r) => setTimeout(() => r({ c: 'timeout' }), 10_000))])
    t.is(c, code, stderr)
    t.deepEqual(await readdir(out), ['done.jpg'])
    t.regex(stderr, /interrupted; 1 of 3 files were complete and verified, nothing partial was left/)
  })
}
