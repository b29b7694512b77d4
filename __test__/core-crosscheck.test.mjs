// Cross-checks with node:crypto on random payloads from 0 B to 1 MiB: its requests decrypt, our responses open with it.
import { generateKeyPairSync, randomBytes } from 'node:crypto'

import test from 'ava'

import { runtimes } from './helpers/backends.mjs'
import { b64, flipIv, gcmDecrypt as decrypt, gcmEncrypt as encrypt, wrapAesKey } from './helpers/reference.mjs'

const SIZES = [0, 1, 15, 16, 17, 1000, 65536, 1 << 20]
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' })

const wrap = (aesKey) => wrapAesKey(aesKey, publicKey)

for (const rt of runtimes) {
  test(`${rt.name}: node:crypto requests of ${SIZES.join(', ')} random bytes decrypt exactly (backend level)`, async (t) => {
    const key = await rt.backend.importKey(new TextEncoder().encode(pem))
    for (const size of SIZES) {
      const aesKey = randomBytes(16)
      const iv = randomBytes(16)
      const pt = randomBytes(size)
      const out = await rt.backend.decryptRequest(key, wrap(aesKey), iv, encrypt(aesKey, iv, pt))
      t.deepEqual(Buffer.from(out.aesKey), aesKey, `size ${size}`)
      t.is(out.plaintext.length, size)
      t.true(Buffer.from(out.plaintext).equals(pt), `size ${size}`)
    }
  })

  test(`${rt.name}: node:crypto JSON requests up to 1 MiB decrypt through decryptRequest`, async (t) => {
    const key = await rt.crypto.loadPrivateKey(pem)
    for (const size of SIZES) {
      const request = { action: 'data_exchange', version: '3.0', data: { blob: randomBytes(size).toString('base64') } }
      const aesKey = randomBytes(16)
      const iv = randomBytes(16)
      const body = {
        encrypted_flow_data: b64(encrypt(aesKey, iv, JSON.stringify(request))),
        encrypted_aes_key: b64(wrap(aesKey)),
        initial_vector: b64(iv),
      }
      const d = await rt.crypto.decryptRequest(JSON.stringify(body), key)
      t.deepEqual(d.request, request, `size ${size}`)
    }
  })

  test(`${rt.name}: responses of ${SIZES.join(', ')} random bytes open with node:crypto under the inverted IV`, async (t) => {
    for (const size of SIZES) {
      const aesKey = randomBytes(16)
      const iv = randomBytes(16)
      const pt = randomBytes(size)
      const raw = await rt.backend.encryptResponse(new Uint8Array(aesKey), new Uint8Array(iv), new Uint8Array(pt))
      t.is(raw.length, size + 16)
      t.true(decrypt(aesKey, flipIv(iv), Buffer.from(raw)).equals(pt), `backend, size ${size}`)
      // Same bytes through the API (base64 text), and identical to node:crypto's own encryption.
      const text = await rt.crypto.encryptResponse(new Uint8Array(pt), { aesKey: new Uint8Array(aesKey), iv: new Uint8Array(iv) })
      t.is(text, b64(encrypt(aesKey, flipIv(iv), pt)), `api, size ${size}`)
    }
  })

  test(`${rt.name}: inputs that are views into larger buffers are read at their offset`, async (t) => {
    const key = await rt.backend.importKey(new TextEncoder().encode(pem))
    const aesKey = randomBytes(16)
    const iv = randomBytes(16)
    const pt = randomBytes(100)
    const data = encrypt(aesKey, iv, pt)
    const view = (b) => {
      const backing = new Uint8Array(7 + b.length + 5).fill(0xaa)
      backing.set(b, 7)
      return backing.subarray(7, 7 + b.length)
    }
    const out = await rt.backend.decryptRequest(key, view(wrap(aesKey)), view(iv), view(data))
    t.true(Buffer.from(out.plaintext).equals(pt))
    const raw = await rt.backend.encryptResponse(view(aesKey), view(iv), view(pt))
    t.true(decrypt(aesKey, flipIv(iv), Buffer.from(raw)).equals(pt))
  })
}
