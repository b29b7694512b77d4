// End-to-end tests of `wa-flows serve` and `wa-flows simulate` as real processes: request log, signatures, graceful
// SIGTERM with a request in flight, --workers, and one-line failures (bad handler, missing key, wrong key → 421).
import test from 'ava'
import { readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { cleanEnv, cliPath, lines, postEncrypted, root, runCli, startProcess, tempDir } from './helpers/cli.mjs'

const APP_SECRET = 'test-app-secret-0123456789'

/** A handler module for the tests: INIT answers with the serving pid, SLOW waits before answering. */
const FIXTURE_HANDLER = `// Test handler module for the serve tests.
export default (endpoint) => {
  endpoint.on('INIT', () => ({ screen: 'PID', data: { pid: process.pid } }))
  endpoint.on('data_exchange', 'SLOW', async (request) => {
    process.stdout.write('slow handler started\\n')
    await new Promise((r) => setTimeout(r, Number(request.data.ms)))
    return { screen: 'DONE', data: { waited: Number(request.data.ms) } }
  })
}
`

async function setup(t, { passphrase } = {}) {
  const dir = tempDir(t)
  const env = cleanEnv(passphrase ? { WA_FLOWS_PRIVATE_KEY_PASSPHRASE: passphrase } : {})
  const kg = await runCli(['keygen', '--out', dir], { env })
  t.is(kg.code, 0, kg.stderr)
  writeFileSync(join(dir, 'handler.mjs'), FIXTURE_HANDLER)
  return { dir, key: join(dir, 'private.pem'), publicKey: join(dir, 'public.pem'), handler: join(dir, 'handler.mjs'), env }
}

function serve(t, args, env) {
  return startProcess(t, [cliPath, 'serve', '--port', '0', ...args], { env })
}

test('serve + simulate: the booking flow with an encrypted key and app secret rotation; one log line per request', async (t) => {
  const s = await setup(t, { passphrase: 'pass phrase' })
  const srv = serve(
    t,
    ['--handler', join(root, 'examples/booking-flow.mjs'), '--key', s.key, '--path', '/flow'],
    cleanEnv({ WA_FLOWS_PRIVATE_KEY_PASSPHRASE: 'pass phrase', WA_FLOWS_APP_SECRET: `old-secret, ${APP_SECRET}` }),
  )
  const [, url] = await srv.ready
  t.regex(url, /^http:\/\/127\.0\.0\.1:\d+\/flow$/)

  const init = await runCli(['simulate', '--url', url, '--public-key', s.publicKey, '--flow-token', 'tok-1'], {
    env: cleanEnv({ WA_FLOWS_APP_SECRET: APP_SECRET }),
  })
  t.is(init.code, 0, init.stderr)
  t.regex(init.stdout, /^ping: HTTP 200$/m)
  t.regex(init.stdout, /^INIT: HTTP 200$/m)
  t.regex(init.stdout, /"screen": "APPOINTMENT"/)
  t.regex(init.stdout, /"status": "active"/)

  const bad = await runCli(
    ['simulate', '--url', url, '--public-key', s.publicKey, '--screen', 'APPOINTMENT', '--data', '{"department":"dental"}'],
    { env: cleanEnv({ WA_FLOWS_APP_SECRET: APP_SECRET }) },
  )
  t.is(bad.code, 0, bad.stderr)
  t.regex(bad.stdout, /^data_exchange APPOINTMENT: HTTP 200$/m)
  t.regex(bad.stdout, /"error_message": "Please choose a location\."/)

  // Unsigned requests are refused (432) when an app secret is configured: simulate exits 1.
  const unsigned = await runCli(['simulate', '--url', url, '--public-key', s.publicKey])
  t.is(unsigned.code, 1)
  t.regex(unsigned.stdout, /^ping: HTTP 432$/m)

  await srv.waitFor(/(.*\n){6}/) // 2 + 2 + 2 requests logged
  const log = lines(srv.output()).filter((l) => / POST /.test(l))
  t.is(log.length, 6)
  t.regex(log[0], /^\S+Z POST ping - 200 \d+\.\dms$/)
  t.regex(log[1], /^\S+Z POST INIT - 200 \d+\.\dms$/)
  t.regex(log[3], /^\S+Z POST data_exchange APPOINTMENT 200 \d+\.\dms$/)
  t.regex(log[4], / 432 /)
  // Nothing decrypted is logged: no flow token, no data values.
  t.false(srv.output().includes('tok-1') || srv.output().includes('dental'))
  t.false((srv.output() + srv.errors()).includes(APP_SECRET) || (srv.output() + srv.errors()).includes('pass phrase'))
})

test('serve: SIGTERM stops accepting, finishes the in-flight request and exits 0', async (t) => {
  const s = await setup(t)
  const srv = serve(t, ['--handler', s.handler, '--key', s.key], s.env)
  const [, url] = await srv.ready
  const publicPem = readFileSync(s.publicKey, 'utf8')
  const inflight = postEncrypted(url, publicPem, {
    version: '3.0',
    action: 'data_exchange',
    screen: 'SLOW',
    flow_token: 't',
    data: { ms: 1500 },
  })
  await srv.waitFor(/slow handler started/)
  srv.child.kill('SIGTERM')
  await new Promise((r) => setTimeout(r, 300))
  // New connections are refused while the slow request is still being handled.
  await t.throwsAsync(postEncrypted(url, publicPem, { version: '3.0', action: 'ping' }), { code: 'ECONNREFUSED' })
  t.is(srv.child.exitCode, null, 'still running while the request is in flight')
  const answer = await inflight
  t.is(answer.status, 200)
  t.deepEqual(answer.response, { screen: 'DONE', data: { waited: 1500 } })
  t.deepEqual(await srv.exited, { code: 0, signal: null })
  t.regex(srv.output(), /POST data_exchange SLOW 200 1\d{3}\.\dms/)
})

test('serve --workers 2: requests reach both workers; SIGTERM to the primary stops all and exits 0', async (t) => {
  const s = await setup(t)
  const srv = serve(t, ['--handler', s.handler, '--key', s.key, '--workers', '2'], s.env)
  const [, url] = await srv.ready
  t.regex(srv.output(), /\(2 workers\)/)
  const publicPem = readFileSync(s.publicKey, 'utf8')
  const pids = new Set()
  for (let i = 0; i < 6; i++) {
    const r = await postEncrypted(url, publicPem, { version: '3.0', action: 'INIT', flow_token: `t${i}` })
    t.is(r.status, 200)
    pids.add(r.response.data.pid)
  }
  t.is(pids.size, 2)
  t.false(pids.has(srv.child.pid))
  await srv.waitFor(/\[worker 2\].*INIT/)
  t.regex(srv.output(), /\[worker 1\] \S+ POST INIT - 200/)
  srv.child.kill('SIGTERM')
  t.deepEqual(await srv.exited, { code: 0, signal: null })
  for (const pid of pids) t.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `worker ${pid} is gone`)
})

