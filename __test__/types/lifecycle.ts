// Type checks of the lifecycle API: typed sessions in handlers, typed webhook events, the Graph client's results.
import { createFlowEndpoint, createFlowSessions, createGraphClient, createWebhook, type FlowsEvent, type SentFlow } from 'whatsapp-flows'

interface Cart {
  items: string[]
}
const sessions = createFlowSessions<Cart>()
const endpoint = createFlowEndpoint({ privateKey: '-----BEGIN PRIVATE KEY-----', sessions, logger: false })
endpoint.on('INIT', async (_request, ctx) => {
  const cart = await ctx.session.get()
  const count: number | undefined = cart?.items.length
  // @ts-expect-error a session value must be a Cart
  await ctx.session.set({ items: 'not an array' })
  const verified: boolean = ctx.flowTokenVerified
  return { screen: 'A', data: { count, verified } }
})

const webhook = createWebhook({ appSecret: 'secret', sessions })
webhook.on('ENDPOINT_LATENCY', (e) => {
  const p90: number = e.p90_latency
  const state: 'ACTIVATED' | 'DEACTIVATED' = e.alert_state
  void [p90, state]
})
webhook.on('flow.completion', (e) => {
  const items: string[] | undefined = e.session?.items
  const token: string = e.flowToken
  void [items, token]
})
webhook.on('flows', (e) => {
  if (e.event === 'FLOW_STATUS_CHANGE') {
    const next: string = (e as FlowsEvent & { event: 'FLOW_STATUS_CHANGE' }).new_status
    void next
  }
})
// @ts-expect-error not an event of the webhook
webhook.on('completion', () => {})

const wa = createGraphClient({ accessToken: 'token', phoneNumberId: '1' })
export const sent: Promise<SentFlow> = wa.sendFlow({ to: '1', flowId: '1', flowCta: 'Go', body: 'b', sessions, session: { items: [] } })
// @ts-expect-error flowAction is navigate or data_exchange
void wa.sendFlow({ to: '1', flowId: '1', flowCta: 'Go', body: 'b', flowAction: 'open' })
