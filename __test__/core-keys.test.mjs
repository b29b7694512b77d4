// Private key formats and key errors on every backend: PEM/DER, PKCS#8/PKCS#1, encrypted variants, and each refusal reason.
import { execFileSync } from 'node:child_process'
import {
  constants,
  createCipheriv,
  createPrivateKey,
  generateKeyPairSync,
  pbkdf2Sync,
  publicEncrypt,
  randomBytes,
  X509Certificate,
} from 'node:crypto'
import { readFileSync } from 'node:fs'

import test from 'ava'

import { createFlowCrypto } from '../dist/api.js'
import { createWebCryptoBackend } from '../dist/backend/webcrypto.js'
import { FlowKeyError } from '../dist/errors.js'
import { runtimes, vectors } from './helpers/backends.mjs'

const PASS = 'correct horse ✓'
const WRONG = 'battery staple'
const b64 = (b) => Buffer.from(b).toString('base64')
const u8 = (b) => new Uint8Array(b)

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const small = generateKeyPairSync('rsa', { modulusLength: 1024 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const ed = generateKeyPairSync('ed25519')
const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 })
const pk = rsa.privateKey
const pywaPem = readFileSync(new URL('pywa/private_key.pem', vectors), 'utf8')
const pywaPass = JSON.parse(readFileSync(new URL('pywa/flow_request.json', vectors), 'utf8')).passphrase

// ---- a small DER writer, to build PBES2 containers with PRFs and ciphers node:crypto's export does not choose
function tlv(tag, ...parts) {
  const body = Buffer.concat(parts)
  const n = body.length
  const len =
    n < 0x80
      ? Buffer.of(n)
      : n < 0x100
        ? Buffer.of(0x81, n)
        : n < 0x10000
          ? Buffer.of(0x82, n >> 8, n & 0xff)
          : Buffer.of(0x83, n >> 16, (n >> 8) & 0xff, n & 0xff)
  return Buffer.concat([Buffer.of(tag), len, body])
}
function oid(dotted) {
  const [a, b, ...rest] = dotted.split('.').map(Number)
  const out = [a * 40 + b]
  for (const v of rest) {
    const group = [v & 0x7f]
    for (let x = v >> 7; x > 0; x >>= 7) group.unshift((x & 0x7f) | 0x80)
    out.push(...group)
  }
  return tlv(0x06, Buffer.from(out))
}
function int(n) {
  const bytes = []
  for (let x = n; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff)
  if (bytes.length === 0 || bytes[0] & 0x80) bytes.unshift(0)
  return tlv(0x02, Buffer.from(bytes))
}
const seq = (...p) => tlv(0x30, ...p)
const octets = (b) => tlv(0x04, b)
const NULL = Buffer.of(0x05, 0x00)

const PRF = { sha1: '1.2.840.113549.2.7', sha256: '1.2.840.113549.2.9', sha384: '1.2.840.113549.2.10', sha512: '1.2.840.113549.2.11' }
const AES = {
  'aes-128-cbc': ['2.16.840.1.101.3.4.1.2', 16],
  'aes-192-cbc': ['2.16.840.1.101.3.4.1.22', 24],
  'aes-256-cbc': ['2.16.840.1.101.3.4.1.42', 32],
}

/** EncryptedPrivateKeyInfo with PBES2 / PBKDF2-HMAC-`prf` / `cipher`; the SHA-1 PRF is left implicit (its DEFAULT). */
function pbes2(pkcs8Der, passphrase, prf, cipher, { withKeyLength = false } = {}) {
  const [cipherOid, keyLen] = AES[cipher]
  const salt = randomBytes(16)
  const iv = randomBytes(16)
  const iterations = 2048
  const key = pbkdf2Sync(Buffer.from(passphrase), salt, iterations, keyLen, prf)
  const c = createCipheriv(cipher, key, iv)
  const encrypted = Buffer.concat([c.update(pkcs8Der), c.final()])
  const kdfParams = seq(
    octets(salt),
    int(iterations),
    ...(withKeyLength ? [int(keyLen)] : []),
    ...(prf === 'sha1' ? [] : [seq(oid(PRF[prf]), NULL)]),
  )
  const alg = seq(oid('1.2.840.113549.1.5.13'), seq(seq(oid('1.2.840.113549.1.5.12'), kdfParams), seq(oid(cipherOid), octets(iv))))
  return seq(alg, octets(encrypted))
}

