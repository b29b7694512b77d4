// Shared fixtures of the endpoint/client/adapter tests: RSA keys, a capturing logger, a stand-in MediaApi,
// loopback servers for node:http, Express, Fastify and Hono, and an independent HMAC signer.
import { createHmac, generateKeyPairSync } from 'node:crypto'
import { createServer, request as httpRequest } from 'node:http'

/** A fresh RSA-2048 pair as PEM (PKCS#8 private, SPKI public) plus the PKCS#1 public form. */
export function makeKeys() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }),
    publicPkcs1Pem: publicKey.export({ type: 'pkcs1', format: 'pem' }),
    publicDer: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
  }
}

/** A logger that records every call; `text()` is everything it ever received, serialised. */
export function captureLogger() {
  const calls = []
  const rec =
    (level) =>
    (...args) =>
      calls.push({ level, args })
  return {
    logger: { info: rec('info'), warn: rec('warn'), error: rec('error') },
    calls,
    text: () => JSON.stringify(calls),
    messages: (level) => calls.filter((c) => !level || c.level === level).map((c) => c.args[0]),
  }
}

/** A MediaApi stand-in that records downloadMedia/decryptMediaBatch calls and answers fixed values. */
export function standInMedia() {
  const calls = []
  return {
    calls,
    decryptMedia: async () => new Uint8Array(0),
    createMediaDecryptor: () => new TransformStream(),
    downloadMedia: async (item, options) => {
      calls.push({ fn: 'downloadMedia', item, options })
      return options?.to ? `${options.to}/${item.file_name}` : new Uint8Array([1, 2, 3])
    },
    decryptMediaBatch: async (items, options) => {
      calls.push({ fn: 'decryptMediaBatch', items, options })
      return items.map((i) => ({ media_id: i.media_id, file_name: i.file_name, path: `${options.outDir}/${i.file_name}` }))
    },
  }
}

/** `sha256=<hex>` computed with node:crypto (independent of the library's WebCrypto code). */
export const signature = (secret, body) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`

function listening(server) {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      resolve({
        url: `http://127.0.0.1:${port}/flow`,
        server,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections?.()
            server.close(() => r())
          }),
      })
    })
  })
}

/** node:http with the endpoint's nodeHandler on every path. */
export const listenNode = (endpoint) => listening(createServer(endpoint.nodeHandler()))

/** Express 5: `mode` 'plain' (no parser), 'raw' (express.raw before, limit = maxBodyBytes), 'raw-large' (limit 10 MB), or 'json'. */
export async function listenExpress(endpoint, mode = 'plain') {
  const { default: express } = await import('express')
  const app = express()
  const handler = endpoint.nodeHandler()
  // The documented mount: the parser's limit is the endpoint's cap (body-parser's default is 100 KB).
  if (mode === 'raw') app.all('/flow', express.raw({ type: '*/*', limit: endpoint.maxBodyBytes }), handler)
  // A parser with a larger limit than the endpoint's: the core's own cap must still hold.
  else if (mode === 'raw-large') app.all('/flow', express.raw({ type: '*/*', limit: '10mb' }), handler)
  else if (mode === 'json') app.all('/flow', express.json(), handler)
  else app.all('/flow', handler)
  return listening(createServer(app))
}

export async function listenFastify(endpoint) {
  const { default: Fastify } = await import('fastify')
  const app = Fastify({ logger: false })
  // The parent keeps its own JSON parser; the plugin's raw parser stays inside its context.
  app.post('/other', async (req) => ({ parsed: typeof req.body }))
  await app.register(endpoint.fastifyPlugin, { prefix: '/flow' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address()
  return { url: `http://127.0.0.1:${port}/flow`, otherUrl: `http://127.0.0.1:${port}/other`, close: () => app.close() }
}

export async function listenHono(endpoint) {
  const { Hono } = await import('hono')
  const { serve } = await import('@hono/node-server')
  const app = new Hono()
  app.all('/flow', (c) => endpoint.fetch(c.req.raw))
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}/flow`,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections?.()
            server.close(() => r())
          }),
      })
    })
  })
}

/** node:http server answering a fixed status/body, for client tests. */
export function listenFixed(status, body, contentType = 'text/plain') {
  return listening(
    createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(status, { 'content-type': contentType })
        res.end(body)
      })
    }),
  )
}

/**
 * One HTTP/1.1 request on a fresh connection (no keep-alive), with exactly the headers given (no content type is
 * added; an array is sent as raw headers). `body` is sent with a Content-Length (unless `headers` sets one); `chunks` are sent chunked, one write
 * each. Resolves { status, headers, body } (body as text), or { status: 0, error } when the connection failed
 * before an answer arrived.
 */
export function sendHttp(url, { method = 'POST', headers = {}, body, chunks } = {}) {
  return new Promise((resolve) => {
    const u = new URL(url)
    // An array is raw headers ([name, value, name, value, …]): the way to send one header twice.
    const raw = Array.isArray(headers)
    // (Node adds no Host header to raw headers; HTTP/1.1 servers answer 400 without one.)
    const h = raw ? ['host', u.host, ...headers] : { ...headers }
    const names = raw ? h.filter((_, i) => i % 2 === 0) : Object.keys(h)
    if (body !== undefined && !names.some((k) => k.toLowerCase() === 'content-length')) {
      if (raw) h.push('content-length', String(Buffer.byteLength(body)))
      else h['content-length'] = String(Buffer.byteLength(body))
    }
    const req = httpRequest({ hostname: u.hostname, port: u.port, path: u.pathname, method, headers: h, agent: false })
    let answered = false
    req.on('response', (res) => {
      answered = true
      const parts = []
      res.on('data', (p) => parts.push(p))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }))
      res.on('error', (e) =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts).toString('utf8'), error: e.code }),
      )
    })
    req.on('error', (e) => {
      if (!answered) resolve({ status: 0, error: e.code ?? e.message })
    })
    if (chunks) for (const c of chunks) req.write(c)
    else if (body !== undefined) req.write(body)
    req.end()
  })
}