test('serve fails with exit 1 and one line for a bad handler path, a missing key, a handler without default export', async (t) => {
  const s = await setup(t)
  const badHandler = await runCli(['serve', '--handler', join(s.dir, 'nope.mjs'), '--key', s.key, '--port', '0'], { env: s.env })
  t.is(badHandler.code, 1)
  t.deepEqual(lines(badHandler.stderr), [`wa-flows: handler module ${join(s.dir, 'nope.mjs')} not found`])

  const noKey = await runCli(['serve', '--handler', s.handler, '--key', join(s.dir, 'missing.pem'), '--port', '0'], { env: s.env })
  t.is(noKey.code, 1)
  t.is(lines(noKey.stderr).length, 1)
  t.deepEqual(lines(noKey.stderr), [
    `wa-flows: cannot load the private key: --key ${join(s.dir, 'missing.pem')}: the key file cannot be read (ENOENT)`,
  ])

  writeFileSync(join(s.dir, 'nodefault.mjs'), '// no default export\nexport const x = 1\n')
  const noDefault = await runCli(['serve', '--handler', join(s.dir, 'nodefault.mjs'), '--key', s.key, '--port', '0', '--workers', '2'], {
    env: s.env,
  })
  t.is(noDefault.code, 1)
  t.is(lines(noDefault.stderr).length, 1, 'reported once by the primary, not once per worker')
  t.regex(noDefault.stderr, /has no default export function/)
  t.notRegex(noDefault.stderr, /^\s+at /m)

  // WA_FLOWS_DEBUG=1 adds the stack trace.
  const debug = await runCli(['serve', '--handler', join(s.dir, 'nope.mjs'), '--key', s.key], { env: { ...s.env, WA_FLOWS_DEBUG: '1' } })
  t.is(debug.code, 1)
  t.regex(debug.stderr, /^\s+at /m)
})

test('serve refuses an encrypted key without the passphrase (one line, exit 1)', async (t) => {
  const s = await setup(t, { passphrase: 'secret-pass' })
  const r = await runCli(['serve', '--handler', s.handler, '--key', s.key, '--port', '0'], { env: cleanEnv() })
  t.is(r.code, 1)
  t.is(lines(r.stderr).length, 1)
  t.regex(
    r.stderr.trim(),
    /^wa-flows: cannot load the private key: --key \S+private\.pem: the private key is encrypted and no passphrase was given \(the passphrase option, or WA_FLOWS_PRIVATE_KEY_PASSPHRASE\)$/,
  )
})

