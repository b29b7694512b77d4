// Media decryption on every backend: pywa's vector, generated sizes, each tampering caught by its own check,
// malformed metadata, and streaming (odd chunk sizes) equal to one-shot.
import { readFileSync } from 'node:fs'
import test from 'ava'

import { bindMedia } from '../dist/media/node.js'
import { runtimes, vectors } from './helpers/backends.mjs'
import {
  drainStream,
  encryptMedia,
  forgeBadPadding,
  tamperHmac,
  testBytes,
  wrongEncryptedHash,
  wrongPlaintextHash,
} from './helpers/media-fixtures.mjs'

const pywa = new URL('pywa/', vectors)
const pywaMeta = JSON.parse(readFileSync(new URL('media.json', pywa))).encryption_metadata
const pywaFile = readFileSync(new URL('media_cdn_file.bin', pywa))
const pywaPlain = readFileSync(new URL('media_plaintext.jpg', pywa))

const sizes = [0, 1, 15, 16, 17, 1 << 20]
const big = encryptMedia(testBytes(64 << 20))

function split(buf, sizeOf) {
  const out = []
  for (let o = 0; o < buf.length; ) {
    const n = Math.max(1, sizeOf(o))
    out.push(buf.subarray(o, o + n))
    o += n
  }
  return out
}

const randomSizes = (max) => () => 1 + Math.floor(Math.random() * max)

