// Example flow: book an appointment (APPOINTMENT → DETAILS → SUMMARY → SUCCESS), with BACK refreshes and input errors.
// Its Flow JSON is booking-flow.json: every answer stays on the screen or follows its routing_model, and carries
// exactly the data the next screen declares (`createFlowEndpoint({ flow })` checks that at run time).
// Default export registers the handlers: `wa-flows serve --handler examples/booking-flow.mjs` serves it as is.

/** What the clinic offers. A real flow would read these from a calendar service. */
export const DEPARTMENTS = [
  { id: 'general', title: 'General practice' },
  { id: 'dental', title: 'Dental' },
  { id: 'eyes', title: 'Eye care' },
]
export const LOCATIONS = [
  { id: 'north', title: 'North clinic' },
  { id: 'south', title: 'South clinic' },
]
const TIMES = ['09:00', '10:30', '13:00', '15:30']

/** The next five weekdays, as dropdown options `{ id: 'YYYY-MM-DD', title }`. */
export function availableDates(today = new Date()) {
  const dates = []
  const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()))
  while (dates.length < 5) {
    d.setUTCDate(d.getUTCDate() + 1)
    const day = d.getUTCDay()
    if (day === 0 || day === 6) continue
    const id = d.toISOString().slice(0, 10)
    dates.push({ id, title: d.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }) })
  }
  return dates
}

/** Slots per date: a deterministic pattern stands in for real availability (one slot a day is taken). */
export function availableTimes(date) {
  const taken = TIMES[Number(date.slice(-2)) % TIMES.length]
  return TIMES.filter((t) => t !== taken).map((t) => ({ id: t, title: t }))
}

const titleOf = (list, id) => list.find((o) => o.id === id)?.title

/** APPOINTMENT with every field it declares; the time slots are those of `date` (default: the first date). */
function appointmentScreen(extra = {}, date = undefined) {
  const dates = availableDates()
  const day = dates.some((d) => d.id === date) ? date : dates[0].id
  return {
    screen: 'APPOINTMENT',
    data: { departments: DEPARTMENTS, locations: LOCATIONS, dates, times: availableTimes(day), ...extra },
  }
}

/** Checks the APPOINTMENT choices; returns an error message or undefined. */
function checkAppointment(a) {
  if (!titleOf(DEPARTMENTS, a.department)) return 'Please choose a department.'
  if (!titleOf(LOCATIONS, a.location)) return 'Please choose a location.'
  if (!availableDates().some((d) => d.id === a.date)) return 'Please choose one of the offered dates.'
  if (!availableTimes(a.date).some((t) => t.id === a.time))
    return `${a.time || 'That time'} is not available on ${a.date}. Please pick another time.`
  return undefined
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

function checkDetails(d) {
  if (typeof d.name !== 'string' || d.name.trim().length < 2) return 'Please enter your name.'
  if (typeof d.email !== 'string' || !EMAIL.test(d.email)) return 'Please enter a valid email address.'
  if (typeof d.phone !== 'string' || !/^\+?[0-9 ()-]{7,20}$/.test(d.phone)) return 'Please enter a valid phone number.'
  return undefined
}

/** The named fields of a request's data as strings ('' when absent): every screen declares them as strings. */
const pick = (data, keys) => Object.fromEntries(keys.map((k) => [k, typeof data?.[k] === 'string' ? data[k] : '']))
const APPOINTMENT_FIELDS = ['department', 'location', 'date', 'time']
const DETAIL_FIELDS = ['name', 'email', 'phone', 'more_details']

function describeAppointment(a) {
  const date = availableDates().find((d) => d.id === a.date)?.title ?? a.date
  return `${titleOf(DEPARTMENTS, a.department) ?? a.department} at ${titleOf(LOCATIONS, a.location) ?? a.location}, ${date} at ${a.time}`
}

/** DETAILS with every field it declares. */
const detailsScreen = (a, extra = {}) => ({ screen: 'DETAILS', data: { ...a, appointment: describeAppointment(a), ...extra } })

/** SUMMARY with every field it declares. */
function summaryScreen(a, d, extra = {}) {
  const details = `Name: ${d.name.trim()}\nEmail: ${d.email}\nPhone: ${d.phone}${d.more_details ? `\n\n${d.more_details}` : ''}`
  return { screen: 'SUMMARY', data: { ...a, ...d, appointment: describeAppointment(a), details, ...extra } }
}

let bookings = 0

/** Registers the booking flow's handlers on `endpoint` (from createFlowEndpoint). */
export default function bookingFlow(endpoint) {
  // The flow opens on APPOINTMENT with the current options.
  endpoint.on('INIT', () => appointmentScreen())

  // Back navigation to APPOINTMENT (its refresh_on_back): fresh options for the screen being returned to.
  endpoint.on('BACK', (request) => {
    if (request.screen === 'APPOINTMENT') return appointmentScreen()
    return appointmentScreen({ error_message: 'Let us start again from the appointment.' })
  })

  // A date was picked: the same screen again, with the time slots of that date.
  endpoint.on('data_exchange', 'APPOINTMENT', (request) => {
    const a = pick(request.data, APPOINTMENT_FIELDS)
    if (request.data?.trigger === 'date_selected') return appointmentScreen({}, a.date)
    const error = checkAppointment(a)
    if (error) return appointmentScreen({ error_message: error }, a.date)
    return detailsScreen(a)
  })

  // Answers stay on the screen (with an error_message) or go forward: the routing model has no way back.
  endpoint.on('data_exchange', 'DETAILS', (request) => {
    const a = pick(request.data, APPOINTMENT_FIELDS)
    const d = pick(request.data, DETAIL_FIELDS)
    if (checkAppointment(a))
      return detailsScreen(a, { error_message: 'That appointment is no longer available. Please go back and choose another.' })
    const error = checkDetails(d)
    if (error) return detailsScreen(a, { error_message: error })
    return summaryScreen(a, d)
  })

  endpoint.on('data_exchange', 'SUMMARY', (request, ctx) => {
    const a = pick(request.data, APPOINTMENT_FIELDS)
    const d = pick(request.data, DETAIL_FIELDS)
    if (checkAppointment(a))
      return summaryScreen(a, d, { error_message: 'That appointment is no longer available. Please go back and choose another.' })
    if (checkDetails(d)) return summaryScreen(a, d, { error_message: 'Please go back and check your details.' })
    // A real flow stores the booking here (keyed by ctx.flowToken) and confirms it in the chat.
    bookings += 1
    return {
      screen: 'SUCCESS',
      data: {
        extension_message_response: { params: { flow_token: ctx.flowToken, booking_id: `BK-${String(bookings).padStart(5, '0')}` } },
      },
    }
  })

  // The client could not use an answer (e.g. a malformed screen): nothing to undo here, the endpoint acknowledges.
  endpoint.onErrorNotification(() => {})
}