test('serve reads the key from WA_FLOWS_PRIVATE_KEY_FILE or WA_FLOWS_PRIVATE_KEY without --key; failures name the variable', async (t) => {
  const s = await setup(t)
  for (const env of [cleanEnv({ WA_FLOWS_PRIVATE_KEY_FILE: s.key }), cleanEnv({ WA_FLOWS_PRIVATE_KEY: readFileSync(s.key, 'utf8') })]) {
    const srv = serve(t, ['--handler', s.handler], env)
    const [, url] = await srv.ready
    const r = await runCli(['simulate', '--url', url, '--public-key', s.publicKey])
    t.is(r.code, 0, r.stderr)
    srv.child.kill('SIGTERM')
    t.is((await srv.exited).code, 0)
  }
  const wrongFile = await runCli(['serve', '--handler', s.handler, '--port', '0'], {
    env: cleanEnv({ WA_FLOWS_PRIVATE_KEY_FILE: join(s.dir, 'gone.pem') }),
  })
  t.is(wrongFile.code, 1)
  t.deepEqual(lines(wrongFile.stderr), [
    `wa-flows: cannot load the private key: WA_FLOWS_PRIVATE_KEY_FILE (${join(s.dir, 'gone.pem')}): the key file cannot be read (ENOENT)`,
  ])
  const pathAsPem = await runCli(['serve', '--handler', s.handler, '--port', '0'], { env: cleanEnv({ WA_FLOWS_PRIVATE_KEY: s.key }) })
  t.is(pathAsPem.code, 1)
  t.regex(
    pathAsPem.stderr,
    /^wa-flows: cannot load the private key: WA_FLOWS_PRIVATE_KEY: this looks like a file path, not PEM text: .*WA_FLOWS_PRIVATE_KEY_FILE/,
  )
  const nothing = await runCli(['serve', '--handler', s.handler, '--port', '0'], { env: cleanEnv(), cwd: tempDir(t) })
  t.is(nothing.code, 1)
  t.deepEqual(lines(nothing.stderr), [
    'wa-flows: cannot load the private key: private.pem (the default: give --key <file> or set WA_FLOWS_PRIVATE_KEY_FILE): the key file cannot be read (ENOENT)',
  ])
})

test('simulate against an endpoint with another key gets 421 and exits 1', async (t) => {
  const s = await setup(t)
  const other = tempDir(t)
  t.is((await runCli(['keygen', '--out', other])).code, 0)
  const srv = serve(t, ['--handler', s.handler, '--key', s.key], s.env)
  const [, url] = await srv.ready
  const r = await runCli(['simulate', '--url', url, '--public-key', join(other, 'public.pem')])
  t.is(r.code, 1)
  t.regex(r.stdout, /^ping: HTTP 421$/m)
  t.regex(r.stdout, /^INIT: HTTP 421$/m)
  t.deepEqual(lines(r.stderr), ['wa-flows: not every request answered 200'])
  await srv.waitFor(/POST - - 421[^\n]*\n[^\n]*POST - - 421/)
})

test('simulate: one-line failures for an unreachable URL, bad --data and a missing public key', async (t) => {
  const s = await setup(t)
  const down = await runCli(['simulate', '--url', 'http://127.0.0.1:1/', '--public-key', s.publicKey])
  t.is(down.code, 1)
  t.regex(down.stderr, /^ping: failed: /m)
  const data = await runCli(['simulate', '--url', 'http://127.0.0.1:1/', '--public-key', s.publicKey, '--screen', 'X', '--data', '{nope'])
  t.is(data.code, 2)
  t.regex(data.stderr, /--data is not valid JSON/)
  const key = await runCli(['simulate', '--url', 'http://127.0.0.1:1/', '--public-key', join(s.dir, 'none.pem')])
  t.is(key.code, 1)
  t.deepEqual(lines(key.stderr).length, 1)
  t.regex(key.stderr, /cannot read public key/)
})

/** Opens `n` sockets that send a request one byte every `everyMs`; resolves the ms until each was closed. */
function slowClients(url, n, everyMs, body = false) {
  const u = new URL(url)
  const request = body
    ? `POST ${u.pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n${'{'.repeat(1000)}`
    : `POST ${u.pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Padding: ${'a'.repeat(1000)}\r\n\r\n`
  const started = Date.now()
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise((resolve) => {
          const socket = net.connect(Number(u.port), u.hostname)
          let i = 0
          const timer = setInterval(() => {
            if (i < request.length && !socket.destroyed) socket.write(request[i++])
          }, everyMs)
          socket.on('error', () => {})
          socket.resume()
          socket.on('close', () => {
            clearInterval(timer)
            resolve(Date.now() - started)
          })
        }),
    ),
  )
}

test('serve cuts clients that trickle their headers or body (headers/request timeouts), and keeps answering', async (t) => {
  const s = await setup(t)
  const srv = serve(t, ['--handler', s.handler, '--key', s.key, '--headers-timeout', '1000', '--request-timeout', '2000'], s.env)
  const [, url] = await srv.ready
  const [headers, bodies] = await Promise.all([slowClients(url, 100, 200), slowClients(url, 100, 200, true)])
  t.true(Math.max(...headers) < 4000, `headers: the last slow client was cut after ${Math.max(...headers)} ms`)
  t.true(Math.max(...bodies) < 5000, `bodies: the last slow client was cut after ${Math.max(...bodies)} ms`)
  const sim = await runCli(['simulate', '--url', url, '--public-key', s.publicKey])
  t.is(sim.code, 0, sim.stderr)
})

test('serve refuses --headers-timeout above --request-timeout (usage, exit 2)', async (t) => {
  const r = await runCli(['serve', '--handler', 'x.mjs', '--headers-timeout', '5000', '--request-timeout', '1000'])
  t.is(r.code, 2)
  t.regex(r.stderr, /--headers-timeout must not exceed --request-timeout/)
})
