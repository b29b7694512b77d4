// Where the endpoint's key and secrets come from (issue 12, items 1 and 2): PEM text, bytes, { path }, the WA_FLOWS_*
// variables by default, explicit options first; a path given as PEM text, no key at all, or both variables set are
// refused at creation, an unreadable file or a wrong passphrase at ready(), every message naming the option or
// variable and never the key. The same for the webhook's and the Graph client's defaults.
import test from 'ava'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPrivateKey } from 'node:crypto'

import * as flows from '../dist/index.js'
import * as web from '../dist/webcrypto.js'
import { CONFIG_VARS } from './helpers/cli.mjs'
import { captureLogger, makeKeys } from './helpers/endpoint.mjs'

const { createFlowClient, createFlowEndpoint, createGraphClient, createWebhook, FlowKeyError, loadPrivateKey } = flows
const keys = makeKeys()
const PASS = 'pass phrase for the test'
const encryptedPem = createPrivateKey(keys.privatePem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASS })
const dir = mkdtempSync(join(tmpdir(), 'wa-flows-keys-'))
test.after.always(() => rmSync(dir, { recursive: true, force: true }))
const keyFile = join(dir, 'private.pem')
writeFileSync(keyFile, keys.privatePem, { mode: 0o600 })
const encryptedFile = join(dir, 'encrypted.pem')
writeFileSync(encryptedFile, encryptedPem, { mode: 0o600 })

/** Runs `f` (synchronous: options are read at creation) with exactly these WA_FLOWS_* variables set. */
function withEnv(vars, f) {
  const saved = Object.fromEntries(CONFIG_VARS.map((k) => [k, process.env[k]]))
  for (const k of CONFIG_VARS) delete process.env[k]
  Object.assign(process.env, vars)
  try {
    return f()
  } finally {
    for (const k of CONFIG_VARS) {
      if (saved[k] === undefined) delete process.env[k]
      else process.env[k] = saved[k]
    }
  }
}

/** INIT through the endpoint (no HTTP): the status proves the key decrypts. */
async function roundTrip(endpoint, appSecret) {
  endpoint.on('INIT', () => ({ screen: 'HELLO', data: {} }))
  const client = createFlowClient({ endpoint, publicKey: keys.publicPem, ...(appSecret ? { appSecret } : {}) })
  return (await client.init()).status
}

test.serial('with no options the endpoint reads WA_FLOWS_PRIVATE_KEY (PEM text) and WA_FLOWS_APP_SECRET', async (t) => {
  const endpoint = withEnv({ WA_FLOWS_PRIVATE_KEY: keys.privatePem, WA_FLOWS_APP_SECRET: 'old-secret, new-secret' }, () =>
    createFlowEndpoint({ logger: false }),
  )
  await endpoint.ready()
  t.is(await roundTrip(endpoint, 'new-secret'), 200, 'both secrets of the rotation are accepted')
  const unsigned = createFlowClient({ endpoint, publicKey: keys.publicPem })
  t.is((await unsigned.ping()).status, 432, 'the app secret from the environment is enforced')
})

test.serial('WA_FLOWS_PRIVATE_KEY_FILE and WA_FLOWS_PRIVATE_KEY_PASSPHRASE: a key file, encrypted', async (t) => {
  const endpoint = withEnv({ WA_FLOWS_PRIVATE_KEY_FILE: encryptedFile, WA_FLOWS_PRIVATE_KEY_PASSPHRASE: PASS }, () =>
    createFlowEndpoint({ logger: false }),
  )
  await endpoint.ready()
  t.is(await roundTrip(endpoint), 200)
})

test.serial('explicit options win over the variables', async (t) => {
  const other = makeKeys()
  const endpoint = withEnv({ WA_FLOWS_PRIVATE_KEY: other.privatePem, WA_FLOWS_APP_SECRET: 'env-secret' }, () =>
    createFlowEndpoint({ privateKey: { path: keyFile }, appSecret: 'option-secret', logger: false }),
  )
  await endpoint.ready()
  t.is(await roundTrip(endpoint, 'option-secret'), 200)
})

test('privateKey: { path } reads the file (Node entry); PEM text and bytes keep working', async (t) => {
  for (const privateKey of [{ path: keyFile }, keys.privatePem, new TextEncoder().encode(keys.privatePem)]) {
    const endpoint = createFlowEndpoint({ privateKey, logger: false })
    await endpoint.ready()
    t.is(await roundTrip(endpoint), 200)
  }
})

test('a path given as PEM text is refused at creation, saying to pass { path } or set WA_FLOWS_PRIVATE_KEY_FILE', (t) => {
  for (const path of ['keys/private.pem', '/etc/wa/key', 'private.pem', 'C:\\keys\\flow.key', './k.der']) {
    const e = t.throws(() => createFlowEndpoint({ privateKey: path, logger: false }), { instanceOf: FlowKeyError })
    t.is(e.reason, 'looks-like-path')
    t.regex(e.message, /^privateKey: this looks like a file path, not PEM text: pass privateKey: \{ path \}.*WA_FLOWS_PRIVATE_KEY_FILE/)
  }
  const fromEnv = t.throws(() => withEnv({ WA_FLOWS_PRIVATE_KEY: 'keys/private.pem' }, () => createFlowEndpoint({ logger: false })), {
    instanceOf: FlowKeyError,
  })
  t.regex(fromEnv.message, /^WA_FLOWS_PRIVATE_KEY: this looks like a file path/)
  // loadPrivateKey says the same instead of "malformed".
  return t.throwsAsync(loadPrivateKey('keys/private.pem'), { instanceOf: FlowKeyError, message: /looks like a file path/ })
})

