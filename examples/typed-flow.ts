// Typed flow example: declare each screen's data once; handlers get typed request.data and typed response data.
import { createFlowClient, createFlowEndpoint, FlowTokenError, type FlowEndpoint } from 'whatsapp-flows'

/** `in`: what a screen's data_exchange sends; `out`: what the endpoint returns to show that screen. */
export interface BookingScreens {
  APPOINTMENT: {
    in: { department: string; date: string }
    out: { departments: Array<{ id: string; title: string }>; min_date: string }
  }
  DETAILS: {
    in: { name: string; email: string; department: string; date: string }
    out: { department: string; date: string }
  }
  SUMMARY: {
    out: { summary: string }
  }
}

/** Params of the completion message (`flow_token` is added by the type). */
export interface BookingCompletion {
  appointment_id: string
}

const departments = [
  { id: 'cardio', title: 'Cardiology' },
  { id: 'derma', title: 'Dermatology' },
]

const usedTokens = new Set<string>()

export function createBookingEndpoint(privateKey: string, appSecret: string): FlowEndpoint<BookingScreens, BookingCompletion> {
  const endpoint = createFlowEndpoint<BookingScreens, BookingCompletion>({
    privateKey,
    appSecret,
    // Shown instead of a 504 when a handler is too slow: stay on the screen with a snackbar.
    onTimeout: (request) =>
      request.action === 'data_exchange' && request.screen === 'DETAILS'
        ? { screen: 'DETAILS', data: { department: request.data.department, date: request.data.date, error_message: 'Please try again' } }
        : { screen: 'APPOINTMENT', data: { departments, min_date: '2026-01-01', error_message: 'Please try again' } },
  })

  endpoint
    .on('INIT', (_request, ctx) => {
      if (usedTokens.has(ctx.flowToken)) throw new FlowTokenError('This booking was already completed')
      return { screen: 'APPOINTMENT', data: { departments, min_date: new Date().toISOString().slice(0, 10) } }
    })
    .on('data_exchange', 'APPOINTMENT', (request) => {
      const { department, date } = request.data // typed: { department: string; date: string }
      return { screen: 'DETAILS', data: { department, date } }
    })
    .on('data_exchange', 'DETAILS', async (request, ctx) => {
      const id = await saveAppointment(request.data.name, request.data.email, ctx.signal)
      usedTokens.add(ctx.flowToken)
      return { screen: 'SUCCESS', data: { extension_message_response: { params: { flow_token: ctx.flowToken, appointment_id: id } } } }
    })
    .on('data_exchange', (request) => {
      // Catch-all: `request` is a union discriminated by `screen`.
      if (request.screen === 'APPOINTMENT') return { screen: 'DETAILS', data: { department: request.data.department, date: request.data.date } }
      return { screen: 'SUMMARY', data: { summary: `from ${request.screen}` } }
    })
    .on('BACK', () => ({ screen: 'APPOINTMENT', data: { departments, min_date: '2026-01-01' } }))
    .onErrorNotification((notification) => {
      console.warn('WhatsApp could not use a response', notification.data.error)
    })

  // Mistakes the types catch:
  // @ts-expect-error DETAILS must be answered with { department, date }, not a number
  endpoint.on('data_exchange', 'APPOINTMENT', () => ({ screen: 'DETAILS', data: { department: 1, date: 'x' } }))
  // @ts-expect-error there is no screen NOPE in BookingScreens
  endpoint.on('data_exchange', 'NOPE', () => ({ screen: 'SUMMARY', data: { summary: '' } }))
  // @ts-expect-error the APPOINTMENT screen sends no `email`
  endpoint.on('data_exchange', 'APPOINTMENT', (request) => ({ screen: 'SUMMARY', data: { summary: request.data.email } }))
  // @ts-expect-error the completion params need appointment_id
  endpoint.on('INIT', (_r, ctx) => ({ screen: 'SUCCESS', data: { extension_message_response: { params: { flow_token: ctx.flowToken } } } }))

  return endpoint
}

async function saveAppointment(name: string, email: string, signal: AbortSignal): Promise<string> {
  signal.throwIfAborted()
  return `${name.length}-${email.length}-${Date.now()}`
}

/** Walks the flow with the simulator, as a test would. */
export async function tryBooking(endpoint: FlowEndpoint<BookingScreens, BookingCompletion>, publicKey: string): Promise<unknown> {
  const client = createFlowClient<BookingScreens>({ endpoint, publicKey })
  await client.init()
  await client.dataExchange('APPOINTMENT', { department: 'cardio', date: '2026-02-02' })
  // @ts-expect-error the DETAILS screen's data needs name, email, department and date
  await client.dataExchange('DETAILS', { name: 'Ann' })
  const done = await client.dataExchange('DETAILS', { name: 'Ann', email: 'ann@example.com', department: 'cardio', date: '2026-02-02' })
  return done.response
}
