// Fastify plugin: in its own encapsulated context every body is kept as raw bytes, then the core answers.
import { utf8 } from '../../util/bytes.js'
import { statusAnswer } from '../answers.js'
import { errorFields } from '../../util/logger.js'
import type { FastifyFlowPlugin, FastifyFlowPluginOptions, FlowHttpResponse } from '../types.js'
import { tooLarge, type AdapterDeps } from './body.js'

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

interface ReplyLike {
  code(status: number): ReplyLike
  headers(values: Record<string, string>): ReplyLike
  send(body: Uint8Array): ReplyLike
}

/** Sends the answer as bytes: given a string, Fastify would append `; charset=utf-8` to our content type. */
function reply(r: ReplyLike, out: FlowHttpResponse): ReplyLike {
  return r.code(out.status).headers(out.headers).send(utf8(out.body))
}

export function createFastifyPlugin(deps: AdapterDeps): FastifyFlowPlugin {
  // biome-ignore lint/suspicious/noExplicitAny: Fastify is an optional peer: its instance type is not imported
  return async function whatsappFlows(instance: any, options: FastifyFlowPluginOptions = {}) {
    if (typeof instance?.route !== 'function' || typeof instance.addContentTypeParser !== 'function') {
      throw new TypeError('fastifyPlugin must be registered with fastify.register()')
    }
    const path = options?.path ?? '/'
    if (typeof path !== 'string') throw new TypeError('options.path must be a string')

    // This plugin's context only: no JSON parsing, the raw bytes are what the signature covers.
    instance.removeAllContentTypeParsers()
    instance.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: deps.maxBodyBytes },
      (_req: unknown, body: Uint8Array, done: (e: null, b: Uint8Array) => void) => done(null, body),
    )

    instance.setErrorHandler((error: { statusCode?: number; code?: string }, _request: unknown, r: ReplyLike) => {
      if (error?.statusCode === 413) return reply(r, tooLarge(deps))
      if (error?.statusCode === 400) {
        deps.logger.warn('fastify rejected the request', errorFields(error))
        return reply(r, statusAnswer(400))
      }
      deps.logger.error('the Fastify adapter failed', errorFields(error))
      return reply(r, statusAnswer(500))
    })

    instance.route({
      method: METHODS,
      url: path,
      bodyLimit: deps.maxBodyBytes,
      handler: async (
        request: { method: string; url?: string; body?: unknown; headers: Record<string, string | string[] | undefined> },
        r: ReplyLike,
      ) => {
        const body = request.method === 'POST' && request.body !== undefined && request.body !== null ? (request.body as Uint8Array) : ''
        return reply(
          r,
          await deps.handle({
            method: request.method,
            body,
            headers: request.headers,
            url: typeof request.url === 'string' ? request.url : undefined,
          }),
        )
      },
    })
  }
}
