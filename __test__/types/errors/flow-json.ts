// Handlers typed from a Flow JSON: each "// error: …" line names the text tsc must report on the next line; every
// other line must compile. Checked by __test__/types.test.mjs through the TypeScript API.
import { createFlowClient, createFlowEndpoint, defineFlow } from 'whatsapp-flows'
import booking from '../../../examples/booking-flow.flow.js'

const endpoint = createFlowEndpoint({ privateKey: 'pem', flow: booking })
const lists = { departments: [], locations: [], dates: [], times: [] }

// A misspelled field of the next screen.
// error: screen SUMMARY: unknown field 'emial'
endpoint.on('data_exchange', 'DETAILS', (r) => ({ screen: 'SUMMARY', data: { ...r.data, more_details: '', appointment: '', details: '', emial: r.data.email } }))

// A declared field left out.
// error: screen DETAILS: missing field 'appointment'
endpoint.on('data_exchange', 'APPOINTMENT', () => ({ screen: 'DETAILS', data: { department: 'd', location: 'l', date: 'x', time: 't' } }))

// A declared field of the wrong type.
// error: screen DETAILS: field 'time' must be string
endpoint.on('data_exchange', 'APPOINTMENT', () => ({ screen: 'DETAILS', data: { department: 'd', location: 'l', date: 'x', time: 930, appointment: '' } }))

// An optional payload value passed on as a required field.
// error: screen SUMMARY: field 'more_details' may be undefined
endpoint.on('data_exchange', 'DETAILS', (r) => ({ screen: 'SUMMARY', data: { ...r.data, appointment: '', details: '' } }))

// A screen the routing model does not allow from here (backwards).
// error: screen DETAILS: next screen 'APPOINTMENT' is not allowed (routing_model.DETAILS does not list it)
endpoint.on('data_exchange', 'DETAILS', () => ({ screen: 'APPOINTMENT', data: lists }))

// A screen that does not exist.
// error: screen APPOINTMENT: next screen 'DETAIL' is not a screen of the flow
endpoint.on('data_exchange', 'APPOINTMENT', () => ({ screen: 'DETAIL', data: {} }))

// INIT must open the entry screen.
// error: INIT: next screen 'SUMMARY' is not allowed (INIT opens an entry screen of the routing model)
endpoint.on('INIT', () => ({ screen: 'SUMMARY', data: {} }))

// Several returns: the wrong one is found.
// error: screen APPOINTMENT: unknown field 'error'
endpoint.on('data_exchange', 'APPOINTMENT', async (r) => {
  if ('trigger' in r.data) return { screen: 'APPOINTMENT', data: { ...lists, error: 'x' } }
  return { screen: 'APPOINTMENT', data: { ...lists, error_message: 'Please choose again' } }
})

// error_message is a string.
// error: screen APPOINTMENT: error_message must be a string
endpoint.on('BACK', () => ({ screen: 'APPOINTMENT', data: { ...lists, error_message: 1 } }))

// The completion needs its params.
// error: completion params: missing field 'flow_token'
endpoint.on('data_exchange', 'SUMMARY', () => ({ screen: 'SUCCESS', data: { extension_message_response: { params: {} } } }))

// The request's data is the screen's data_exchange payload.
// error: Property 'email' does not exist on type
endpoint.on('data_exchange', 'APPOINTMENT', (r) => ({ screen: 'APPOINTMENT', data: { ...lists, error_message: 'department' in r.data ? r.data.email : '' } }))

// A screen without a handler of its own cannot be named.
// error: Argument of type '"NOPE"' is not assignable to parameter of type
endpoint.on('data_exchange', 'NOPE', () => ({ screen: 'SUMMARY', data: {} }))

// The simulator takes the same payload types.
const client = createFlowClient<import('whatsapp-flows').FlowScreensOf<typeof booking>>({ endpoint, publicKey: 'pem' })
// error: Property '"phone"' is missing
void client.dataExchange('DETAILS', { department: 'd', location: 'l', date: 'x', time: 't', name: 'n', email: 'e' })

// defineFlow types an inline Flow JSON without `as const`; inputs type the payload.
const survey = defineFlow({
  version: '7.3',
  data_api_version: '3.0',
  routing_model: { RATE: [] },
  screens: [
    {
      id: 'RATE',
      terminal: true,
      data: { doctor: { type: 'string', __example__: 'Dr. Lee' }, visits: { type: 'number', __example__: 3 } },
      layout: {
        type: 'SingleColumnLayout',
        children: [
          { type: 'CheckboxGroup', name: 'topics', label: 'Topics', required: true, 'data-source': [{ id: 'a', title: 'A' }] },
          { type: 'OptIn', name: 'consent', label: 'I agree' },
          { type: 'Footer', label: 'Send', 'on-click-action': { name: 'data_exchange', payload: { topics: '${form.topics}', consent: '${form.consent}', doctor: '${data.doctor}' } } },
        ],
      },
    },
  ],
})
const rated = createFlowEndpoint({ privateKey: 'pem', flow: survey })
rated.on('data_exchange', 'RATE', (r) => {
  const topics: string[] = r.data.topics
  const consent: boolean | undefined = r.data.consent
  return { screen: 'RATE', data: { doctor: r.data.doctor, visits: topics.length + (consent ? 1 : 0) } }
})
// error: screen RATE: field 'visits' must be number
rated.on('data_exchange', 'RATE', (r) => ({ screen: 'RATE', data: { doctor: r.data.doctor, visits: '3' } }))

// The catch-all receives requests only from screens that have data_exchange actions, told apart by `screen`.
const navigating = defineFlow({
  version: '7.3',
  data_api_version: '3.0',
  routing_model: { START: ['END'], END: [] },
  screens: [
    {
      id: 'START',
      layout: { type: 'SingleColumnLayout', children: [{ type: 'Footer', label: 'Go', 'on-click-action': { name: 'navigate', next: { type: 'screen', name: 'END' }, payload: {} } }] },
    },
    {
      id: 'END',
      terminal: true,
      layout: { type: 'SingleColumnLayout', children: [{ type: 'Footer', label: 'Send', 'on-click-action': { name: 'data_exchange', payload: { done: true } } }] },
    },
  ],
})
createFlowEndpoint({ privateKey: 'pem', flow: navigating }).on('data_exchange', (r, ctx) => {
  const done: true = r.data.done
  // error: This comparison appears to be unintentional because the types '"END"' and '"START"' have no overlap
  if (r.screen === 'START') return { screen: 'END', data: {} }
  return { screen: 'SUCCESS', data: { extension_message_response: { params: { flow_token: ctx.flowToken, done } } } }
})
