// Typed flow example: the booking flow's handlers typed from its Flow JSON. booking-flow.flow.ts is generated from
// booking-flow.json (`wa-flows validate examples/booking-flow.json --emit-ts examples/booking-flow.flow.ts`), so the
// JSON is the only place where the screens, their data and their routes are described.
import { createFlowClient, createFlowEndpoint, FlowTokenError, type FlowEndpoint, type FlowScreensOf } from 'whatsapp-flows'
import flow from './booking-flow.flow.js'

/** The screen map read from the Flow JSON: each screen's `out` (declared data), `in` (payloads), `next` (routes). */
export type BookingScreens = FlowScreensOf<typeof flow>

/** Params of the completion message (`flow_token` is added by the type). */
export interface BookingCompletion {
  booking_id: string
}

const departments = [
  { id: 'general', title: 'General practice' },
  { id: 'dental', title: 'Dental' },
]
const locations = [{ id: 'north', title: 'North clinic' }]
const dates = [{ id: '2026-03-02', title: 'Mon 2 Mar' }]
const timesOn = (date: string) => [{ id: '10:30', title: `10:30 on ${date}` }]

/** APPOINTMENT's data: exactly the four lists its Flow JSON declares. */
const appointment = (date = dates[0]!.id) => ({ departments, locations, dates, times: timesOn(date) })

const usedTokens = new Set<string>()

export function createBookingEndpoint(privateKey: string, appSecret: string): FlowEndpoint<BookingScreens, BookingCompletion> {
  const endpoint = createFlowEndpoint<typeof flow, BookingCompletion>({
    privateKey,
    appSecret,
    flow,
    // Shown instead of a 504 when a handler is too slow: the first screen again, with a snackbar.
    onTimeout: () => ({ screen: 'APPOINTMENT', data: { ...appointment(), error_message: 'Please try again' } }),
  })

  endpoint
    .on('INIT', (_request, ctx) => {
      if (usedTokens.has(ctx.flowToken)) throw new FlowTokenError('This booking was already completed')
      return { screen: 'APPOINTMENT', data: appointment() }
    })
    .on('data_exchange', 'APPOINTMENT', (request) => {
      // request.data is one of the screen's two data_exchange payloads: the date picker's, or the Footer's.
      if ('trigger' in request.data) return { screen: 'APPOINTMENT', data: appointment(request.data.date) }
      const { department, location, date, time } = request.data
      return { screen: 'DETAILS', data: { department, location, date, time, appointment: `${department} at ${location}, ${date} ${time}` } }
    })
    .on('data_exchange', 'DETAILS', (request) => {
      const { name, email, phone, more_details = '', ...a } = request.data // more_details: an optional TextArea
      const details = `Name: ${name}\nEmail: ${email}\nPhone: ${phone}`
      return { screen: 'SUMMARY', data: { ...a, name, email, phone, more_details, appointment: `${a.department} on ${a.date}`, details } }
    })
    .on('data_exchange', 'SUMMARY', async (request, ctx) => {
      const id = await saveBooking(request.data.name, request.data.email, ctx.signal)
      usedTokens.add(ctx.flowToken)
      return { screen: 'SUCCESS', data: { extension_message_response: { params: { flow_token: ctx.flowToken, booking_id: id } } } }
    })
    .on('BACK', () => ({ screen: 'APPOINTMENT', data: appointment() }))
    .onErrorNotification((notification) => {
      console.warn('WhatsApp could not use a response', notification.data.error)
    })

  // Mistakes the types catch; tsc's message names the screen and the field (__test__/types.test.mjs checks them):
  // @ts-expect-error screen SUMMARY: unknown field 'emial'
  endpoint.on('data_exchange', 'DETAILS', (r) => ({
    screen: 'SUMMARY',
    data: { ...r.data, more_details: '', appointment: '', details: '', emial: r.data.email },
  }))
  // @ts-expect-error screen APPOINTMENT: next screen 'SUMMARY' is not allowed (routing_model.APPOINTMENT does not list it)
  endpoint.on('data_exchange', 'APPOINTMENT', () => ({ screen: 'SUMMARY', data: {} }))
  // @ts-expect-error screen APPOINTMENT: missing field 'times'
  endpoint.on('INIT', () => ({ screen: 'APPOINTMENT', data: { departments, locations, dates } }))
  // @ts-expect-error completion params: missing field 'booking_id'
  endpoint.on('data_exchange', 'SUMMARY', (_r, ctx) => ({
    screen: 'SUCCESS',
    data: { extension_message_response: { params: { flow_token: ctx.flowToken } } },
  }))

  return endpoint
}

async function saveBooking(name: string, email: string, signal: AbortSignal): Promise<string> {
  signal.throwIfAborted()
  return `BK-${name.length}-${email.length}-${Date.now()}`
}

/** Walks the flow with the simulator, as a test would; `simulateFlow({ flow, endpoint, publicKey })` walks all of it. */
export async function tryBooking(endpoint: FlowEndpoint<BookingScreens, BookingCompletion>, publicKey: string): Promise<unknown> {
  const client = createFlowClient<BookingScreens>({ endpoint, publicKey })
  await client.init()
  await client.dataExchange('APPOINTMENT', { trigger: 'date_selected', date: '2026-03-02' })
  const chosen = { department: 'dental', location: 'north', date: '2026-03-02', time: '10:30' }
  await client.dataExchange('APPOINTMENT', chosen)
  // @ts-expect-error the DETAILS screen's data_exchange sends name, email and phone too
  await client.dataExchange('DETAILS', { ...chosen, name: 'Ann' })
  const done = await client.dataExchange('DETAILS', { ...chosen, name: 'Ann', email: 'ann@example.com', phone: '+44 20 7946 0000' })
  return done.response
}
