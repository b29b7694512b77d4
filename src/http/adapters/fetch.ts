// Fetch-API adapter (Hono, Bun, Deno, Workers): checks Content-Length, stream-reads with a cap, answers a Response.
// Every failure becomes a 500 Response here; nothing is thrown to the host for a request problem.
import { ByteSink } from '../../util/bytes.js'
import { statusAnswer } from '../answers.js'
import { errorFields } from '../../util/logger.js'
import type { FlowHttpResponse } from '../types.js'
import { declaredLength, tooLarge, type AdapterDeps } from './body.js'

/** Path and query of the request's URL, as a server received it. */
function pathAndQuery(url: string): string | undefined {
  try {
    const u = new URL(url)
    return u.pathname + u.search
  } catch {
    return undefined
  }
}

function toResponse(out: FlowHttpResponse): Response {
  return new Response(out.body, { status: out.status, headers: out.headers })
}

/** Reads at most `max` bytes of the stream into one buffer; undefined (and the stream cancelled) when it is longer. */
async function readCapped(
  stream: ReadableStream<Uint8Array> | null,
  max: number,
  declared: number | undefined,
): Promise<Uint8Array | undefined> {
  if (!stream) return new Uint8Array(0)
  const reader = stream.getReader()
  const sink = new ByteSink(max, declared ?? 0)
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return sink.bytes()
    if (!sink.push(value)) {
      await reader.cancel().catch(() => {})
      return undefined
    }
  }
}

export function createFetchAdapter(deps: AdapterDeps): (request: Request) => Promise<Response> {
  async function run(request: Request): Promise<Response> {
    const url = typeof request.url === 'string' ? pathAndQuery(request.url) : undefined
    if (request.method.toUpperCase() !== 'POST') {
      await request.body?.cancel().catch(() => {})
      return toResponse(await deps.handle({ method: request.method, body: '', headers: request.headers, url }))
    }
    const declared = declaredLength(request.headers.get('content-length'))
    if (declared !== undefined && declared > deps.maxBodyBytes) {
      await request.body?.cancel().catch(() => {})
      return toResponse(tooLarge(deps, declared))
    }
    const body = await readCapped(request.body, deps.maxBodyBytes, declared)
    if (!body) return toResponse(tooLarge(deps))
    return toResponse(await deps.handle({ method: 'POST', body, headers: request.headers, url }))
  }

  return async function fetch(request: Request): Promise<Response> {
    if (
      typeof request !== 'object' ||
      request === null ||
      typeof request.method !== 'string' ||
      typeof request.headers?.get !== 'function'
    ) {
      throw new TypeError('fetch() takes a fetch-API Request')
    }
    try {
      return await run(request)
    } catch (e) {
      // A body stream the client broke off, or a failure of ours: answered, never thrown to the host.
      deps.logger.warn('the fetch adapter could not answer the request', errorFields(e))
      return toResponse(statusAnswer(500))
    }
  }
}
