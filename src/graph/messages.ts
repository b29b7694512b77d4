// Sending flows through the Cloud API: the interactive flow message and a template with a FLOW button
// (POST /{phone-number-id}/messages), with a generated flow token, optional session creation and the link from the
// message id to the token. Payload shapes as Meta documents them (docs/lifecycle.md, "Sending").
import { GraphApiError } from '../errors.js'
import { validSessions } from '../sessions/sessions.js'
import type { FlowSessions } from '../sessions/types.js'
import { isPlainObject } from '../util/inspect.js'
import { randomId } from '../util/token.js'
import type { GraphTransport } from './client.js'

/** What sending a flow needs besides the flow itself: recipient, sender number, token and session. */
interface SendCommon<T> {
  /** Recipient's WhatsApp number (digits, with country code) or WhatsApp id. */
  to: string
  /** Sender phone number id; defaults to the client's `phoneNumberId`. */
  phoneNumberId?: string
  /** Tracks this user through the flow; a random `ft_…` token is generated when omitted. */
  flowToken?: string
  /** Where to keep the session and the message-id → token link (see `session`). */
  sessions?: FlowSessions<T>
  /** With `sessions`: the session is created with this value before sending (deleted again if sending fails). */
  session?: T
  signal?: AbortSignal
}

export interface SendFlowOptions<T = unknown> extends SendCommon<T> {
  /** The published (or draft) flow's id; give `flowId` or `flowName`. */
  flowId?: string
  /** The flow's name (Cloud API only); give `flowId` or `flowName`. */
  flowName?: string
  /** The button text (Meta advises at most 30 characters, no emoji). */
  flowCta: string
  /** Message body text. */
  body: string
  /** Header: a text, or a header object as the Cloud API takes it (`{ type: 'image', image: { id } }`). */
  header?: string | Record<string, unknown>
  footer?: string
  /** `navigate` (default: opens `screen` with `data`) or `data_exchange` (the endpoint's INIT answers the first screen). */
  flowAction?: 'navigate' | 'data_exchange'
  /** First screen for `navigate` (Meta's default: the flow's entry screen). */
  screen?: string
  /** Data for the first screen (`navigate` only); a non-empty object. */
  data?: Record<string, unknown>
  /** `published` (Meta's default) or `draft` (test the current draft). */
  mode?: 'draft' | 'published'
}

export interface SendFlowTemplateOptions<T = unknown> extends SendCommon<T> {
  /** Name of an approved template with a FLOW button. */
  template: string
  /** Template language code, e.g. `en_US`. */
  language: string
  /** Data for the flow's first screen (`flow_action_data`). */
  flowActionData?: Record<string, unknown>
  /** Index of the FLOW button among the template's buttons (default 0). */
  buttonIndex?: number
  /** Other components (header/body parameters), sent before the button component. */
  components?: Record<string, unknown>[]
}

export interface SentFlow {
  /** The message id (`wamid…`): a completion's `context.id` refers to it. */
  messageId: string
  /** The flow token the message carries (given or generated). */
  flowToken: string
  /** The recipient's WhatsApp id, when Graph returned it. */
  waId: string | undefined
}