test.serial('no key anywhere: the error says the value was undefined and names both variables', (t) => {
  const given = t.throws(() => withEnv({}, () => createFlowEndpoint({ privateKey: process.env.PRIVATE_KEY_NOT_SET, logger: false })), {
    instanceOf: FlowKeyError,
  })
  t.is(given.reason, 'missing')
  t.is(
    given.message,
    'privateKey: privateKey is undefined (is the variable you read it from set?), and neither WA_FLOWS_PRIVATE_KEY (PEM text) nor WA_FLOWS_PRIVATE_KEY_FILE (a file path) is set',
  )
  const absent = t.throws(() => withEnv({}, () => createFlowEndpoint({ logger: false })), { instanceOf: FlowKeyError })
  t.regex(absent.message, /no private key: privateKey is not given and neither WA_FLOWS_PRIVATE_KEY/)
  const both = t.throws(
    () =>
      withEnv({ WA_FLOWS_PRIVATE_KEY: keys.privatePem, WA_FLOWS_PRIVATE_KEY_FILE: keyFile }, () => createFlowEndpoint({ logger: false })),
    { instanceOf: FlowKeyError },
  )
  t.is(both.reason, 'ambiguous')
})

test.serial('file and passphrase problems reject ready() naming the variable; the log line names the source, never the key', async (t) => {
  const log = captureLogger()
  const missing = withEnv({ WA_FLOWS_PRIVATE_KEY_FILE: join(dir, 'nope.pem') }, () => createFlowEndpoint({ logger: log.logger }))
  const e = await t.throwsAsync(missing.ready(), { instanceOf: FlowKeyError })
  t.is(e.reason, 'unreadable')
  t.is(e.message, `WA_FLOWS_PRIVATE_KEY_FILE (${join(dir, 'nope.pem')}): the key file cannot be read (ENOENT)`)
  t.deepEqual(log.calls.at(-1).args, [
    'the private key could not be loaded; every request will answer 500',
    { error: 'FlowKeyError', code: 'ERR_FLOW_KEY_INVALID', reason: 'unreadable', source: 'WA_FLOWS_PRIVATE_KEY_FILE' },
  ])

  const wrong = withEnv({ WA_FLOWS_PRIVATE_KEY_FILE: encryptedFile, WA_FLOWS_PRIVATE_KEY_PASSPHRASE: 'not it' }, () =>
    createFlowEndpoint({ logger: log.logger }),
  )
  const w = await t.throwsAsync(wrong.ready(), { instanceOf: FlowKeyError })
  t.is(w.reason, 'wrong-passphrase')
  t.regex(w.message, /^WA_FLOWS_PRIVATE_KEY_FILE \(.*encrypted\.pem\): .*passphrase.* \(passphrase from WA_FLOWS_PRIVATE_KEY_PASSPHRASE\)$/)
  const none = createFlowEndpoint({ privateKey: encryptedPem, logger: false })
  const n = await t.throwsAsync(none.ready(), { instanceOf: FlowKeyError })
  t.regex(
    n.message,
    /^privateKey: the private key is encrypted and no passphrase was given \(the passphrase option, or WA_FLOWS_PRIVATE_KEY_PASSPHRASE\)/,
  )
  t.false(log.text().includes('PRIVATE KEY-----'), 'no key material in any log line')
})

test('the WebCrypto entry reads no files: { path } is refused at creation', (t) => {
  const e = t.throws(() => web.createFlowEndpoint({ privateKey: { path: keyFile }, logger: false }), { instanceOf: web.FlowKeyError })
  t.is(e.reason, 'file-unsupported')
  t.regex(e.message, /^privateKey\.path: a key file cannot be read on this runtime/)
})

test.serial('createWebhook reads WA_FLOWS_APP_SECRET and WA_FLOWS_VERIFY_TOKEN; createGraphClient WA_FLOWS_ACCESS_TOKEN', async (t) => {
  const webhook = withEnv({ WA_FLOWS_APP_SECRET: 'hook-secret', WA_FLOWS_VERIFY_TOKEN: 'verify-me' }, () =>
    createWebhook({ logger: false }),
  )
  const ok = await webhook.handle({
    method: 'GET',
    body: '',
    url: '/webhook?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=42',
  })
  t.deepEqual([ok.status, ok.body], [200, '42'])
  t.throws(() => withEnv({}, () => createWebhook({ logger: false })), {
    instanceOf: TypeError,
    message: /appSecret is required \(or set WA_FLOWS_APP_SECRET\)/,
  })

  const requests = []
  const fetch = async (url, init) => {
    requests.push(init.headers.authorization)
    return new Response(JSON.stringify({ data: [] }), { status: 200, headers: { 'content-type': 'application/json' } })
  }
  const graph = withEnv({ WA_FLOWS_ACCESS_TOKEN: 'EAAG-from-env' }, () => createGraphClient({ fetch, phoneNumberId: '1' }))
  await graph.request('GET', '1/whatsapp_business_encryption')
  t.deepEqual(requests, ['Bearer EAAG-from-env'])
  t.throws(() => withEnv({}, () => createGraphClient({ fetch })), { instanceOf: TypeError, message: /WA_FLOWS_ACCESS_TOKEN/ })
})
