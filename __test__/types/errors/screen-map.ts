// A hand-written screen map (the older way, still supported) is exact too, and its messages name the screen.
import { createFlowEndpoint } from 'whatsapp-flows'

interface Screens {
  APPOINTMENT: { in: { department: string; date: string }; out: { departments: string[]; min_date: string } }
  DETAILS: { in: { name: string; email: string }; out: { department: string; date: string }; next: 'SUMMARY' }
  SUMMARY: { out: { summary: string } }
}
const endpoint = createFlowEndpoint<Screens>({ privateKey: 'pem' })

endpoint.on('data_exchange', 'APPOINTMENT', (r) => ({ screen: 'DETAILS', data: { department: r.data.department, date: r.data.date } }))

// Extra and misspelled keys of the next screen's data (issue 12).
// error: screen DETAILS: unknown field 'dat'
endpoint.on('data_exchange', 'APPOINTMENT', (r) => ({ screen: 'DETAILS', data: { department: r.data.department, dat: r.data.date } }))

// A data object built elsewhere is checked too (no excess-property check would catch this one).
const details = { department: 'd', date: 'x', note: 'extra' }
// error: screen DETAILS: unknown field 'note'
endpoint.on('data_exchange', 'APPOINTMENT', () => ({ screen: 'DETAILS', data: details }))

// A wrong next screen names itself, not "not assignable to 'SUCCESS'".
// error: screen APPOINTMENT: next screen 'DETAIL' is not a screen of the flow
endpoint.on('data_exchange', 'APPOINTMENT', (r) => ({ screen: 'DETAIL', data: { department: r.data.department, date: r.data.date } }))

// `next` in a hand-written spec restricts the routes.
// error: screen DETAILS: next screen 'APPOINTMENT' is not allowed (routing_model.DETAILS does not list it)
endpoint.on('data_exchange', 'DETAILS', () => ({ screen: 'APPOINTMENT', data: { departments: [], min_date: '' } }))

// The catch-all checks data as well.
// error: screen SUMMARY: missing field 'summary'
endpoint.on('data_exchange', () => ({ screen: 'SUMMARY', data: {} }))