function text(value: unknown, name: string, required = true): string | undefined {
  if (value === undefined && !required) return undefined
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${name} must be a non-empty string`)
  return value
}

function objectOption(value: unknown, name: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined
  if (!isPlainObject(value) || Object.keys(value).length === 0) throw new TypeError(`${name} must be a non-empty plain object`)
  return value
}

/** The `action.parameters` of an interactive flow message (validates the options). */
export function flowParameters(o: SendFlowOptions<unknown>, flowToken: string): Record<string, unknown> {
  if ((o.flowId === undefined) === (o.flowName === undefined)) throw new TypeError('give exactly one of flowId or flowName')
  const action = o.flowAction ?? 'navigate'
  if (action !== 'navigate' && action !== 'data_exchange') throw new TypeError("flowAction must be 'navigate' or 'data_exchange'")
  if (o.mode !== undefined && o.mode !== 'draft' && o.mode !== 'published') throw new TypeError("mode must be 'draft' or 'published'")
  const screen = text(o.screen, 'screen', false)
  const data = objectOption(o.data, 'data')
  if (action === 'data_exchange' && (screen !== undefined || data !== undefined)) {
    throw new TypeError('screen and data go with flowAction navigate; with data_exchange the endpoint answers INIT')
  }
  const parameters: Record<string, unknown> = { flow_message_version: '3', flow_token: flowToken }
  if (o.flowId !== undefined) parameters.flow_id = text(o.flowId, 'flowId')
  else parameters.flow_name = text(o.flowName, 'flowName')
  parameters.flow_cta = text(o.flowCta, 'flowCta')
  parameters.flow_action = action
  if (screen !== undefined || data !== undefined) {
    parameters.flow_action_payload = { ...(screen === undefined ? {} : { screen }), ...(data === undefined ? {} : { data }) }
  }
  if (o.mode !== undefined) parameters.mode = o.mode
  return parameters
}

/** The whole `/messages` body of an interactive flow message. */
export function flowMessage(o: SendFlowOptions<unknown>, flowToken: string): Record<string, unknown> {
  const interactive: Record<string, unknown> = { type: 'flow' }
  if (o.header !== undefined) {
    if (typeof o.header === 'string') interactive.header = { type: 'text', text: text(o.header, 'header') }
    else if (isPlainObject(o.header) && typeof o.header.type === 'string') interactive.header = o.header
    else throw new TypeError('header must be a text or a Cloud API header object with a type')
  }
  interactive.body = { text: text(o.body, 'body') }
  if (o.footer !== undefined) interactive.footer = { text: text(o.footer, 'footer') }
  interactive.action = { name: 'flow', parameters: flowParameters(o, flowToken) }
  return { messaging_product: 'whatsapp', recipient_type: 'individual', to: text(o.to, 'to'), type: 'interactive', interactive }
}

/** The whole `/messages` body of a template message whose FLOW button carries the token. */
export function flowTemplateMessage(o: SendFlowTemplateOptions<unknown>, flowToken: string): Record<string, unknown> {
  const index = o.buttonIndex ?? 0
  if (!Number.isSafeInteger(index) || index < 0 || index > 9) throw new TypeError('buttonIndex must be an integer from 0 to 9')
  if (o.components !== undefined && (!Array.isArray(o.components) || !o.components.every(isPlainObject)))
    throw new TypeError('components must be an array of objects')
  const flowActionData = objectOption(o.flowActionData, 'flowActionData')
  const action: Record<string, unknown> = { flow_token: flowToken }
  if (flowActionData) action.flow_action_data = flowActionData
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: text(o.to, 'to'),
    type: 'template',
    template: {
      name: text(o.template, 'template'),
      language: { code: text(o.language, 'language') },
      components: [
        ...(o.components ?? []),
        { type: 'button', sub_type: 'flow', index: String(index), parameters: [{ type: 'action', action }] },
      ],
    },
  }
}

function sentMessage(answer: unknown, flowToken: string): SentFlow {
  const a = answer as { messages?: { id?: unknown }[]; contacts?: { wa_id?: unknown }[] } | undefined
  const id = a?.messages?.[0]?.id
  if (typeof id !== 'string' || id === '')
    throw new GraphApiError('Graph API accepted the message but returned no message id', GraphApiError.codes.api)
  const waId = a?.contacts?.[0]?.wa_id
  return { messageId: id, flowToken, waId: typeof waId === 'string' ? waId : undefined }
}

/**
 * Sends `body` (built for `flowToken`) and keeps the session bookkeeping: the session is created before the message
 * leaves (so the endpoint knows the token when the user opens the flow at once) and removed if sending fails; the
 * message id is linked to the token afterwards.
 */
export async function sendWithSession<T>(
  graph: GraphTransport,
  phoneNumberId: string,
  o: SendCommon<T>,
  build: (flowToken: string) => Record<string, unknown>,
): Promise<SentFlow> {
  if (!/^\d+$/.test(phoneNumberId)) throw new TypeError('phoneNumberId must be the numeric phone number id')
  const flowToken = o.flowToken === undefined ? randomId('ft_') : text(o.flowToken, 'flowToken')!
  const sessions = validSessions(o.sessions)
  if (o.session !== undefined && !sessions) throw new TypeError('session needs sessions (from createFlowSessions()) to be stored in')
  const body = build(flowToken)
  const created = sessions !== undefined && o.session !== undefined
  if (created) await sessions!.set(flowToken, o.session)
  let sent: SentFlow
  try {
    sent = sentMessage(await graph.request('POST', `${phoneNumberId}/messages`, { json: body, signal: o.signal }), flowToken)
  } catch (e) {
    if (created) await sessions!.delete(flowToken).catch(() => undefined)
    throw e
  }
  if (sessions) await sessions.linkMessage(sent.messageId, flowToken)
  return sent
}
