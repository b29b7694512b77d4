// A local stand-in for the Graph API on 127.0.0.1: records every request (method, path, headers, body) and answers
// from a route function; also serves Media API download URLs. Nothing reaches the internet.
import { createServer } from 'node:http'

/**
 * `respond(req)` → { status?, json?, body?, headers?, destroy? } for every request; `req` is { method, url, path,
 * headers, body, json }. Resolves { url, requests, mediaUrl(id) }.
 */
export async function mockGraph(t, respond) {
  const requests = []
  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (d) => chunks.push(d))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const entry = {
        method: req.method,
        url: req.url,
        path: req.url.split('?')[0],
        headers: req.headers,
        body: body.toString('utf8'),
        raw: body,
      }
      try {
        entry.json = entry.body ? JSON.parse(entry.body) : undefined
      } catch {
        entry.json = undefined
      }
      requests.push(entry)
      const answer = respond(entry, requests.length) ?? { status: 404, json: { error: { message: 'no route', code: 100 } } }
      if (answer.destroy) return req.socket.destroy()
      const payload = answer.body !== undefined ? answer.body : JSON.stringify(answer.json ?? {})
      res.writeHead(answer.status ?? 200, {
        'content-type': answer.body !== undefined ? 'application/octet-stream' : 'application/json',
        ...(answer.headers ?? {}),
      })
      res.end(payload)
    })
  })
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok))
  t.teardown(
    () =>
      new Promise((ok) => {
        server.closeAllConnections?.()
        server.close(ok)
      }),
  )
  const url = `http://127.0.0.1:${server.address().port}`
  return { url, requests, mediaUrl: (id) => `${url}/download/${id}` }
}

/** The Cloud API's answer to a sent message. */
export const sentAnswer = (id = 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3RjQ0QkQ2QUY4MDc0QkZDMkUA', to = '16505551234') => ({
  json: { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to }], messages: [{ id }] },
})