const toPem = (label, der) =>
  `-----BEGIN ${label}-----\n${b64(der)
    .match(/.{1,64}/g)
    .join('\n')}\n-----END ${label}-----\n`
const pkcs8Der = pk.export({ type: 'pkcs8', format: 'der' })

// ---- every accepted format: [name, data, passphrase]
const formats = [
  ['PKCS#8 PEM', pk.export({ type: 'pkcs8', format: 'pem' })],
  ['PKCS#8 PEM as Uint8Array', u8(Buffer.from(pk.export({ type: 'pkcs8', format: 'pem' })))],
  [
    'PKCS#8 PEM with CRLF and surrounding text',
    `Bag Attributes\r\n    localKeyID: 01\r\n${pk.export({ type: 'pkcs8', format: 'pem' }).replace(/\n/g, '\r\n')}trailing words\r\n`,
  ],
  ['PKCS#8 PEM (passphrase given but not needed)', pk.export({ type: 'pkcs8', format: 'pem' }), 'unused'],
  ['PKCS#8 encrypted AES-256-CBC PEM', pk.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASS }), PASS],
  ['PKCS#8 encrypted AES-128-CBC PEM', pk.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-128-cbc', passphrase: PASS }), PASS],
  ['PKCS#8 encrypted DES-EDE3-CBC PEM', pk.export({ type: 'pkcs8', format: 'pem', cipher: 'des-ede3-cbc', passphrase: PASS }), PASS],
  ['pywa PKCS#8 PBES2 DES-EDE3-CBC PEM', pywaPem, pywaPass],
  ['PKCS#1 PEM', pk.export({ type: 'pkcs1', format: 'pem' })],
  ['PKCS#1 PEM with CRLF', pk.export({ type: 'pkcs1', format: 'pem' }).replace(/\n/g, '\r\n')],
  ['PKCS#1 legacy encrypted DES-EDE3-CBC PEM', pk.export({ type: 'pkcs1', format: 'pem', cipher: 'des-ede3-cbc', passphrase: PASS }), PASS],
  ['PKCS#1 legacy encrypted AES-256-CBC PEM', pk.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASS }), PASS],
  ['PKCS#8 DER', u8(pkcs8Der)],
  ['PKCS#1 DER', u8(pk.export({ type: 'pkcs1', format: 'der' }))],
  ['PKCS#8 encrypted AES-256-CBC DER', u8(pk.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: PASS })), PASS],
]
for (const prf of Object.keys(PRF)) {
  for (const cipher of Object.keys(AES)) {
    formats.push([
      `PKCS#8 PBES2 PBKDF2-HMAC-${prf.toUpperCase()} ${cipher.toUpperCase()} PEM`,
      toPem('ENCRYPTED PRIVATE KEY', pbes2(pkcs8Der, PASS, prf, cipher)),
      PASS,
    ])
  }
}
formats.push([
  'PKCS#8 PBES2 with explicit keyLength, DER',
  u8(pbes2(pkcs8Der, PASS, 'sha512', 'aes-256-cbc', { withKeyLength: true })),
  PASS,
])

// Keys node:crypto exports for the pywa entry differ; the request is built for the right public key.
const pywaPublic = createPrivateKey({ key: pywaPem, passphrase: pywaPass })

function request(pub) {
  const aesKey = randomBytes(16)
  const iv = randomBytes(16)
  const c = createCipheriv('aes-128-gcm', aesKey, iv)
  const data = Buffer.concat([c.update('{"action":"ping"}'), c.final(), c.getAuthTag()])
  const wrapped = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, aesKey)
  return { aesKey, body: { encrypted_flow_data: b64(data), encrypted_aes_key: b64(wrapped), initial_vector: b64(iv) } }
}

test('the hand-built PBES2 containers are readable by node:crypto (guards the test fixture)', (t) => {
  for (const [name, data, pass] of formats.filter(([n]) => n.includes('PBES2') && !n.startsWith('pywa'))) {
    const key = createPrivateKey({
      key: typeof data === 'string' ? data : Buffer.from(data),
      format: typeof data === 'string' ? 'pem' : 'der',
      type: 'pkcs8',
      passphrase: pass,
    })
    t.deepEqual(key.export({ type: 'pkcs8', format: 'der' }), pkcs8Der, name)
  }
})