for (const runtime of runtimes) {
  const media = bindMedia(runtime)
  const name = (t) => `${runtime.name}: ${t}`

  test(name('pywa vector decrypts to the published plaintext'), async (t) => {
    const pt = await media.decryptMedia(pywaFile, pywaMeta)
    t.true(Buffer.from(pt).equals(pywaPlain))
  })

  for (const size of sizes) {
    test(name(`round trip of ${size} bytes`), async (t) => {
      const f = encryptMedia(testBytes(size))
      t.is(f.cdnFile.length, (Math.floor(size / 16) + 1) * 16 + 10)
      const pt = await media.decryptMedia(f.cdnFile, f.metadata)
      t.true(Buffer.from(pt).equals(f.plaintext))
    })
  }

  test(name('64 MiB one-shot'), async (t) => {
    const pt = await media.decryptMedia(big.cdnFile, big.metadata)
    t.is(pt.length, big.plaintext.length)
    t.true(Buffer.from(pt).equals(big.plaintext))
  })

  const fixture = encryptMedia(testBytes(1000))
  const cases = [
    ['a changed file (encrypted_hash)', wrongEncryptedHash(fixture), 'ERR_MEDIA_ENCRYPTED_HASH_MISMATCH'],
    ['a flipped ciphertext byte with a recomputed file hash (HMAC)', tamperHmac(fixture), 'ERR_MEDIA_HMAC_MISMATCH'],
    ['padding byte 0', forgeBadPadding(0), 'ERR_MEDIA_PADDING_INVALID'],
    ['padding byte 17', forgeBadPadding(17), 'ERR_MEDIA_PADDING_INVALID'],
    ['padding bytes that disagree', forgeBadPadding(4), 'ERR_MEDIA_PADDING_INVALID'],
    ['a wrong plaintext_hash', wrongPlaintextHash(fixture), 'ERR_MEDIA_PLAINTEXT_HASH_MISMATCH'],
    ['a file shorter than 26 bytes', { ...fixture, cdnFile: fixture.cdnFile.subarray(0, 25) }, 'ERR_MEDIA_MALFORMED'],
    ['an empty file', { ...fixture, cdnFile: Buffer.alloc(0) }, 'ERR_MEDIA_MALFORMED'],
    ['a ciphertext that is not a multiple of 16', { ...fixture, cdnFile: fixture.cdnFile.subarray(1) }, 'ERR_MEDIA_MALFORMED'],
    ['encryption_key not base64', { ...fixture, metadata: { ...fixture.metadata, encryption_key: 'not*base64' } }, 'ERR_MEDIA_MALFORMED'],
    [
      'a 16-byte encryption_key',
      { ...fixture, metadata: { ...fixture.metadata, encryption_key: Buffer.alloc(16).toString('base64') } },
      'ERR_MEDIA_MALFORMED',
    ],
    ['a 12-byte iv', { ...fixture, metadata: { ...fixture.metadata, iv: Buffer.alloc(12).toString('base64') } }, 'ERR_MEDIA_MALFORMED'],
    ['a missing hmac_key', { ...fixture, metadata: { ...fixture.metadata, hmac_key: undefined } }, 'ERR_MEDIA_MALFORMED'],
    [
      'a 31-byte plaintext_hash',
      { ...fixture, metadata: { ...fixture.metadata, plaintext_hash: Buffer.alloc(31).toString('base64') } },
      'ERR_MEDIA_MALFORMED',
    ],
  ]
  for (const [what, f, code] of cases) {
    test(name(`one-shot rejects ${what} with ${code}`), async (t) => {
      const err = await t.throwsAsync(() => media.decryptMedia(f.cdnFile, f.metadata), { code })
      t.is(err.name, 'MediaIntegrityError')
    })
    test(name(`streaming rejects ${what} with ${code}`), async (t) => {
      const err = await t.throwsAsync(
        async () =>
          drainStream(
            media.createMediaDecryptor(f.metadata),
            split(f.cdnFile, () => 7),
          ),
        { code },
      )
      t.is(err.name, 'MediaIntegrityError')
    })
  }

  test(name('the web decryptor with 1-byte, 7-byte and random chunks equals one-shot'), async (t) => {
    const f = encryptMedia(testBytes(5000))
    for (const sizeOf of [() => 1, () => 7, randomSizes(300)]) {
      t.true((await drainStream(media.createMediaDecryptor(f.metadata), split(f.cdnFile, sizeOf))).equals(f.plaintext))
    }
    const f1 = encryptMedia(testBytes((1 << 20) + 33))
    const out = await drainStream(media.createMediaDecryptor(f1.metadata), split(f1.cdnFile, randomSizes(200_000)))
    t.true(out.equals(f1.plaintext))
  })

  test(name('the node:stream decryptor equals one-shot and errors on tampering'), async (t) => {
    const f = encryptMedia(testBytes(300_000))
    const run = async (file, metadata) => {
      const d = media.createMediaDecryptor(metadata, { node: true })
      const parts = []
      d.on('data', (p) => parts.push(p))
      const done = new Promise((resolve, reject) => {
        d.on('end', resolve)
        d.on('error', reject)
      })
      for (const c of split(file, randomSizes(40_000))) d.write(c)
      d.end()
      await done
      return Buffer.concat(parts)
    }
    t.true((await run(f.cdnFile, f.metadata)).equals(f.plaintext))
    const bad = tamperHmac(f)
    await t.throwsAsync(() => run(bad.cdnFile, bad.metadata), { code: 'ERR_MEDIA_HMAC_MISMATCH' })
  })

  test(name('the 64 MiB file streamed in 64 KiB chunks equals the plaintext'), async (t) => {
    const out = await drainStream(
      media.createMediaDecryptor(big.metadata),
      split(big.cdnFile, () => 65536),
    )
    t.is(out.length, big.plaintext.length)
    t.true(out.equals(big.plaintext))
  })

  if (runtime.backend.createMediaStream) {
    test(name('the backend stream with 1-byte, 7-byte and random updates equals one-shot'), async (t) => {
      for (const size of [0, 1, 15, 16, 17, 100, 1000]) {
        const f = encryptMedia(testBytes(size))
        for (const sizeOf of [() => 1, () => 7, randomSizes(64)]) {
          const s = runtime.backend.createMediaStream({
            encryptionKey: f.keys.encryptionKey,
            hmacKey: f.keys.hmacKey,
            iv: f.keys.iv,
            plaintextHash: Buffer.from(f.metadata.plaintext_hash, 'base64'),
            encryptedHash: Buffer.from(f.metadata.encrypted_hash, 'base64'),
          })
          const parts = []
          for (const c of split(f.cdnFile, sizeOf)) parts.push(await s.update(c))
          parts.push(await s.final())
          t.true(Buffer.concat(parts).equals(f.plaintext), `size ${size}`)
        }
      }
    })
  }
}
