// Wycheproof vectors on every backend: RSA-OAEP-SHA256/MGF1-SHA256 (2048/3072/4096) and AES-128-GCM with 16-byte IVs.
import { constants, createCipheriv, createPublicKey, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'

import test from 'ava'

import { FlowDecryptionError, FlowRequestError } from '../dist/errors.js'
import { runtimes, vectors } from './helpers/backends.mjs'
import { b64, flipIv } from './helpers/reference.mjs'

const load = (name) => JSON.parse(readFileSync(new URL(`wycheproof/${name}`, vectors), 'utf8'))
const unhex = (h) => new Uint8Array(Buffer.from(h, 'hex'))
const hex = (b) => Buffer.from(b).toString('hex')
const oaep = (key, label) => ({
  key,
  padding: constants.RSA_PKCS1_OAEP_PADDING,
  oaepHash: 'sha256',
  ...(label ? { oaepLabel: Buffer.from(label) } : {}),
})

// A body that decrypts through GCM to any bytes: the test supplies IV and ciphertext; the RSA part just has to unwrap.
const flowBody = (encryptedAesKey, iv, data) => ({
  encrypted_aes_key: b64(encryptedAesKey),
  initial_vector: b64(iv),
  encrypted_flow_data: b64(data),
})

// ---------------------------------------------------------------- RSA-OAEP

for (const bits of [2048, 3072, 4096]) {
  const file = load(`rsa_oaep_${bits}_sha256_mgf1sha256_test.json`)
  for (const group of file.testGroups) {
    const { sha, mgf, mgfSha, keySize } = group
    const tests = group.tests
    const pem = group.privateKeyPem
    const der = unhex(group.privateKeyPkcs8)
    const publicKey = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' })
    // Every valid case with an empty label and a 16-byte message is a complete Flow request key; the protocol refuses
    // any other unwrapped length, and we always use the empty label, so everything else must be a 421 failure.
    const usable = tests.filter((c) => c.result === 'valid' && c.label === '' && c.msg.length === 32)
    const mustFail = tests.filter((c) => !usable.includes(c))

    test(`Wycheproof RSA-OAEP ${bits}: the vector file is what this suite expects`, (t) => {
      t.is(file.algorithm, 'RSAES-OAEP')
      t.deepEqual([sha, mgf, mgfSha, Number(keySize)], ['SHA-256', 'MGF1', 'SHA-256', bits])
      t.true(
        tests.every((c) => c.result === 'valid' || c.result === 'invalid'),
        'no "acceptable" cases to interpret',
      )
      // node:crypto agrees with each valid case (guards our reading of msg/label/ct).
      for (const c of tests.filter((x) => x.result === 'valid')) {
        t.is(hex(privateDecrypt(oaep(pem, unhex(c.label)), unhex(c.ct))), c.msg, `tcId ${c.tcId}`)
      }
    })

    for (const rt of runtimes) {
      test(`${rt.name}: Wycheproof RSA-OAEP ${bits}: the private key loads from PKCS#8 DER and from PEM with bits=${bits}`, async (t) => {
        t.is((await rt.crypto.loadPrivateKey(der)).bits, bits)
        t.is((await rt.crypto.loadPrivateKey(pem)).bits, bits)
      })

      test(`${rt.name}: Wycheproof RSA-OAEP ${bits}: ${usable.length} usable valid cases decrypt, ${mustFail.length} other cases (${mustFail.filter((c) => c.result === 'invalid').length} invalid, the rest valid but not a 16-byte key or with a label) fail with 421`, async (t) => {
        const key = await rt.crypto.loadPrivateKey(der)
        const iv = randomBytes(16)
        await Promise.all(
          tests.map(async (c) => {
            // GCM data under the case's message as the AES key (only meaningful if the message is 16 bytes).
            const aesKey = c.msg.length === 32 ? unhex(c.msg) : randomBytes(16)
            const cipher = createCipheriv('aes-128-gcm', aesKey, iv)
            const data = Buffer.concat([
              cipher.update(JSON.stringify({ action: 'ping', tcId: c.tcId })),
              cipher.final(),
              cipher.getAuthTag(),
            ])
            const body = flowBody(unhex(c.ct), iv, data)
            if (usable.includes(c)) {
              const d = await rt.crypto.decryptRequest(body, key)
              t.is(hex(d.aesKey), c.msg, `tcId ${c.tcId}`)
              t.is(d.request.tcId, c.tcId)
            } else if (c.ct === '') {
              // An empty encrypted_aes_key is refused by body validation (400) before any crypto; the backend itself
              // must still treat the empty RSA ciphertext as a decryption failure.
              await t.throwsAsync(rt.crypto.decryptRequest(body, key), { instanceOf: FlowRequestError, message: /no encrypted_aes_key/ })
              const bk = await rt.backend.importKey(der)
              await t.throwsAsync(
                rt.backend.decryptRequest(bk, new Uint8Array(0), iv, data),
                { instanceOf: FlowDecryptionError },
                `tcId ${c.tcId}`,
              )
            } else {
              const e = await t.throwsAsync(
                rt.crypto.decryptRequest(body, key),
                { instanceOf: FlowDecryptionError },
                `tcId ${c.tcId} (${c.result}: ${c.comment})`,
              )
              t.is(e.status, 421)
              t.is(e.code, 'ERR_FLOW_DECRYPTION_FAILED')
            }
          }),
        )
      })

      // The vectors hold no valid 16-byte-message case, so the unwrap of the vector key is also checked with our own
      // OAEP ciphertexts (random seeds, node:crypto) of 16-byte keys under the vector's public key.
      test(`${rt.name}: Wycheproof RSA-OAEP ${bits}: 16-byte keys wrapped by node:crypto under the vector key unwrap`, async (t) => {
        const key = await rt.crypto.loadPrivateKey(pem)
        await Promise.all(
          Array.from({ length: 8 }, async (_, i) => {
            const aesKey = randomBytes(16)
            const iv = randomBytes(16)
            const cipher = createCipheriv('aes-128-gcm', aesKey, iv)
            const data = Buffer.concat([cipher.update(JSON.stringify({ action: 'ping', i })), cipher.final(), cipher.getAuthTag()])
            const d = await rt.crypto.decryptRequest(flowBody(publicEncrypt(oaep(publicKey), aesKey), iv, data), key)
            t.deepEqual(Buffer.from(d.aesKey), aesKey)
            t.is(d.request.i, i)
            // The same key wrapped with a non-empty label must not unwrap (we always use the empty label).
            const labelled = publicEncrypt(oaep(publicKey, Buffer.from('label')), aesKey)
            await t.throwsAsync(rt.crypto.decryptRequest(flowBody(labelled, iv, data), key), { instanceOf: FlowDecryptionError })
          }),
        )
      })
    }

    // The WebCrypto key object itself (not reachable through the Flow API) unwraps every valid case to its message,
    // label included: this proves the imported key is the vector's key for the non-16-byte messages too.
    const web = runtimes.find((r) => r.name === 'webcrypto')
    test(`webcrypto: Wycheproof RSA-OAEP ${bits}: the imported CryptoKey decrypts every valid case to msg and rejects every invalid one`, async (t) => {
      const bk = await web.backend.importKey(der)
      t.is(bk.bits, bits)
      await Promise.all(
        tests.map(async (c) => {
          const run = globalThis.crypto.subtle.decrypt({ name: 'RSA-OAEP', label: unhex(c.label) }, bk.cryptoKey, unhex(c.ct))
          if (c.result === 'valid') t.is(hex(new Uint8Array(await run)), c.msg, `tcId ${c.tcId}`)
          else t.is((await t.throwsAsync(run, { any: true }, `tcId ${c.tcId}`)).name, 'OperationError')
        }),
      )
    })
  }
}

// ---------------------------------------------------------------- AES-GCM

const gcm = load('aes_gcm_test.json')
// Flow requests and responses use AES-128-GCM with a 16-byte IV, a 16-byte tag and no AAD.
const gcmGroups = gcm.testGroups.filter((g) => g.keySize === 128 && g.ivSize === 128 && g.tagSize === 128)
const gcmCases = gcmGroups.flatMap((g) => g.tests)
const expressible = gcmCases.filter((c) => c.aad === '')
const withAad = gcmCases.filter((c) => c.aad !== '')

// One RSA key wraps each vector's AES key into a request, so the GCM decrypt path runs through decryptRequest.
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const rsaPem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' })
const wrap = (aesKey) => publicEncrypt(oaep(rsa.publicKey), aesKey)

test('Wycheproof AES-GCM: the 128-bit-key / 128-bit-IV / 128-bit-tag groups are present', (t) => {
  t.true(gcmGroups.length >= 1)
  t.true(expressible.length >= 19, `${expressible.length} cases without AAD`)
  // Cases with AAD cannot be expressed (Flows uses none); they are counted, not silently dropped.
  t.is(withAad.length + expressible.length, gcmCases.length)
  t.true(gcmCases.every((c) => c.iv.length === 32 && c.tag.length === 32 && c.key.length === 32))
})

for (const rt of runtimes) {
  test(`${rt.name}: Wycheproof AES-128-GCM 16-byte IV: backend.encryptResponse(key, iv ^ 0xff, msg) equals ct ‖ tag for every valid case without AAD`, async (t) => {
    const valid = expressible.filter((c) => c.result === 'valid')
    t.true(valid.length > 0)
    for (const c of valid) {
      const out = await rt.backend.encryptResponse(unhex(c.key), flipIv(unhex(c.iv)), unhex(c.msg))
      t.is(hex(out), c.ct + c.tag, `tcId ${c.tcId}`)
    }
  })

  test(`${rt.name}: Wycheproof AES-128-GCM 16-byte IV: backend.decryptRequest returns exactly msg for valid cases and fails 421 for invalid ones`, async (t) => {
    const key = await rt.backend.importKey(new TextEncoder().encode(rsaPem))
    for (const c of expressible) {
      const run = rt.backend.decryptRequest(key, wrap(unhex(c.key)), unhex(c.iv), unhex(c.ct + c.tag))
      if (c.result === 'valid') {
        const { aesKey, plaintext } = await run
        t.is(hex(aesKey), c.key, `tcId ${c.tcId}`)
        t.is(hex(plaintext), c.msg, `tcId ${c.tcId}`)
      } else {
        await t.throwsAsync(run, { instanceOf: FlowDecryptionError }, `tcId ${c.tcId}`)
      }
    }
  })

  test(`${rt.name}: Wycheproof AES-128-GCM 16-byte IV through decryptRequest: valid cases pass authentication (any failure is "not JSON", never 421)`, async (t) => {
    const key = await rt.crypto.loadPrivateKey(rsaPem)
    for (const c of expressible) {
      const body = flowBody(wrap(unhex(c.key)), unhex(c.iv), unhex(c.ct + c.tag))
      if (c.result !== 'valid') {
        await t.throwsAsync(rt.crypto.decryptRequest(body, key), { instanceOf: FlowDecryptionError }, `tcId ${c.tcId}`)
        continue
      }
      // The messages are not Flow JSON, so the API stops after decryption with a 400 about the plaintext.
      const e = await t.throwsAsync(rt.crypto.decryptRequest(body, key), { instanceOf: FlowRequestError }, `tcId ${c.tcId}`)
      t.regex(e.message, /not UTF-8 JSON|no action/, `tcId ${c.tcId}`)
    }
  })

  // The 16-byte-IV groups hold no invalid cases, so negatives are derived from each valid case: one bit flipped in
  // the tag, in the ciphertext, in the IV, and the tag truncated. Each must fail authentication (421).
  test(`${rt.name}: Wycheproof AES-128-GCM 16-byte IV: derived tamperings of every valid case fail with 421`, async (t) => {
    const key = await rt.backend.importKey(new TextEncoder().encode(rsaPem))
    for (const c of expressible.filter((x) => x.result === 'valid')) {
      const data = unhex(c.ct + c.tag)
      const iv = unhex(c.iv)
      const variants = [
        ['tag bit', iv, data.map((b, i) => (i === data.length - 1 ? b ^ 0x80 : b))],
        ['IV bit', iv.map((b, i) => (i === 15 ? b ^ 1 : b)), data],
        ['tag truncated', iv, data.subarray(0, data.length - 1)],
      ]
      if (c.ct.length > 0) variants.push(['ciphertext bit', iv, data.map((b, i) => (i === 0 ? b ^ 1 : b))])
      for (const [what, v, d] of variants) {
        const e = await t.throwsAsync(
          rt.backend.decryptRequest(key, wrap(unhex(c.key)), v, d),
          { instanceOf: FlowDecryptionError },
          `tcId ${c.tcId} ${what}`,
        )
        t.is(e.status, 421)
      }
    }
  })
}
