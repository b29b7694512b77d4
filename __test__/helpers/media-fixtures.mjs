// Builds WhatsApp-style encrypted media with node:crypto (AES-256-CBC + PKCS#7, HMAC-SHA256 truncated to 10
// bytes, SHA-256 of the CDN file and of the plaintext), plus tampered variants, and a loopback "CDN" server.
import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto'
import { createServer } from 'node:http'

const sha256 = (b) => createHash('sha256').update(b).digest()
const b64 = (b) => Buffer.from(b).toString('base64')

/** Random keys: { encryptionKey, hmacKey, iv } as Buffers. */
export function randomMediaKeys() {
  return { encryptionKey: randomBytes(32), hmacKey: randomBytes(32), iv: randomBytes(16) }
}

/** The CDN file for `ciphertext` (already padded): ciphertext ‖ HMAC-SHA256(hmacKey, iv ‖ ciphertext)[..10]. */
export function sealCiphertext(ciphertext, keys) {
  const mac = createHmac('sha256', keys.hmacKey).update(keys.iv).update(ciphertext).digest().subarray(0, 10)
  return Buffer.concat([ciphertext, mac])
}

export function metadataFor(keys, cdnFile, plaintextHash) {
  return {
    encryption_key: b64(keys.encryptionKey),
    hmac_key: b64(keys.hmacKey),
    iv: b64(keys.iv),
    plaintext_hash: b64(plaintextHash),
    encrypted_hash: b64(sha256(cdnFile)),
  }
}

/** Encrypts like WhatsApp: { plaintext, cdnFile, metadata, keys }. */
export function encryptMedia(plaintext, keys = randomMediaKeys()) {
  const c = createCipheriv('aes-256-cbc', keys.encryptionKey, keys.iv)
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()])
  const cdnFile = sealCiphertext(ciphertext, keys)
  return { plaintext: Buffer.from(plaintext), cdnFile, metadata: metadataFor(keys, cdnFile, sha256(plaintext)), keys }
}

/** `n` pseudo-random bytes (fast for large sizes: a repeated random block). */
export function testBytes(n) {
  const block = randomBytes(Math.min(n, 1 << 16))
  const out = Buffer.allocUnsafe(n)
  for (let o = 0; o < n; o += block.length) block.copy(out, o, 0, Math.min(block.length, n - o))
  return out
}

/** A ciphertext byte flipped, encrypted_hash recomputed: only the HMAC check can catch it. */
export function tamperHmac(fixture) {
  const cdnFile = Buffer.from(fixture.cdnFile)
  cdnFile[0] ^= 0x01
  return { ...fixture, cdnFile, metadata: { ...fixture.metadata, encrypted_hash: b64(sha256(cdnFile)) } }
}

/** A file with a correct HMAC and hash whose decrypted last block has invalid PKCS#7 padding. */
export function forgeBadPadding(lastByte = 0x00, keys = randomMediaKeys()) {
  const plain = randomBytes(32)
  plain[31] = lastByte
  if (lastByte >= 1 && lastByte <= 16) plain[31 - lastByte + 1] = lastByte ^ 0xff // a wrong byte inside the padding
  const c = createCipheriv('aes-256-cbc', keys.encryptionKey, keys.iv).setAutoPadding(false)
  const ciphertext = Buffer.concat([c.update(plain), c.final()])
  const cdnFile = sealCiphertext(ciphertext, keys)
  return { cdnFile, metadata: metadataFor(keys, cdnFile, sha256(plain)), keys }
}

/** Everything right except plaintext_hash. */
export function wrongPlaintextHash(fixture) {
  return { ...fixture, metadata: { ...fixture.metadata, plaintext_hash: b64(sha256(Buffer.from('not the plaintext'))) } }
}

/** The file changed after encrypted_hash was computed. */
export function wrongEncryptedHash(fixture) {
  const cdnFile = Buffer.from(fixture.cdnFile)
  cdnFile[cdnFile.length - 1] ^= 0x80
  return { ...fixture, cdnFile }
}

/**
 * A loopback HTTP server: `routes` maps a path to a handler (req, res). Resolves { url(path), close() }.
 */
export async function startCdn(routes) {
  const sockets = new Set()
  const waiters = []
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname
    const handler = routes[path]
    if (!handler) {
      res.writeHead(404).end('not found')
      return
    }
    handler(req, res)
    for (const w of waiters.filter((w) => w.path === path)) {
      waiters.splice(waiters.indexOf(w), 1)
      w.resolve()
    }
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address()
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    /** Resolves once a request for `path` has been handled (the next one after this call). */
    waitFor: (path) => new Promise((resolve) => waiters.push({ path, resolve })),
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy()
        server.close(r)
      }),
  }
}

/** A route serving `body` with a Content-Length. */
export const serve = (body) => (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length })
  res.end(body)
}

/** Cuts `buf` into consecutive chunks whose sizes cycle through `sizes` (each at least 1). */
export function chunkBy(buf, sizes) {
  const out = []
  for (let o = 0, i = 0; o < buf.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length])
    out.push(buf.subarray(o, o + n))
    o += n
  }
  return out
}

/** Writes `chunks` into a TransformStream while reading it; resolves the concatenated output, rejects with its error. */
export async function drainStream(stream, chunks) {
  const writer = stream.writable.getWriter()
  const reading = (async () => {
    const parts = []
    for await (const p of stream.readable) parts.push(p)
    return Buffer.concat(parts)
  })()
  const writing = (async () => {
    for (const c of chunks) await writer.write(c)
    await writer.close()
  })()
  // Both settle: a failed check errors the writable side and the readable side alike.
  const [read, written] = await Promise.allSettled([reading, writing])
  if (read.status === 'rejected') throw read.reason
  if (written.status === 'rejected') throw written.reason
  return read.value
}
