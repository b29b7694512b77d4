#!/usr/bin/env node
// Writes the seed corpus of the fuzz targets (fuzz/corpus/<target>/) in each target's input format: keys in every
// format (made with the openssl command line: RSA-2048, plus too-small, EC, Ed25519, public keys, a certificate),
// requests sealed under the fixed key of fuzz/fixtures, and media files sealed with pywa's media keys. Run once by
// hand (`node fuzz/make-corpus.mjs`); the files are committed. New keys are generated on each run.
import { execFileSync } from 'node:child_process'
import { createCipheriv, createHash, createHmac } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..')
const tmp = mkdtempSync(join(tmpdir(), 'flows-corpus-'))
const PASS = 'fuzz'

const openssl = (...args) => execFileSync('openssl', args, { cwd: tmp, stdio: ['ignore', 'pipe', 'inherit'] })
const file = (name) => readFileSync(join(tmp, name))
const u8 = (...bytes) => Buffer.from(bytes)
const u16 = (n) => Buffer.from([n & 0xff, n >> 8])

function writeCorpus(target, entries) {
  const dir = join(here, 'corpus', target)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  for (const [name, bytes] of Object.entries(entries)) writeFileSync(join(dir, name), bytes)
  process.stdout.write(`${target}: ${Object.keys(entries).length} files\n`)
}

/** The DER inside a PEM text's first block, and its headers. */
function pemBody(pem) {
  const lines = pem.toString().split(/\r?\n/)
  const begin = lines.findIndex((l) => l.startsWith('-----BEGIN '))
  const end = lines.findIndex((l, i) => i > begin && l.startsWith('-----END '))
  const inner = lines.slice(begin + 1, end)
  const headers = inner.filter((l) => l.includes(':'))
  return { der: Buffer.from(inner.filter((l) => !l.includes(':')).join(''), 'base64'), headers }
}

// ----- key_load: flags [passphrase length, passphrase] [cipher, IV] key bytes
function keyInput(flags, key, pass) {
  const parts = [u8(flags | (pass === undefined ? 0 : 0x08))]
  if (pass !== undefined) parts.push(u8(pass.length), Buffer.from(pass))
  parts.push(key)
  return Buffer.concat(parts)
}

openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'rsa.pem')
openssl('pkcs8', '-topk8', '-nocrypt', '-in', 'rsa.pem', '-outform', 'DER', '-out', 'rsa.der')
openssl('rsa', '-in', 'rsa.pem', '-traditional', '-out', 'rsa1.pem')
openssl('rsa', '-in', 'rsa.pem', '-traditional', '-outform', 'DER', '-out', 'rsa1.der')
openssl('pkcs8', '-topk8', '-in', 'rsa.pem', '-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA256', '-passout', `pass:${PASS}`, '-out', 'enc-aes.pem')
openssl('pkcs8', '-topk8', '-in', 'rsa.pem', '-v2', 'aes-256-cbc', '-passout', `pass:${PASS}`, '-outform', 'DER', '-out', 'enc-aes.der')
openssl('pkcs8', '-topk8', '-in', 'rsa.pem', '-v2', 'des3', '-passout', `pass:${PASS}`, '-out', 'enc-des3.pem')
openssl('pkcs8', '-topk8', '-in', 'rsa.pem', '-v1', 'PBE-SHA1-3DES', '-passout', `pass:${PASS}`, '-out', 'enc-pbes1.pem')
openssl('pkcs8', '-topk8', '-in', 'rsa.pem', '-scrypt', '-scrypt_N', '1024', '-scrypt_r', '8', '-scrypt_p', '1', '-passout', `pass:${PASS}`, '-out', 'enc-scrypt.pem')
openssl('rsa', '-in', 'rsa.pem', '-traditional', '-aes128', '-passout', `pass:${PASS}`, '-out', 'legacy-aes.pem')
openssl('rsa', '-in', 'rsa.pem', '-traditional', '-des3', '-passout', `pass:${PASS}`, '-out', 'legacy-des3.pem')
openssl('pkey', '-in', 'rsa.pem', '-pubout', '-out', 'pub.pem')
openssl('pkey', '-in', 'rsa.pem', '-pubout', '-outform', 'DER', '-out', 'pub.der')
openssl('rsa', '-in', 'rsa.pem', '-RSAPublicKey_out', '-out', 'rsapub.pem')
openssl('req', '-new', '-x509', '-key', 'rsa.pem', '-subj', '/CN=fuzz', '-days', '1', '-out', 'cert.pem')
openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', 'small.pem')
openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ec.pem')
openssl('ec', '-in', 'ec.pem', '-out', 'ec-sec1.pem')
openssl('genpkey', '-algorithm', 'ED25519', '-out', 'ed25519.pem')

const legacy = pemBody(file('legacy-aes.pem'))
const legacyIv = Buffer.from(legacy.headers.find((h) => h.startsWith('DEK-Info')).split(',')[1].trim(), 'hex')
const crlf = (pem) => Buffer.from(pem.toString().replace(/\n/g, '\r\n'))

