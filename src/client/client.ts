// createFlowClient: a WhatsApp-side simulator that encrypts requests exactly like WhatsApp and decrypts the answers.
import { utf8 } from '../util/bytes.js'
import type { AnyFlowScreens } from '../endpoint/types.js'
import { importPublicKey } from './public-key.js'
import { sealRequest } from './seal.js'
import { signBody } from './sign.js'
import { createTransport, type RawAnswer } from './transport.js'
import type { FlowClient, FlowClientOptions, FlowClientResult, FlowNotifyErrorOptions } from './types.js'

function randomToken(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(12))
  return `flow-token-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value === '')) throw new TypeError(`${name} must be a non-empty string`)
  return value as string | undefined
}

/** A non-200 body: JSON when it parses, otherwise the text. */
function plainBody(text: string): FlowClientResult['response'] {
  try {
    const v = JSON.parse(text)
    return typeof v === 'object' && v !== null ? v : text
  } catch {
    return text
  }
}

export function createFlowClient<S = AnyFlowScreens>(options: FlowClientOptions): FlowClient<S> {
  if (typeof options !== 'object' || options === null) throw new TypeError('createFlowClient takes an options object')
  const transport = createTransport(options)
  const appSecret = optionalString(options.appSecret, 'appSecret')
  const version = optionalString(options.version, 'version') ?? '3.0'
  const flowToken = optionalString(options.flowToken, 'flowToken') ?? randomToken()
  if (options.publicKey === undefined) throw new TypeError('publicKey is required')
  let key: Promise<CryptoKey> | undefined
  const publicKey = () => (key ??= importPublicKey(options.publicKey))

  async function send(request: object): Promise<FlowClientResult> {
    if (typeof request !== 'object' || request === null || Array.isArray(request)) throw new TypeError('request must be an object')
    const sealed = await sealRequest(request, await publicKey())
    const body = JSON.stringify(sealed.body)
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (appSecret) headers['x-hub-signature-256'] = await signBody(appSecret, utf8(body))
    const answer: RawAnswer = await transport(body, headers)
    if (answer.status !== 200) return { status: answer.status, headers: answer.headers, response: plainBody(answer.text) }
    const response = (await sealed.open(answer.text)) as FlowClientResult['response']
    return { status: 200, headers: answer.headers, response }
  }

  const base = () => ({ version, flow_token: flowToken })

  return {
    flowToken,
    send,
    ping: () => send({ version, action: 'ping' }),
    init: (data) => send(data === undefined ? { ...base(), action: 'INIT' } : { ...base(), action: 'INIT', data }),
    dataExchange(screen, data) {
      if (typeof screen !== 'string' || screen === '') throw new TypeError('screen must be a non-empty string')
      if (typeof data !== 'object' || data === null) throw new TypeError('data must be an object')
      return send({ ...base(), action: 'data_exchange', screen, data })
    },
    back(screen) {
      if (screen !== undefined && typeof screen !== 'string') throw new TypeError('screen must be a string')
      return send(screen === undefined ? { ...base(), action: 'BACK' } : { ...base(), action: 'BACK', screen })
    },
    notifyError(error: string, message: string, opts: FlowNotifyErrorOptions = {}) {
      if (typeof error !== 'string' || typeof message !== 'string') throw new TypeError('error and message must be strings')
      const request: Record<string, unknown> = { ...base(), action: opts.action ?? 'data_exchange', data: { error, error_message: message } }
      if (opts.screen !== undefined) request.screen = opts.screen
      return send(request)
    },
  }
}
