// WebCrypto entry check for any runtime (Node, Deno, Bun, a bare vm context): builds a request and a media file the
// way WhatsApp does with globalThis.crypto only, runs them through dist/webcrypto.js, prints `ok N - name` lines
// (or `not ok N - name: reason`) and ends with `done P/T`. Uses only crypto, TextEncoder/TextDecoder and atob/btoa;
// output goes to globalThis.report when the host defines one, else console.log.
import * as flows from '../../dist/webcrypto.js'

const say = (line) => (typeof globalThis.report === 'function' ? globalThis.report(line) : console.log(line))
const { subtle } = globalThis.crypto
const enc = new TextEncoder()
const dec = new TextDecoder()
const b64 = (bytes) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''))
const unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
const hex = (text) => Uint8Array.from(text.match(/../g), (h) => parseInt(h, 16))
const random = (n) => globalThis.crypto.getRandomValues(new Uint8Array(n))
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
const sameBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i])
const assert = (cond, message) => {
  if (!cond) throw new Error(message)
}

const cases = []
const check = (name, fn) => cases.push({ name, fn })

// A plain PKCS#8 RSA-2048 key made here (WebCrypto cannot read pywa's DES-EDE3 PBES2 key).
const pair = await subtle.generateKey(
  { name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
  true,
  ['encrypt', 'decrypt'],
)
const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey))
const pem = `-----BEGIN PRIVATE KEY-----\n${b64(pkcs8)
  .match(/.{1,64}/g)
  .join('\n')}\n-----END PRIVATE KEY-----\n`

/** Encrypts a request as WhatsApp's client does: RSA-OAEP-SHA256(aes key), AES-128-GCM(16-byte iv). */
async function sealRequest(request) {
  const aesKey = random(16)
  const iv = random(16)
  const wrapped = new Uint8Array(await subtle.encrypt({ name: 'RSA-OAEP' }, pair.publicKey, aesKey))
  const gcmKey = await subtle.importKey('raw', aesKey, 'AES-GCM', false, ['encrypt', 'decrypt'])
  const data = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv }, gcmKey, enc.encode(JSON.stringify(request))))
  return { body: { encrypted_aes_key: b64(wrapped), initial_vector: b64(iv), encrypted_flow_data: b64(data) }, aesKey, gcmKey, iv }
}

/** Encrypts a file as WhatsApp's CDN serves it: AES-256-CBC, then the first 10 bytes of HMAC-SHA256(iv ‖ ct). */
async function sealMedia(plaintext) {
  const [encKey, hmacKey, iv] = [random(32), random(32), random(16)]
  const cbc = await subtle.importKey('raw', encKey, 'AES-CBC', false, ['encrypt'])
  const ct = new Uint8Array(await subtle.encrypt({ name: 'AES-CBC', iv }, cbc, plaintext))
  const mac = await subtle.importKey('raw', hmacKey, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const tag = new Uint8Array(await subtle.sign('HMAC', mac, concat(iv, ct))).slice(0, 10)
  const file = concat(ct, tag)
  const digest = async (bytes) => b64(new Uint8Array(await subtle.digest('SHA-256', bytes)))
  const metadata = {
    encryption_key: b64(encKey),
    hmac_key: b64(hmacKey),
    iv: b64(iv),
    plaintext_hash: await digest(plaintext),
    encrypted_hash: await digest(file),
  }
  return { file, metadata }
}

let key
check('the entry runs on the webcrypto backend', () => {
  assert(flows.getBackend() === 'webcrypto', `getBackend() is ${flows.getBackend()}`)
})

check('loadPrivateKey reads a plain PKCS#8 PEM', async () => {
  key = await flows.loadPrivateKey(pem)
  assert(key.bits === 2048, `bits = ${key.bits}`)
})

check('request decrypt and response encrypt round trip', async () => {
  const request = { version: '3.0', action: 'data_exchange', screen: 'START', flow_token: 'tok-1', data: { name: 'Zoë ✓' } }
  const sealed = await sealRequest(request)
  const opened = await flows.decryptRequest(JSON.stringify(sealed.body), key)
  assert(JSON.stringify(opened.request) === JSON.stringify(request), `request is ${JSON.stringify(opened.request)}`)
  assert(sameBytes(opened.aesKey, sealed.aesKey), 'the AES key differs')
  const answer = { screen: 'DONE', data: { ok: true } }
  const ciphertext = unb64(await opened.encryptResponse(answer))
  const flipped = sealed.iv.map((b) => b ^ 0xff)
  const plain = await subtle.decrypt({ name: 'AES-GCM', iv: flipped }, sealed.gcmKey, ciphertext)
  assert(dec.decode(plain) === JSON.stringify(answer), `response is ${dec.decode(plain)}`)
})

check('a tampered request fails with ERR_FLOW_DECRYPTION_FAILED (421)', async () => {
  const sealed = await sealRequest({ version: '3.0', action: 'ping' })
  const data = unb64(sealed.body.encrypted_flow_data)
  data[0] ^= 1
  try {
    await flows.decryptRequest({ ...sealed.body, encrypted_flow_data: b64(data) }, key)
  } catch (e) {
    assert(e instanceof flows.FlowDecryptionError && e.status === 421, `threw ${e?.name}: ${e?.message}`)
    return
  }
  throw new Error('decryptRequest accepted a tampered request')
})

// Known answer from pywa's tests (david-lev/pywa, MIT): this AES key and request IV give exactly this response.
check("encryptResponse matches pywa's known answer", async () => {
  const out = await flows.encryptResponse('{"version": "3.0", "screen": "SUCCESS", "data": {"key": "value"}}', {
    aesKey: hex('712727b6b509f2e1ba62d9b91989ecc3'),
    iv: unb64('5eCmDjs+VAJwdo5caZtgbw=='),
  })
  assert(
    out === 'FBEoV73B8mnSt+nzfurVK704zkwHsr1uu/m953h5vNdri5G4Pe/BoDTh6SgzgjrrZ4iP12GO3kti8YW7Tn1KibKaRf8LE/gps2ATJq3nWSCI',
    `got ${out}`,
  )
})

check('decryptMedia verifies and decrypts a CDN file', async () => {
  const plaintext = random(4099)
  const { file, metadata } = await sealMedia(plaintext)
  const out = await flows.decryptMedia(file, metadata)
  assert(sameBytes(out, plaintext), 'the media plaintext differs')
})

check('decryptMedia refuses a file with a wrong HMAC', async () => {
  const { file, metadata } = await sealMedia(random(100))
  file[file.length - 1] ^= 1
  const digest = b64(new Uint8Array(await subtle.digest('SHA-256', file)))
  try {
    await flows.decryptMedia(file, { ...metadata, encrypted_hash: digest })
  } catch (e) {
    assert(e instanceof flows.MediaIntegrityError && e.code === 'ERR_MEDIA_HMAC_MISMATCH', `threw ${e?.code}: ${e?.message}`)
    return
  }
  throw new Error('decryptMedia accepted a wrong HMAC')
})

let passed = 0
for (const [i, { name, fn }] of cases.entries()) {
  try {
    await fn()
    passed++
    say(`ok ${i + 1} - ${name}`)
  } catch (e) {
    say(`not ok ${i + 1} - ${name}: ${e?.stack ?? e}`)
  }
}
say(`done ${passed}/${cases.length}`)
