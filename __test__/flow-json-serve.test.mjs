// `wa-flows serve --flow`: the Flow JSON is validated at start (errors stop the server, naming the pointer) and every
// handler result is checked against it; the booking example served this way passes `simulate --flow` on every edge.
import test from 'ava'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cleanEnv, cliPath, root, runCli, startProcess, tempDir } from './helpers/cli.mjs'

const bookingPath = join(root, 'examples/booking-flow.json')
const booking = JSON.parse(readFileSync(bookingPath, 'utf8'))

async function setup(t) {
  const dir = tempDir(t)
  const kg = await runCli(['keygen', '--out', dir])
  t.is(kg.code, 0, kg.stderr)
  return { dir, key: join(dir, 'private.pem'), publicKey: join(dir, 'public.pem') }
}

const serve = (t, args) => startProcess(t, [cliPath, 'serve', '--port', '0', ...args], { env: cleanEnv() })

test('serve --flow: the booking example follows its Flow JSON on every edge', async (t) => {
  const s = await setup(t)
  const srv = serve(t, ['--handler', join(root, 'examples/booking-flow.mjs'), '--key', s.key, '--flow', bookingPath])
  const [, url] = await srv.ready
  const r = await runCli(['simulate', '--url', url, '--public-key', s.publicKey, '--flow', bookingPath])
  t.is(r.code, 0, r.stdout + r.stderr)
  t.regex(r.stdout, /4 of 4 endpoint edges match/)
})

test('serve --flow: a handler result outside the routing model answers 500 with a log line naming the screens; --flow-check log sends it', async (t) => {
  const s = await setup(t)
  const handler = join(s.dir, 'wrong.mjs')
  // INIT must open APPOINTMENT (the routing model's entry); this handler jumps to SUMMARY.
  writeFileSync(handler, "export default (endpoint) => endpoint.on('INIT', () => ({ screen: 'SUMMARY', data: {} }))\n")
  for (const [mode, status] of [
    ['reject', 500],
    ['log', 200],
  ]) {
    const srv = serve(t, ['--handler', handler, '--key', s.key, '--flow', bookingPath, '--flow-check', mode])
    const [, url] = await srv.ready
    const r = await runCli(['simulate', '--url', url, '--public-key', s.publicKey])
    t.regex(r.stdout, new RegExp(`^INIT: HTTP ${status}$`, 'm'), mode)
    await new Promise((resolve) => setTimeout(resolve, 200))
    t.regex(srv.errors(), /SUMMARY/, mode)
    srv.child.kill('SIGTERM')
    await srv.exited
  }
})

test('serve --flow refuses an invalid Flow JSON at start: exit 1, one line with the pointer and the rule', async (t) => {
  const s = await setup(t)
  const bad = structuredClone(booking)
  bad.screens[1].id = bad.screens[0].id
  const file = join(s.dir, 'bad.json')
  writeFileSync(file, JSON.stringify(bad))
  const r = await runCli(['serve', '--port', '0', '--handler', join(root, 'examples/booking-flow.mjs'), '--key', s.key, '--flow', file])
  t.is(r.code, 1)
  t.regex(r.stderr, new RegExp(`^wa-flows: ${file}/screens/1/id: .*\\[duplicate-screen-id\\]`, 'm'))
  t.is(
    r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('wa-flows:')).length,
    1,
  )
  const usage = await runCli(['serve', '--handler', 'x.mjs', '--flow-check', 'log'])
  t.is(usage.code, 2)
})
