// The simulator's side of the messages webhook: builds notifications shaped like Meta's (a flow completion as an
// `interactive.nfm_reply` message, a `flows` field event) and delivers them signed with X-Hub-Signature-256.
import { utf8 } from '../util/bytes.js'
import { randomId } from '../util/token.js'
import { signBody } from './sign.js'
import { createTransport } from './transport.js'
import type { FlowClientOptions, FlowWebhookDelivery, SimulatedCompletionOptions, WebhookTarget } from './types.js'

/** The test business the simulated notifications come from (Meta's sample numbers). */
export const SIMULATED = {
  wabaId: '102290129340398',
  phoneNumberId: '106540352242922',
  displayPhoneNumber: '15550783881',
  from: '16505551234',
  profileName: 'Test User',
} as const

const nowSeconds = () => Math.floor(Date.now() / 1000)

/** A messages-webhook body with one flow completion message. */
export function completionNotification(
  responseJson: Record<string, unknown>,
  o: SimulatedCompletionOptions = {},
): { body: object; messageId: string } {
  const messageId = o.messageId ?? `wamid.${randomId()}`
  const from = o.from ?? SIMULATED.from
  const message: Record<string, unknown> = {
    from,
    id: messageId,
    timestamp: String(o.timestamp ?? nowSeconds()),
    type: 'interactive',
    interactive: { type: 'nfm_reply', nfm_reply: { name: 'flow', body: 'Sent', response_json: JSON.stringify(responseJson) } },
  }
  if (o.contextMessageId !== undefined) message.context = { from: SIMULATED.displayPhoneNumber, id: o.contextMessageId }
  const value = {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: SIMULATED.displayPhoneNumber, phone_number_id: o.phoneNumberId ?? SIMULATED.phoneNumberId },
    contacts: [{ profile: { name: SIMULATED.profileName }, wa_id: from }],
    messages: [message],
  }
  return {
    body: { object: 'whatsapp_business_account', entry: [{ id: o.wabaId ?? SIMULATED.wabaId, changes: [{ field: 'messages', value }] }] },
    messageId,
  }
}

/** A messages-webhook body with one `flows` field event (`value` as Meta documents it: event, flow_id, …). */
export function flowsNotification(value: Record<string, unknown>, o: { wabaId?: string; time?: number } = {}): object {
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: o.wabaId ?? SIMULATED.wabaId, time: o.time ?? nowSeconds(), changes: [{ field: 'flows', value }] }],
  }
}

/** Delivers bodies to a webhook (URL or object with handle()), signed with the app secret as Meta signs them. */
export function createWebhookSender(target: WebhookTarget, appSecret: string | undefined, fetchImpl: FlowClientOptions['fetch']) {
  const transport =
    typeof target === 'string' || target instanceof URL
      ? createTransport({ url: target, fetch: fetchImpl } as FlowClientOptions)
      : createTransport({ endpoint: target } as FlowClientOptions)
  return async (payload: object | string): Promise<FlowWebhookDelivery> => {
    if (!appSecret) throw new TypeError('appSecret is required to sign webhook notifications')
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload)
    const headers = { 'content-type': 'application/json', 'x-hub-signature-256': await signBody(appSecret, utf8(text)) }
    const answer = await transport(text, headers)
    return { status: answer.status, body: answer.text }
  }
}
