// CLI tests without a server: dispatcher, --help everywhere, keygen, and upload-key / key-status against a mock Graph API.
import test from 'ava'
import { createPublicKey } from 'node:crypto'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadPrivateKey } from '../dist/index.js'
import { cleanEnv, lines, mockServer, runCli, tempDir } from './helpers/cli.mjs'

const COMMANDS = ['keygen', 'upload-key', 'key-status', 'send-flow', 'serve', 'simulate', 'decrypt-media']

test('top-level --help lists every command and exits 0', async (t) => {
  const r = await runCli(['--help'])
  t.is(r.code, 0)
  for (const c of COMMANDS) t.regex(r.stdout, new RegExp(`^  ${c} `, 'm'))
})

test('no command prints usage to stderr and exits 2', async (t) => {
  const r = await runCli([])
  t.is(r.code, 2)
  t.regex(r.stderr, /Usage: wa-flows <command>/)
})

test('an unknown command prints usage and exits 2', async (t) => {
  const r = await runCli(['frobnicate'])
  t.is(r.code, 2)
  t.regex(r.stderr, /unknown command "frobnicate"/)
  t.regex(r.stderr, /Usage: wa-flows <command>/)
})

for (const command of COMMANDS) {
  test(`${command} --help prints its usage and exits 0`, async (t) => {
    const r = await runCli([command, '--help'])
    t.is(r.code, 0, r.stderr)
    t.regex(r.stdout, new RegExp(`usage: wa-flows ${command}`, 'i'))
    t.is(r.stderr, '')
  })
}

test('an unknown option is a usage error: exit 2 and a hint', async (t) => {
  const r = await runCli(['keygen', '--bogus'])
  t.is(r.code, 2)
  t.regex(r.stderr, /Unknown option '--bogus'/)
  t.regex(r.stderr, /wa-flows keygen --help/)
})

test('keygen writes an unencrypted PKCS#8 key (0600) and an SPKI public key', async (t) => {
  const dir = tempDir(t)
  const r = await runCli(['keygen', '--out', dir])
  t.is(r.code, 0, r.stderr)
  const priv = readFileSync(join(dir, 'private.pem'), 'utf8')
  const pub = readFileSync(join(dir, 'public.pem'), 'utf8')
  t.regex(priv, /^-----BEGIN PRIVATE KEY-----/)
  t.regex(pub, /^-----BEGIN PUBLIC KEY-----/)
  t.is(statSync(join(dir, 'private.pem')).mode & 0o777, 0o600)
  t.is(createPublicKey(pub).asymmetricKeyDetails.modulusLength, 2048)
  const key = await loadPrivateKey(priv)
  t.is(key.bits, 2048)
  t.regex(r.stdout, /wa-flows upload-key --phone-number-id <PHONE_NUMBER_ID> --public-key .*public\.pem/)
  t.regex(r.stdout, /graph\.facebook\.com\/v\d+\.\d+\/<PHONE_NUMBER_ID>\/whatsapp_business_encryption/)
})

test('keygen encrypts the private key with WA_FLOWS_PRIVATE_KEY_PASSPHRASE; it loads with that passphrase only', async (t) => {
  const dir = tempDir(t)
  const passphrase = 'correct horse battery staple'
  const r = await runCli(['keygen', '--out', dir], { env: cleanEnv({ WA_FLOWS_PRIVATE_KEY_PASSPHRASE: passphrase }) })
  t.is(r.code, 0, r.stderr)
  t.false(r.stdout.includes(passphrase))
  const priv = readFileSync(join(dir, 'private.pem'), 'utf8')
  t.regex(priv, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/)
  t.is(statSync(join(dir, 'private.pem')).mode & 0o777, 0o600)
  const key = await loadPrivateKey(priv, { passphrase })
  t.is(key.bits, 2048)
  await t.throwsAsync(loadPrivateKey(priv, { passphrase: 'wrong' }))
  await t.throwsAsync(loadPrivateKey(priv))
})

