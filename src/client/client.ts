// createFlowClient: a WhatsApp-side simulator that encrypts requests exactly like WhatsApp and decrypts the answers.
import { utf8 } from '../util/bytes.js'
import { isPlainObject } from '../util/inspect.js'
import { signHs256 } from '../util/jwt.js'
import type { AnyFlowScreens } from '../endpoint/types.js'
import { importPublicKey } from './public-key.js'
import { sealRequest } from './seal.js'
import { signBody } from './sign.js'
import { createTransport, type RawAnswer } from './transport.js'
import type { FlowClient, FlowClientOptions, FlowClientResult, FlowNotifyErrorOptions } from './types.js'
import { completionNotification, createWebhookSender, flowsNotification } from './webhook.js'

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

/** `4.0` and later carry `flow_token_signature`. */
function signsTokens(version: string): boolean {
  const m = /^(\d+)\.(\d+)$/.exec(version)
  return m !== null && Number(m[1]) >= 4
}

/** The completion params of a SUCCESS answer, if `response` is one. */
function successParams(response: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(response) || response.screen !== 'SUCCESS' || !isPlainObject(response.data)) return undefined
  const ext = response.data.extension_message_response
  return isPlainObject(ext) && isPlainObject(ext.params) ? ext.params : undefined
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
  const fixedSignature = options.flowTokenSignature
  if (fixedSignature !== undefined && fixedSignature !== false && (typeof fixedSignature !== 'string' || fixedSignature === '')) {
    throw new TypeError('flowTokenSignature must be a non-empty string or false')
  }
  let tokenSignature: Promise<string | undefined> | undefined
  const signature = () =>
    (tokenSignature ??=
      fixedSignature === false
        ? Promise.resolve(undefined)
        : typeof fixedSignature === 'string'
          ? Promise.resolve(fixedSignature)
          : appSecret && signsTokens(version)
            ? signHs256({ flow_token: flowToken }, appSecret)
            : Promise.resolve(undefined))
  const webhookSend = options.webhook === undefined ? undefined : createWebhookSender(options.webhook, appSecret, options.fetch)
  const deliver = (body: object | string) => {
    if (!webhookSend) throw new TypeError('createFlowClient needs the webhook option to deliver notifications')
    return webhookSend(body)
  }
  let lastParams: Record<string, unknown> | undefined

  async function send(request: object): Promise<FlowClientResult> {
    if (typeof request !== 'object' || request === null || Array.isArray(request)) throw new TypeError('request must be an object')
    const sealed = await sealRequest(request, await publicKey())
    const body = JSON.stringify(sealed.body)
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (appSecret) headers['x-hub-signature-256'] = await signBody(appSecret, utf8(body))
    const answer: RawAnswer = await transport(body, headers)
    if (answer.status !== 200) return { status: answer.status, headers: answer.headers, response: plainBody(answer.text) }
    const response = (await sealed.open(answer.text)) as FlowClientResult['response']
    lastParams = successParams(response) ?? lastParams
    return { status: 200, headers: answer.headers, response }
  }

  /** What every INIT/BACK/data_exchange carries: version, token and, from 4.0 on, the token's signature. */
  const base = async () => {
    const sig = await signature()
    return sig === undefined ? { version, flow_token: flowToken } : { version, flow_token: flowToken, flow_token_signature: sig }
  }

  return {
    flowToken,
    send,
    ping: () => send({ version, action: 'ping' }),
    // WhatsApp sends INIT and BACK with an empty screen and empty data unless there is something to say.
    init: async (data) => send({ ...(await base()), action: 'INIT', screen: '', data: data ?? {} }),
    // Argument errors are thrown at the call, before anything is sent.
    dataExchange(screen, data) {
      if (typeof screen !== 'string' || screen === '') throw new TypeError('screen must be a non-empty string')
      if (typeof data !== 'object' || data === null) throw new TypeError('data must be an object')
      return base().then((b) => send({ ...b, action: 'data_exchange', screen, data }))
    },
    back(screen) {
      if (screen !== undefined && typeof screen !== 'string') throw new TypeError('screen must be a string')
      return base().then((b) => send({ ...b, action: 'BACK', screen: screen ?? '', data: {} }))
    },
    notifyError(error: string, message: string, opts: FlowNotifyErrorOptions = {}) {
      if (typeof error !== 'string' || typeof message !== 'string') throw new TypeError('error and message must be strings')
      return base().then((b) => {
        const request: Record<string, unknown> = { ...b, action: opts.action ?? 'data_exchange', data: { error, error_message: message } }
        if (opts.screen !== undefined) request.screen = opts.screen
        return send(request)
      })
    },
    async complete(params, opts = {}) {
      const own = params ?? lastParams ?? {}
      if (!isPlainObject(own)) throw new TypeError('params must be a plain object')
      const { flow_token: _ignored, ...rest } = own
      const response = opts.omitFlowToken ? rest : { flow_token: flowToken, ...rest }
      const { body, messageId } = completionNotification(response, opts)
      return { ...(await deliver(body)), messageId }
    },
    async flowsEvent(value, opts = {}) {
      if (!isPlainObject(value) || typeof value.event !== 'string')
        throw new TypeError('value must be a flows event object with an event name')
      return deliver(flowsNotification(value, opts))
    },
    async deliverWebhook(body) {
      if (typeof body !== 'string' && (typeof body !== 'object' || body === null))
        throw new TypeError('body must be an object or JSON text')
      return deliver(body)
    },
  }
}