for (const rt of runtimes) {
  test(`${rt.name}: every key format loads (bits 2048) and decrypts a request`, async (t) => {
    for (const [name, data, passphrase] of formats) {
      const key = await rt.crypto.loadPrivateKey(data, passphrase === undefined ? {} : { passphrase })
      t.is(key.bits, 2048, name)
      t.is(key.backend, rt.name, name)
      const r = request(name.startsWith('pywa') ? pywaPublic : pk)
      const d = await rt.crypto.decryptRequest(r.body, key)
      t.deepEqual(Buffer.from(d.aesKey), r.aesKey, name)
      t.deepEqual(d.request, { action: 'ping' }, name)
    }
  })
}

// ---- refusals: [name, data, passphrase, reason, message pattern]
const legacy = (cipher) => pk.export({ type: 'pkcs1', format: 'pem', cipher, passphrase: PASS })
const certPem = execFileSync(
  'openssl',
  ['req', '-new', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=whatsapp-flows-test', '-days', '1'],
  {
    stdio: ['ignore', 'pipe', 'ignore'],
  },
).toString()
const refusals = [
  [
    'wrong passphrase, PKCS#8 AES-256-CBC PEM',
    pk.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASS }),
    WRONG,
    'wrong-passphrase',
    /passphrase/,
  ],
  [
    'wrong passphrase, PKCS#8 AES-256-CBC DER',
    u8(pk.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: PASS })),
    WRONG,
    'wrong-passphrase',
    /passphrase/,
  ],
  [
    'wrong passphrase, PBES2 SHA-1 AES-128-CBC PEM',
    toPem('ENCRYPTED PRIVATE KEY', pbes2(pkcs8Der, PASS, 'sha1', 'aes-128-cbc')),
    WRONG,
    'wrong-passphrase',
    /passphrase/,
  ],
  [
    'empty passphrase, PKCS#8 AES-256-CBC PEM',
    pk.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASS }),
    '',
    'wrong-passphrase',
    /passphrase/,
  ],
  [
    'missing passphrase, PKCS#8 AES-256-CBC PEM',
    pk.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASS }),
    undefined,
    'passphrase-required',
    /no passphrase/,
  ],
  ['missing passphrase, pywa DES-EDE3 PEM', pywaPem, undefined, 'passphrase-required', /no passphrase/],
  [
    'missing passphrase, PKCS#8 encrypted DER',
    u8(pk.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: PASS })),
    undefined,
    'passphrase-required',
    /no passphrase/,
  ],
  ['missing passphrase, legacy DES-EDE3 PKCS#1 PEM', legacy('des-ede3-cbc'), undefined, 'passphrase-required', /no passphrase/],
  ['missing passphrase, legacy AES-256 PKCS#1 PEM', legacy('aes-256-cbc'), undefined, 'passphrase-required', /no passphrase/],
  ['SPKI public key PEM', rsa.publicKey.export({ type: 'spki', format: 'pem' }), undefined, 'public-key', /public key/],
  ['PKCS#1 public key PEM', rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }), undefined, 'public-key', /public key/],
  ['SPKI public key DER', u8(rsa.publicKey.export({ type: 'spki', format: 'der' })), undefined, 'public-key', /public key/],
  ['certificate PEM', certPem, undefined, 'public-key', /public key or certificate/],
  ['EC P-256 PKCS#8 PEM', ec.privateKey.export({ type: 'pkcs8', format: 'pem' }), undefined, 'not-rsa', /not an RSA private key/],
  ['EC P-256 SEC1 PEM', ec.privateKey.export({ type: 'sec1', format: 'pem' }), undefined, 'not-rsa', /not an RSA private key/],
  ['EC P-256 PKCS#8 DER', u8(ec.privateKey.export({ type: 'pkcs8', format: 'der' })), undefined, 'not-rsa', /not an RSA private key/],
  ['EC P-256 SEC1 DER', u8(ec.privateKey.export({ type: 'sec1', format: 'der' })), undefined, 'not-rsa', /not an RSA private key/],
  [
    'EC P-256 PKCS#8 encrypted PEM',
    ec.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASS }),
    PASS,
    'not-rsa',
    /not an RSA private key/,
  ],
  ['Ed25519 PKCS#8 PEM', ed.privateKey.export({ type: 'pkcs8', format: 'pem' }), undefined, 'not-rsa', /not an RSA private key/],
  ['RSA-PSS PKCS#8 PEM', pss.privateKey.export({ type: 'pkcs8', format: 'pem' }), undefined, 'not-rsa', /not an RSA private key/],
  ['RSA-1024 PKCS#8 PEM', small.privateKey.export({ type: 'pkcs8', format: 'pem' }), undefined, 'too-small', /1024 bits.*at least 2048/],
  ['RSA-1024 PKCS#1 PEM', small.privateKey.export({ type: 'pkcs1', format: 'pem' }), undefined, 'too-small', /1024 bits/],
  ['RSA-1024 PKCS#8 DER', u8(small.privateKey.export({ type: 'pkcs8', format: 'der' })), undefined, 'too-small', /1024 bits/],
  [
    'RSA-1024 encrypted PKCS#8 PEM',
    small.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASS }),
    PASS,
    'too-small',
    /1024 bits/,
  ],
  ['garbage text', 'this is not a key', undefined, 'malformed', /neither a PEM nor a DER/],
  ['garbage bytes', u8(randomBytes(300)), undefined, 'malformed', /./],
  [
    'PEM with a broken body',
    '-----BEGIN PRIVATE KEY-----\nnot*base64\n-----END PRIVATE KEY-----\n',
    undefined,
    'malformed',
    /could not be parsed/,
  ],
  ['PEM with a valid base64 non-key body', toPem('PRIVATE KEY', Buffer.from('hello world, no key here')), undefined, 'malformed', /./],
  ['PEM of an unknown type', toPem('SOMETHING ELSE', Buffer.from('xyz')), undefined, 'malformed', /holds no private key/],
  [
    'PKCS#1 PEM truncated',
    `${pk.export({ type: 'pkcs1', format: 'pem' }).slice(0, 400)}\n-----END RSA PRIVATE KEY-----\n`,
    undefined,
    'malformed',
    /./,
  ],
  ['empty string', '', undefined, 'malformed', /empty/],
  ['empty bytes', new Uint8Array(0), undefined, 'malformed', /empty/],
]