test('keygen refuses to overwrite existing keys unless --force', async (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'private.pem'), 'precious', { mode: 0o644 })
  const r = await runCli(['keygen', '--out', dir])
  t.is(r.code, 1)
  t.is(lines(r.stderr).length, 1)
  t.regex(r.stderr, /private\.pem already exists \(use --force/)
  t.is(readFileSync(join(dir, 'private.pem'), 'utf8'), 'precious')
  t.false(existsSync(join(dir, 'public.pem')))

  const forced = await runCli(['keygen', '--out', dir, '--force'])
  t.is(forced.code, 0, forced.stderr)
  t.regex(readFileSync(join(dir, 'private.pem'), 'utf8'), /BEGIN PRIVATE KEY/)
  t.is(statSync(join(dir, 'private.pem')).mode & 0o777, 0o600, 'an overwritten key is made 0600 too')
})

// ---- Graph API commands against a mock server ----

const TOKEN = 'EAAG-test-token-do-not-print-1234567890'

async function keyPair(t) {
  const dir = tempDir(t)
  const r = await runCli(['keygen', '--out', dir])
  t.is(r.code, 0, r.stderr)
  return { dir, publicPem: readFileSync(join(dir, 'public.pem'), 'utf8') }
}

test('upload-key POSTs the public key as a form with bearer auth to /{version}/{id}/whatsapp_business_encryption', async (t) => {
  const { dir, publicPem } = await keyPair(t)
  const graph = await mockServer(t, () => ({ json: { success: true } }))
  const r = await runCli(
    [
      'upload-key',
      '--phone-number-id',
      '106540352242922',
      '--public-key',
      join(dir, 'public.pem'),
      '--graph-url',
      graph.url,
      '--api-version',
      'v20.0',
    ],
    {
      env: cleanEnv({ WA_FLOWS_ACCESS_TOKEN: TOKEN }),
    },
  )
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /Uploaded/)
  t.is(graph.requests.length, 1)
  const [req] = graph.requests
  t.is(req.method, 'POST')
  t.is(req.url, '/v20.0/106540352242922/whatsapp_business_encryption')
  t.is(req.headers.authorization, `Bearer ${TOKEN}`)
  t.is(req.headers['content-type'], 'application/x-www-form-urlencoded')
  const form = new URLSearchParams(req.body)
  t.deepEqual([...form.keys()], ['business_public_key'])
  t.is(form.get('business_public_key').trim(), publicPem.trim())
  t.false(r.stdout.includes(TOKEN) || r.stderr.includes(TOKEN))
})

test('upload-key defaults to ./public.pem and the default API version', async (t) => {
  const { dir } = await keyPair(t)
  const graph = await mockServer(t, () => ({ json: { success: true } }))
  const r = await runCli(['upload-key', '--phone-number-id', '42', '--graph-url', `${graph.url}/`], {
    env: cleanEnv({ WA_FLOWS_ACCESS_TOKEN: TOKEN }),
    cwd: dir,
  })
  t.is(r.code, 0, r.stderr)
  t.regex(graph.requests[0].url, /^\/v\d+\.\d+\/42\/whatsapp_business_encryption$/)
})

test("upload-key prints the API's error message (never the token) and exits 1", async (t) => {
  const { dir } = await keyPair(t)
  const graph = await mockServer(t, () => ({
    status: 400,
    json: {
      error: {
        message: `Invalid OAuth access token - Cannot parse access token ${TOKEN}`,
        type: 'OAuthException',
        code: 190,
        fbtrace_id: 'Abc',
      },
    },
  }))
  const r = await runCli(['upload-key', '--phone-number-id', '42', '--public-key', join(dir, 'public.pem'), '--graph-url', graph.url], {
    env: cleanEnv({ WA_FLOWS_ACCESS_TOKEN: TOKEN }),
  })
  t.is(r.code, 1)
  t.is(lines(r.stderr).length, 1)
  t.regex(r.stderr, /Graph API error \(HTTP 400, code 190\): Invalid OAuth access token/)
  t.false(r.stderr.includes(TOKEN) || r.stdout.includes(TOKEN))
})

