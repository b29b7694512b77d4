// node:http listener and Express middleware: raw body with a byte cap (or a raw body a parser kept), then the core
// (the endpoint's or the webhook's).
// Every failure is answered here (500, or nothing when the client is gone): errors never reach the framework,
// whose default handler would show a stack trace. No node: imports: it only uses the objects it is given.
import { ByteSink, isBytes, utf8 } from '../../util/bytes.js'
import { safely } from '../../util/inspect.js'
import { statusAnswer } from '../answers.js'
import { errorFields, routineEvent } from '../../util/logger.js'
import type { FlowHttpResponse, NodeFlowHandler, NodeRequestLike, NodeResponseLike } from '../types.js'
import { declaredLength, tooLarge, type AdapterDeps } from './body.js'

/** How long a client that keeps sending after a 413 may go on before its connection is cut. */
const DRAIN_GRACE_MS = 2000

type Preparsed = { kind: 'raw'; body: Uint8Array | string } | { kind: 'parsed' } | { kind: 'none' }

/** The client closed the connection before its body was complete: routine, not an error of ours. */
class ClientGone extends Error {}

/** A body a middleware already read: raw bytes/text are usable; a parsed object is not (signatures need raw bytes). */
function preparsed(req: NodeRequestLike): Preparsed {
  const raw = req.rawBody
  if (isBytes(raw) || typeof raw === 'string') return { kind: 'raw', body: raw }
  const body = req.body
  if (isBytes(body) || typeof body === 'string') return { kind: 'raw', body }
  // Only a body that was really consumed counts as parsed: body-parser 1.x (Express 4) sets `req.body = {}` on
  // requests it never read, whose stream is still intact.
  const consumed = (req as { _body?: unknown })._body === true || req.readableEnded === true
  const nonEmpty = typeof body === 'object' && body !== null && Object.keys(body).length > 0
  if (typeof body === 'object' && body !== null && (consumed || nonEmpty)) return { kind: 'parsed' }
  if (req.readableEnded) return { kind: 'raw', body: '' }
  return { kind: 'none' }
}

function send(res: NodeResponseLike, out: FlowHttpResponse): void {
  res.writeHead(out.status, { ...out.headers, 'content-length': utf8(out.body).length })
  res.end(out.body)
}

/**
 * Reads the stream into one buffer (sized from Content-Length when declared, else grown geometrically): the number
 * and size of chunks a client chooses cost nothing more. Undefined as soon as it is longer than `max`.
 */
function readCapped(req: NodeRequestLike, max: number, declared: number | undefined): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const sink = new ByteSink(max, declared ?? 0)
    const cleanup = () => {
      req.removeListener('data', onData)
      req.removeListener('end', onEnd)
      req.removeListener('error', onError)
      req.removeListener('aborted', onAborted)
    }
    const onData = (chunk: Uint8Array | string) => {
      if (sink.push(typeof chunk === 'string' ? utf8(chunk) : chunk)) return
      cleanup()
      resolve(undefined)
    }
    const onEnd = () => {
      cleanup()
      resolve(sink.bytes())
    }
    const onError = () => {
      cleanup()
      reject(new ClientGone())
    }
    const onAborted = () => onError()
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('aborted', onAborted)
  })
}

/** Answers 413 without keeping the rest: discards what still arrives, and cuts a client that will not stop. */
function reject413(req: NodeRequestLike, res: NodeResponseLike, out: FlowHttpResponse): void {
  const discard = () => {}
  req.on('data', discard)
  req.on('error', discard)
  req.resume()
  const timer = setTimeout(() => req.destroy(), DRAIN_GRACE_MS)
  ;(timer as { unref?: () => void }).unref?.()
  req.on('end', () => clearTimeout(timer))
  req.on('close', () => clearTimeout(timer))
  send(res, out)
}

export function createNodeHandler(deps: AdapterDeps): NodeFlowHandler {
  const clientGone = routineEvent(deps.logger, 'clients closed the connection before sending the whole body')

  async function run(req: NodeRequestLike, res: NodeResponseLike): Promise<void> {
    const method = typeof req.method === 'string' ? req.method : 'GET'
    const headers = req.headers
    const raw = typeof req.originalUrl === 'string' ? req.originalUrl : req.url
    const url = typeof raw === 'string' ? raw : undefined
    if (method.toUpperCase() !== 'POST') {
      req.resume()
      return send(res, await deps.handle({ method, body: '', headers, url }))
    }
    const pre = preparsed(req)
    if (pre.kind === 'parsed') {
      deps.logger.error(
        'the request body was already parsed into an object and no raw bytes were kept; signatures need the raw body: ' +
          'mount the flow handler before express.json(), or use express.raw({ type: "*/*", limit: endpoint.maxBodyBytes }) on its route',
      )
      return send(res, statusAnswer(500))
    }
    if (pre.kind === 'raw') return send(res, await deps.handle({ method, body: pre.body, headers, url }))

    const declared = declaredLength(typeof headers['content-length'] === 'string' ? headers['content-length'] : undefined)
    if (declared !== undefined && declared > deps.maxBodyBytes) return reject413(req, res, tooLarge(deps, declared))
    const body = await readCapped(req, deps.maxBodyBytes, declared)
    if (!body) return reject413(req, res, tooLarge(deps))
    send(res, await deps.handle({ method, body, headers, url }))
  }

  function fail(req: NodeRequestLike, res: NodeResponseLike, e: unknown): void {
    if (e instanceof ClientGone) {
      clientGone()
      safely(() => req.destroy(), undefined)
      return
    }
    deps.logger.error('the Node adapter failed', errorFields(e))
    safely(() => {
      if (!res.headersSent) send(res, statusAnswer(500))
      else req.destroy()
    }, undefined)
  }

  return function whatsappFlowsNodeHandler(req, res, _next) {
    if (typeof req !== 'object' || req === null || typeof res !== 'object' || res === null) {
      throw new TypeError('the flow handler takes (req, res[, next]) from node:http or Express')
    }
    // `next` is never called: a framework's default error handler would answer with the error's stack.
    run(req, res).catch((e: unknown) => fail(req, res, e))
  }
}