for (const rt of runtimes) {
  test(`${rt.name}: refused keys carry the right reason and never echo the passphrase`, async (t) => {
    for (const [name, data, passphrase, reason, message] of refusals) {
      const e = await t.throwsAsync(
        rt.crypto.loadPrivateKey(data, passphrase === undefined ? {} : { passphrase }),
        { instanceOf: FlowKeyError },
        name,
      )
      t.is(e.reason, reason, name)
      t.is(e.code, 'ERR_FLOW_KEY_INVALID', name)
      t.is(e.status, 500, name)
      t.regex(e.message, message, name)
      for (const secret of [PASS, WRONG]) t.false(e.message.includes(secret), name)
    }
  })

  test(`${rt.name}: loadPrivateKey guards its argument types with TypeError`, async (t) => {
    const pem = pk.export({ type: 'pkcs8', format: 'pem' })
    await t.throwsAsync(rt.crypto.loadPrivateKey(42), { instanceOf: TypeError })
    await t.throwsAsync(rt.crypto.loadPrivateKey(undefined), { instanceOf: TypeError })
    await t.throwsAsync(rt.crypto.loadPrivateKey(pkcs8Der.buffer), { instanceOf: TypeError })
    await t.throwsAsync(rt.crypto.loadPrivateKey(pem, { passphrase: 42 }), { instanceOf: TypeError })
  })
}

// The WebCrypto backend reads DER public keys and DER certificates as such. The native loader only recognises
// SPKI DER (d2i_PUBKEY), so for these two it answers malformed: a native bug, reported, kept visible here.
const derPublic = [
  ['PKCS#1 public key DER', u8(rsa.publicKey.export({ type: 'pkcs1', format: 'der' }))],
  ['certificate DER', u8(new X509Certificate(certPem).raw)],
]
for (const rt of runtimes) {
  const title = `${rt.name}: DER PKCS#1 public keys and DER certificates are refused as public-key`
  const body = async (t) => {
    for (const [name, data] of derPublic) {
      const e = await t.throwsAsync(rt.crypto.loadPrivateKey(data), { instanceOf: FlowKeyError }, name)
      t.is(e.reason, 'public-key', name)
    }
  }
  test(title, body)
}