test('a Graph error echoing the token URL-encoded, JSON-escaped or cut short prints none of it', async (t) => {
  const { dir } = await keyPair(t)
  const token = 'EAAB12|Tok_Zx9"quoted/slash+plus=end-0123456789'
  const echoes = [
    encodeURIComponent(token),
    `${encodeURIComponent(token).slice(0, 16)}...`,
    `...${token.slice(-12)}`,
    JSON.stringify(token).slice(1, -1),
    encodeURIComponent(token).toLowerCase(),
  ]
  const graph = await mockServer(t, () => ({ status: 400, json: { error: { message: `Bad token: ${echoes.join(' | ')}`, code: 190 } } }))
  const r = await runCli(['upload-key', '--phone-number-id', '42', '--public-key', join(dir, 'public.pem'), '--graph-url', graph.url], {
    env: cleanEnv({ WA_FLOWS_ACCESS_TOKEN: token }),
  })
  t.is(r.code, 1)
  t.regex(r.stderr, /Bad token: \*\*\*/)
  for (const echo of echoes) {
    for (let i = 0; i + 8 <= echo.length; i++) {
      const run = echo.slice(i, i + 8)
      if (/^[.| ]+$/.test(run) || run.includes('...')) continue
      t.false(r.stderr.toLowerCase().includes(run.toLowerCase()), `"${run}" of "${echo}" was printed`)
    }
  }
})

test('upload-key refuses a private key file and a missing WA_FLOWS_ACCESS_TOKEN', async (t) => {
  const { dir } = await keyPair(t)
  const graph = await mockServer(t, () => ({ json: { success: true } }))
  const priv = await runCli(['upload-key', '--phone-number-id', '42', '--public-key', join(dir, 'private.pem'), '--graph-url', graph.url], {
    env: cleanEnv({ WA_FLOWS_ACCESS_TOKEN: TOKEN }),
  })
  t.is(priv.code, 1)
  t.regex(priv.stderr, /^wa-flows: \S+private\.pem holds a private key; --public-key takes the public key/)
  t.is(lines(priv.stderr).length, 1)
  const noToken = await runCli(['upload-key', '--phone-number-id', '42', '--public-key', join(dir, 'public.pem'), '--graph-url', graph.url])
  t.is(noToken.code, 1)
  t.regex(noToken.stderr, /WA_FLOWS_ACCESS_TOKEN is not set/)
  t.is(graph.requests.length, 0)
  const missing = await runCli(['upload-key', '--public-key', join(dir, 'public.pem')], { env: cleanEnv({ WA_FLOWS_ACCESS_TOKEN: TOKEN }) })
  t.is(missing.code, 2)
  t.regex(missing.stderr, /missing required option --phone-number-id/)
})

test('key-status GETs the same path and prints business_public_key_signature_status', async (t) => {
  const { publicPem } = await keyPair(t)
  const graph = await mockServer(t, () => ({
    json: { data: [{ business_public_key: publicPem, business_public_key_signature_status: 'VALID' }] },
  }))
  const r = await runCli(['key-status', '--phone-number-id', '106540352242922', '--graph-url', graph.url, '--api-version', 'v21.0'], {
    env: cleanEnv({ WA_FLOWS_ACCESS_TOKEN: TOKEN }),
  })
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /^business_public_key_signature_status: VALID$/m)
  t.regex(r.stdout, /^registered public key sha256: [0-9a-f]{64}$/m)
  const [req] = graph.requests
  t.is(req.method, 'GET')
  t.is(req.url, '/v21.0/106540352242922/whatsapp_business_encryption')
  t.is(req.headers.authorization, `Bearer ${TOKEN}`)
  t.is(req.body, '')
})

test('key-status reports a Graph API error with exit 1', async (t) => {
  const graph = await mockServer(t, () => ({ status: 404, json: { error: { message: 'Unsupported get request.', code: 100 } } }))
  const r = await runCli(['key-status', '--phone-number-id', '7', '--graph-url', graph.url], {
    env: cleanEnv({ WA_FLOWS_ACCESS_TOKEN: TOKEN }),
  })
  t.is(r.code, 1)
  t.is(r.stderr.trim(), 'wa-flows: Graph API error (HTTP 404, code 100): Unsupported get request.')
})