writeCorpus('key_load', {
  'pkcs8.pem': keyInput(0, file('rsa.pem')),
  'pkcs8.der': keyInput(0, file('rsa.der')),
  'pkcs8-crlf.pem': keyInput(0, crlf(file('rsa.pem'))),
  'pkcs1.pem': keyInput(0, file('rsa1.pem')),
  'pkcs1.der': keyInput(0, file('rsa1.der')),
  'pkcs8-enc-aes.pem': keyInput(0, file('enc-aes.pem'), PASS),
  'pkcs8-enc-aes-no-passphrase.pem': keyInput(0, file('enc-aes.pem')),
  'pkcs8-enc-aes-wrong-passphrase.pem': keyInput(0, file('enc-aes.pem'), 'nope'),
  'pkcs8-enc-aes.der': keyInput(0, file('enc-aes.der'), PASS),
  // The first finding: a NUL byte in the passphrase of a DER key panicked in the openssl crate.
  'regression-pkcs8-enc-aes-nul-passphrase.der': keyInput(0, file('enc-aes.der'), 'fu\0zz'),
  'pkcs8-enc-des3.pem': keyInput(0, file('enc-des3.pem'), PASS),
  'pkcs8-enc-pkcs12-pbe.pem': keyInput(0, file('enc-pbes1.pem'), PASS),
  'pkcs8-enc-scrypt.pem': keyInput(0, file('enc-scrypt.pem'), PASS),
  'pkcs1-legacy-aes.pem': keyInput(0, file('legacy-aes.pem'), PASS),
  'pkcs1-legacy-des3.pem': keyInput(0, file('legacy-des3.pem'), PASS),
  'pkcs1-legacy-no-passphrase.pem': keyInput(0, file('legacy-des3.pem')),
  'pywa-pkcs8-enc.pem': keyInput(0, readFileSync(join(root, '__test__/vectors/pywa/private_key.pem')), 'pywa'),
  'inconsistent-crt.pem': keyInput(0, readFileSync(join(root, '__test__/fixtures/inconsistent-crt.pem'))),
  'rsa-1024.pem': keyInput(0, file('small.pem')),
  'ec-pkcs8.pem': keyInput(0, file('ec.pem')),
  'ec-sec1.pem': keyInput(0, file('ec-sec1.pem')),
  'ed25519.pem': keyInput(0, file('ed25519.pem')),
  'spki.pem': keyInput(0, file('pub.pem')),
  'spki.der': keyInput(0, file('pub.der')),
  'rsa-public.pem': keyInput(0, file('rsapub.pem')),
  'certificate.pem': keyInput(0, file('cert.pem')),
  'bundle-cert-then-key.pem': keyInput(0, Buffer.concat([file('cert.pem'), file('rsa.pem')])),
  'empty': keyInput(0, Buffer.alloc(0)),
  'broken-body.pem': keyInput(0, Buffer.from('-----BEGIN PRIVATE KEY-----\nMIIE!!!\n-----END PRIVATE KEY-----\n')),
  'wrapped-pkcs8.der': keyInput(1, file('rsa.der')),
  'wrapped-pkcs8-enc.der': keyInput(2, file('enc-aes.der'), PASS),
  'wrapped-pkcs1.der': keyInput(3, file('rsa1.der')),
  'wrapped-pkcs1-legacy.der': Buffer.concat([keyInput(4, Buffer.alloc(0), PASS), u8(0), legacyIv, legacy.der]),
  'wrapped-spki-crlf.der': Buffer.concat([u8(5 | 0x10), u8(0), file('pub.der')]),
})

// ----- request: the fixed key is pywa's; fixtures/wrapped-aes-16.bin carries AES_KEY.
const AES_KEY = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex')
const wrapped16 = readFileSync(join(here, 'fixtures/wrapped-aes-16.bin'))
const gcm = (key, iv, pt) => {
  const c = createCipheriv('aes-128-gcm', key, iv)
  return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()])
}
const pywa = JSON.parse(readFileSync(join(root, '__test__/vectors/pywa/flow_request.json'), 'utf8'))
const b64 = (s) => Buffer.from(s, 'base64')
const iv = Buffer.from('a1a2a3a4a5a6a7a8a9aaabacadaeafb0', 'hex')
const json = Buffer.from('{"version":"3.0","action":"data_exchange","screen":"A","data":{"x":1},"flow_token":"t"}')
const raw = (wrapped, ivBytes, body) => Buffer.concat([u8(0, 0), wrapped, u8(ivBytes.length), ivBytes, body])
const sealed = (choice, ivByte, ivBytes, tamper, pos, pt) => Buffer.concat([u8(2, choice, ivByte), ivBytes, u8(tamper), u16(pos), pt])