// Keys the WebCrypto backend cannot open itself: without the node:crypto converter (Deno, Workers) they are
// unsupported-format and name the conversion; a missing passphrase is still reported as such.
const pure = createFlowCrypto(createWebCryptoBackend())
test('pure WebCrypto: DES-EDE3 PBES2 and legacy encrypted PEM are unsupported-format naming the openssl conversion', async (t) => {
  const cases = [
    ['PKCS#8 DES-EDE3-CBC PEM', pk.export({ type: 'pkcs8', format: 'pem', cipher: 'des-ede3-cbc', passphrase: PASS }), /DES-EDE3-CBC/],
    ['PKCS#8 DES-EDE3-CBC DER', u8(pk.export({ type: 'pkcs8', format: 'der', cipher: 'des-ede3-cbc', passphrase: PASS })), /DES-EDE3-CBC/],
    ['legacy DES-EDE3 PKCS#1 PEM', legacy('des-ede3-cbc'), /legacy PEM encryption \(DES-EDE3-CBC/],
    ['legacy AES-256 PKCS#1 PEM', legacy('aes-256-cbc'), /legacy PEM encryption \(AES-256-CBC/],
  ]
  for (const [name, data, what] of cases) {
    const e = await t.throwsAsync(pure.loadPrivateKey(data, { passphrase: PASS }), { instanceOf: FlowKeyError }, name)
    t.is(e.reason, 'unsupported-format', name)
    t.regex(e.message, what, name)
    t.true(e.message.includes('openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key-pkcs8.pem'), name)
    t.false(e.message.includes(PASS), name)
    const missing = await t.throwsAsync(pure.loadPrivateKey(data), { instanceOf: FlowKeyError }, name)
    t.is(missing.reason, 'passphrase-required', name)
  }
})

test('pure WebCrypto: every PBES2/PBKDF2/AES-CBC key and every unencrypted format loads without the converter', async (t) => {
  for (const [name, data, passphrase] of formats.filter(([n]) => !/DES-EDE3|legacy|pywa/.test(n))) {
    const key = await pure.loadPrivateKey(data, passphrase === undefined ? {} : { passphrase })
    const r = request(pk)
    t.deepEqual(Buffer.from((await pure.decryptRequest(r.body, key)).aesKey), r.aesKey, name)
  }
})

// A wrong passphrase on a key only node:crypto can open (DES-EDE3 PBES2, legacy PEM): native says wrong-passphrase.
// On WebCrypto the backend answers unsupported-format, src/node/key-convert.ts swallows node:crypto's bad-decrypt
// error (returns undefined) and src/api.ts rethrows unsupported-format. Kept visible until key-convert reports it.
const convertOnly = [
  ['pywa DES-EDE3 PBES2 PEM', pywaPem],
  ['legacy DES-EDE3 PKCS#1 PEM', legacy('des-ede3-cbc')],
  ['legacy AES-256 PKCS#1 PEM', legacy('aes-256-cbc')],
]
for (const rt of runtimes) {
  const title = `${rt.name}: a wrong passphrase on DES-EDE3 PBES2 or legacy PEM keys is wrong-passphrase`
  const body = async (t) => {
    for (const [name, data] of convertOnly) {
      const e = await t.throwsAsync(rt.crypto.loadPrivateKey(data, { passphrase: WRONG }), { instanceOf: FlowKeyError }, name)
      t.is(e.reason, 'wrong-passphrase', name)
    }
  }
  test(title, body)
}

// Bundles (a certificate or public key before the key) and `Proc-Type:4,ENCRYPTED` written without a space.
for (const rt of runtimes) {
  test(`${rt.name}: a PEM bundle with a certificate first loads the private key`, async (t) => {
    const keyPem = pk.export({ type: 'pkcs8', format: 'pem' })
    const key = await rt.crypto.loadPrivateKey(certPem + keyPem)
    t.is(key.bits, 2048)
    const pkcs1Encrypted = pk.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASS })
    t.is((await rt.crypto.loadPrivateKey(certPem + pkcs1Encrypted, { passphrase: PASS })).bits, 2048)
  })

  test(`${rt.name}: legacy "Proc-Type:4,ENCRYPTED" without a space is still an encrypted key`, async (t) => {
    const legacy = pk
      .export({ type: 'pkcs1', format: 'pem', cipher: 'des-ede3-cbc', passphrase: PASS })
      .replace('Proc-Type: 4,ENCRYPTED', 'Proc-Type:4,ENCRYPTED')
    const e = await t.throwsAsync(rt.crypto.loadPrivateKey(legacy), { instanceOf: FlowKeyError })
    t.is(e.reason, 'passphrase-required')
    t.is((await rt.crypto.loadPrivateKey(legacy, { passphrase: PASS })).bits, 2048)
  })
}
