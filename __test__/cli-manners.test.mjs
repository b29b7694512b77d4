// The CLI's manners (issue 12, item 5): --version, no stack trace when stdout closes early (`… | head`), network
// failures named by their cause, key-status comparing fingerprints as openssl | sha256sum prints them, public key
// files checked once before any request, and no printed suggestion that puts a token on a command line.
import test from 'ava'
import { spawn, spawnSync } from 'node:child_process'
import { createHash, createPublicKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import net from 'node:net'
import { join } from 'node:path'

import { createFlowEndpoint } from '../dist/index.js'
import { describeNetworkError } from '../dist/util/net-error.js'
import { cleanEnv, cliPath, lines, mockServer, root, runCli, tempDir } from './helpers/cli.mjs'

const TOKEN = 'EAAG-manners-token-0123456789'
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version

async function keyPair(t) {
  const dir = tempDir(t)
  const r = await runCli(['keygen', '--out', dir])
  t.is(r.code, 0, r.stderr)
  return { dir, privatePath: join(dir, 'private.pem'), publicPath: join(dir, 'public.pem'), keygenOutput: r.stdout }
}

/** A port nothing listens on (bound, then closed). */
async function closedPort() {
  const s = net.createServer()
  await new Promise((ok) => s.listen(0, '127.0.0.1', ok))
  const { port } = s.address()
  await new Promise((ok) => s.close(ok))
  return port
}

/** A data endpoint on 127.0.0.1 whose INIT answers after `delayMs`; counts the requests it got. */
async function endpointServer(t, privateKey, delayMs = 0) {
  const endpoint = createFlowEndpoint({ privateKey, logger: false })
  endpoint.on('INIT', async () => {
    await new Promise((r) => setTimeout(r, delayMs))
    return { screen: 'FIRST', data: { lines: Array.from({ length: 20 }, (_, i) => `line ${i}`) } }
  })
  const handler = endpoint.nodeHandler()
  const server = createServer((req, res) => {
    server.requests++
    handler(req, res)
  })
  server.requests = 0
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok))
  t.teardown(
    () =>
      new Promise((ok) => {
        server.closeAllConnections()
        server.close(ok)
      }),
  )
  return { url: `http://127.0.0.1:${server.address().port}/`, server }
}

/** Runs `command` in bash with pipefail; resolves { code, stdout, stderr }. */
function bash(command, env = cleanEnv()) {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

test('wa-flows --version (and -v) prints the package version', async (t) => {
  for (const flag of ['--version', '-v']) {
    const r = await runCli([flag])
    t.is(r.code, 0)
    t.is(r.stdout, `${version}\n`)
    t.is(r.stderr, '')
  }
  t.regex((await runCli(['--help'])).stdout, /wa-flows --version/)
})

test('simulate | head -1: the closed pipe ends the command quietly (no EPIPE stack trace), exit 0', async (t) => {
  const { dir } = await keyPair(t)
  const { url } = await endpointServer(t, readFileSync(join(dir, 'private.pem'), 'utf8'), 200)
  const r = await bash(`"${process.execPath}" "${cliPath}" simulate --url ${url} --public-key "${join(dir, 'public.pem')}" | head -1`)
  t.is(r.stdout, 'ping: HTTP 200\n')
  t.is(r.stderr, '', 'nothing on stderr: no EPIPE error, no stack trace')
  t.is(r.code, 0, 'with pipefail, the CLI itself exited 0')
})

test('serve | head -1: the request log closing stops the server gracefully, with no stack trace', async (t) => {
  const { dir } = await keyPair(t)
  const env = cleanEnv({ WA_FLOWS_PRIVATE_KEY_FILE: join(dir, 'private.pem') })
  const child = spawn(
    'bash',
    [
      '-o',
      'pipefail',
      '-c',
      `"${process.execPath}" "${cliPath}" serve --handler "${join(root, 'examples/booking-flow.mjs')}" --port 0 | head -1`,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  t.teardown(() => child.exitCode === null && child.kill('SIGKILL'))
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const url = await new Promise((resolve) =>
    child.stdout.on('data', (d) => {
      stdout += d
      const m = /Listening on (\S+)/.exec(stdout)
      if (m) resolve(m[1])
    }),
  )
  const exited = new Promise((resolve) => child.on('close', resolve))
  // head has exited after the first line: the ping's log line meets a closed pipe, and the server stops as on
  // SIGTERM (the ping itself is answered; the INIT after it finds nobody listening).
  const sim = await runCli(['simulate', '--url', url, '--public-key', join(dir, 'public.pem')])
  t.regex(sim.stdout, /^ping: HTTP 200$/m)
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 10_000))])
  t.is(code, 0)
  t.notRegex(stderr, /EPIPE|Error:| {4}at /)
})

test('a refused connection is named as such, not "fetch failed": simulate and the Graph commands', async (t) => {
  const { publicPath } = await keyPair(t)
  const port = await closedPort()
  const sim = await runCli(['simulate', '--url', `http://127.0.0.1:${port}/`, '--public-key', publicPath])
  t.is(sim.code, 1)
  t.regex(sim.stderr, new RegExp(`^ping: failed: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`, 'm'))
  t.notRegex(sim.stderr, /fetch failed/)
  const status = await runCli(['key-status', '--phone-number-id', '1', '--graph-url', `http://127.0.0.1:${port}`], {
    env: cleanEnv({ WA_FLOWS_ACCESS_TOKEN: TOKEN }),
    timeoutMs: 30_000,
  })
  t.is(status.code, 1)
  t.deepEqual(lines(status.stderr), [
    `wa-flows: request to http://127.0.0.1:${port}/v21.0/1/whatsapp_business_encryption failed: connect ECONNREFUSED 127.0.0.1:${port}`,
  ])
})