writeCorpus('request', {
  'raw-pywa-request': raw(b64(pywa.request.encrypted_aes_key), b64(pywa.request.initial_vector), b64(pywa.request.encrypted_flow_data)),
  'raw-honest': raw(wrapped16, iv, gcm(AES_KEY, iv, json)),
  'raw-iv-12': raw(wrapped16, iv.subarray(0, 12), gcm(AES_KEY, iv, json)),
  'raw-short-wrapped-key': Buffer.concat([u8(0, 128 + 32), wrapped16.subarray(0, 128), u8(16), iv, gcm(AES_KEY, iv, json)]),
  'sealed-honest': sealed(0, 0, iv, 0, 0, json),
  'sealed-empty-plaintext': sealed(0, 0, iv, 0, 0, Buffer.alloc(0)),
  'sealed-aes-15': sealed(1, 0, iv, 0, 0, json),
  'sealed-aes-32': sealed(2, 0, iv, 0, 0, json),
  'sealed-aes-0': sealed(3, 0, iv, 0, 0, json),
  'sealed-wrapped-flipped': sealed(4, 0, iv, 0, 0, json),
  'sealed-tag-flipped': sealed(0, 0, iv, 1, json.length + 3, json),
  'sealed-cut': sealed(0, 0, iv, 0x80, json.length, json),
  'sealed-iv-0': sealed(0, 231, Buffer.alloc(0), 0, 0, json),
  'sealed-iv-12': sealed(0, 243, iv.subarray(0, 12), 0, 0, json),
  'body-honest': Buffer.concat([u8(3, 0), iv, gcm(AES_KEY, iv, json)]),
  'body-garbage': Buffer.concat([u8(3, 0), iv, Buffer.alloc(40, 0x33)]),
})

// ----- media_stream: mode, flags, n, n chunk sizes, then by construction.
const MEDIA = JSON.parse(readFileSync(join(root, '__test__/vectors/pywa/media.json'), 'utf8')).encryption_metadata
const mediaSeal = (pt) => {
  const c = createCipheriv('aes-256-cbc', b64(MEDIA.encryption_key), b64(MEDIA.iv))
  const ct = Buffer.concat([c.update(pt), c.final()])
  const tag = createHmac('sha256', b64(MEDIA.hmac_key)).update(b64(MEDIA.iv)).update(ct).digest().subarray(0, 10)
  return Buffer.concat([ct, tag])
}
const pywaCdn = readFileSync(join(root, '__test__/vectors/pywa/media_cdn_file.bin'))
const head = (construction, flags, sizes) => u8(construction, flags, sizes.length, ...sizes)
const sealedMedia = (flags, sizes, tamper, pos, pt) => Buffer.concat([head(2, flags, sizes), u8(tamper), u16(pos), pt])
const text = (n) => Buffer.from('The quick brown fox jumps over the lazy dog. '.repeat(8)).subarray(0, n)

// Not an input, a check of this script's sealing: it must give the pywa file for the pywa plaintext.
const pywaPlain = readFileSync(join(root, '__test__/vectors/pywa/media_plaintext.jpg'))
if (!mediaSeal(pywaPlain).equals(pywaCdn)) throw new Error('media sealing does not reproduce the pywa vector')
if (createHash('sha256').update(pywaCdn).digest('base64') !== MEDIA.encrypted_hash) throw new Error('pywa hash')

writeCorpus('media_stream', {
  'raw-pywa': Buffer.concat([head(0, 0, []), pywaCdn]),
  'raw-pywa-chunks': Buffer.concat([head(0, 0, [1, 17, 42, 0, 255]), pywaCdn]),
  'raw-pywa-bytewise': Buffer.concat([head(0, 0, [1]), pywaCdn]),
  'raw-short': Buffer.concat([head(0, 0, []), pywaCdn.subarray(0, 25)]),
  'raw-unaligned': Buffer.concat([head(0, 0, [7]), pywaCdn.subarray(0, 59)]),
  'fixed-up-garbage': Buffer.concat([head(1, 7, [16, 26]), Buffer.alloc(74, 0xa5)]),
  'fixed-up-pywa': Buffer.concat([head(1, 7, [3, 100]), pywaCdn]),
  'sealed-0': sealedMedia(0, [], 0, 0, text(0)),
  'sealed-1': sealedMedia(0, [1], 0, 0, text(1)),
  'sealed-15': sealedMedia(0, [15, 16], 0, 0, text(15)),
  'sealed-16': sealedMedia(0, [16], 0, 0, text(16)),
  'sealed-17': sealedMedia(0, [41, 42], 0, 0, text(17)),
  'sealed-100-threads': sealedMedia(0x40, [26, 0, 33], 0, 0, text(100)),
  'sealed-100-flip-tag': sealedMedia(0, [], 0x01, 120, text(100)),
  'sealed-100-flip-last-block': sealedMedia(0, [9], 0x10, 100, text(100)),
  'sealed-100-cut': sealedMedia(0, [], 0x80, 98, text(100)),
  'sealed-amplified': sealedMedia(0x70, [31, 1, 64], 0, 0, text(45)),
  'metadata-valid': Buffer.concat([head(3, 0, []), u8(32, 32, 16, 32, 32)]),
  'metadata-short-iv': Buffer.concat([head(3, 0, []), u8(32, 32, 12, 32, 32)]),
})

rmSync(tmp, { recursive: true, force: true })
