// Type checks: the adapters plug into node:http, Express, Fastify and Hono as documented; completion parsing is typed.
import { createServer } from 'node:http'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { createFlowEndpoint, parseFlowCompletion, type FlowCompletionMessage, type FlowHttpResponse } from 'whatsapp-flows'

const endpoint = createFlowEndpoint({ privateKey: '-----BEGIN PRIVATE KEY-----', logger: false })

createServer(endpoint.nodeHandler())

const app = express()
app.post('/flow', endpoint.nodeHandler())
app.post('/raw', express.raw({ type: '*/*' }), endpoint.nodeHandler())

const fastify = Fastify()
void fastify.register(endpoint.fastifyPlugin, { prefix: '/flow' })
void fastify.register(endpoint.fastifyPlugin, { path: '/hook' })

const hono = new Hono()
hono.post('/flow', (c) => endpoint.fetch(c.req.raw))

export const answer: Promise<FlowHttpResponse> = endpoint.handle({ body: new Uint8Array(0), headers: new Headers() })

// Untyped endpoints accept any screen and any data.
endpoint.on('data_exchange', 'ANY', (request) => ({ screen: 'NEXT', data: { echo: request.data.whatever } }))

declare const message: FlowCompletionMessage
const completion = parseFlowCompletion<{ appointment_id: string }>(message)
export const id: string = completion.response.appointment_id
export const token: string = completion.flowToken
// @ts-expect-error not a field of the completion params type
export const nope: string = completion.response.missing

// @ts-expect-error handle needs a body
void endpoint.handle({})