test('describeNetworkError digs the cause out of "fetch failed": DNS, several addresses, timeouts', (t) => {
  const dns = new TypeError('fetch failed', {
    cause: Object.assign(new Error('getaddrinfo ENOTFOUND graph.example'), { code: 'ENOTFOUND' }),
  })
  t.is(describeNetworkError(dns), 'getaddrinfo ENOTFOUND graph.example')
  const both = new AggregateError([new Error('connect ECONNREFUSED ::1:3000'), new Error('connect ECONNREFUSED 127.0.0.1:3000')], '')
  both.code = 'ECONNREFUSED'
  t.is(
    describeNetworkError(new TypeError('fetch failed', { cause: both })),
    'connect ECONNREFUSED ::1:3000; connect ECONNREFUSED 127.0.0.1:3000',
  )
  t.is(describeNetworkError(new TypeError('fetch failed', { cause: Object.assign(new Error(''), { code: 'ECONNRESET' }) })), 'ECONNRESET')
  t.is(
    describeNetworkError(Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' })),
    'timed out (The operation was aborted due to timeout)',
  )
})

test('key-status --public-key compares the fingerprints itself, printed as openssl pkey | sha256sum prints them', async (t) => {
  const { dir, publicPath } = await keyPair(t)
  const registered = readFileSync(publicPath, 'utf8')
  const graph = await mockServer(t, () => ({
    json: { data: [{ business_public_key: registered, business_public_key_signature_status: 'VALID' }] },
  }))
  const env = cleanEnv({ WA_FLOWS_ACCESS_TOKEN: TOKEN })
  // The documented command, when openssl is there; the same SHA-256 of the SPKI DER otherwise.
  const openssl = spawnSync('bash', ['-c', `openssl pkey -pubin -in "${publicPath}" -outform der | sha256sum`], { encoding: 'utf8' })
  const expected =
    openssl.status === 0
      ? openssl.stdout.split(/\s+/)[0]
      : createHash('sha256')
          .update(createPublicKey(registered).export({ type: 'spki', format: 'der' }))
          .digest('hex')
  const same = await runCli(['key-status', '--phone-number-id', '42', '--graph-url', graph.url, '--public-key', publicPath], { env })
  t.is(same.code, 0, same.stderr)
  t.deepEqual(lines(same.stdout), [
    'business_public_key_signature_status: VALID',
    `registered public key sha256: ${expected}`,
    `${publicPath} sha256: ${expected}`,
    `match: the registered public key is ${publicPath}`,
  ])

  const other = await keyPair(t)
  const differs = await runCli(['key-status', '--phone-number-id', '42', '--graph-url', graph.url, '--public-key', other.publicPath], {
    env,
  })
  t.is(differs.code, 1)
  t.regex(differs.stdout, new RegExp(`^registered public key sha256: ${expected}$`, 'm'))
  t.deepEqual(lines(differs.stderr), [
    `wa-flows: the registered public key is not ${other.publicPath}; register it with: npx wa-flows upload-key --phone-number-id 42 --public-key ${other.publicPath}`,
  ])
  t.truthy(dir)
})

test('a private key given as --public-key is refused once, before any request (key-status, upload-key, simulate)', async (t) => {
  const { privatePath, publicPath } = await keyPair(t)
  const graph = await mockServer(t, () => ({ json: { success: true } }))
  const env = cleanEnv({ WA_FLOWS_ACCESS_TOKEN: TOKEN })
  const expected = `wa-flows: ${privatePath} holds a private key; --public-key takes the public key (public.pem, written next to it by wa-flows keygen)`
  for (const command of ['key-status', 'upload-key']) {
    const r = await runCli([command, '--phone-number-id', '42', '--graph-url', graph.url, '--public-key', privatePath], { env })
    t.is(r.code, 1, command)
    t.deepEqual(lines(r.stderr), [expected], command)
  }
  t.is(graph.requests.length, 0, 'nothing reached the Graph API')
  const { url, server } = await endpointServer(t, readFileSync(privatePath, 'utf8'))
  const sim = await runCli(['simulate', '--url', url, '--public-key', privatePath])
  t.is(sim.code, 1)
  t.deepEqual(lines(sim.stderr), [expected], 'one line, not one per request')
  t.is(server.requests, 0)
  const ok = await runCli(['simulate', '--url', url, '--public-key', publicPath])
  t.is(ok.code, 0, ok.stderr)
})

test('no printed suggestion puts a token on a command line (keygen, every --help, the missing-token error)', async (t) => {
  const { keygenOutput } = await keyPair(t)
  const texts = [keygenOutput]
  for (const command of ['keygen', 'upload-key', 'key-status', 'send-flow', 'serve', 'simulate', 'decrypt-media'])
    texts.push((await runCli([command, '--help'])).stdout)
  texts.push((await runCli(['upload-key', '--phone-number-id', '1'])).stderr)
  const all = texts.join('\n')
  // A token on a command line: VAR=value before a command, "Bearer $VAR" or a token flag in a command's arguments.
  t.notRegex(all, /\b(WA_FLOWS_)?ACCESS_TOKEN=\S/)
  t.notRegex(all, /-H ["']Authorization: Bearer/)
  t.notRegex(all, /--(access-)?token\b/)
  t.regex(all, /read -rs WA_FLOWS_ACCESS_TOKEN && export WA_FLOWS_ACCESS_TOKEN/)
  // The curl suggestion feeds the header through stdin from printf, a shell builtin.
  t.regex(keygenOutput, /printf 'Authorization: Bearer %s\\n' "\$WA_FLOWS_ACCESS_TOKEN" \| curl -H @- /)
})
