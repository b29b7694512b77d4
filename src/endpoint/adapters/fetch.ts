// Fetch-API adapter (Hono, Bun, Deno, Workers): checks Content-Length, stream-reads with a cap, answers a Response.
import { concatBytes } from '../../util/bytes.js'
import type { FlowHttpResponse } from '../types.js'
import { declaredLength, tooLarge, type AdapterDeps } from './body.js'

function toResponse(out: FlowHttpResponse): Response {
  return new Response(out.body, { status: out.status, headers: out.headers })
}

/** Reads at most `max` bytes of the stream; undefined (and the stream cancelled) when it is longer. */
async function readCapped(stream: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array | undefined> {
  if (!stream) return new Uint8Array(0)
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > max) {
      await reader.cancel().catch(() => {})
      return undefined
    }
    chunks.push(value)
  }
  return concatBytes(...chunks)
}

export function createFetchAdapter(deps: AdapterDeps): (request: Request) => Promise<Response> {
  return async function fetch(request: Request): Promise<Response> {
    if (typeof request !== 'object' || request === null || typeof request.method !== 'string' || typeof request.headers?.get !== 'function') {
      throw new TypeError('fetch() takes a fetch-API Request')
    }
    if (request.method.toUpperCase() !== 'POST') {
      await request.body?.cancel().catch(() => {})
      return toResponse(await deps.handle({ method: request.method, body: '', headers: request.headers }))
    }
    const declared = declaredLength(request.headers.get('content-length'))
    if (declared !== undefined && declared > deps.maxBodyBytes) {
      await request.body?.cancel().catch(() => {})
      return toResponse(tooLarge(deps, declared))
    }
    const body = await readCapped(request.body, deps.maxBodyBytes)
    if (!body) return toResponse(tooLarge(deps))
    return toResponse(await deps.handle({ method: 'POST', body, headers: request.headers }))
  }
}
