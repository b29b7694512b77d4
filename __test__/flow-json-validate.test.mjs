// validateFlowJson: valid Flow JSON (the booking example, pywa's fixtures of Meta's examples) and one broken variant
// per rule, each found with its rule id, severity and JSON pointer; the docs list every rule with its source.
import test from 'ava'
import fc from 'fast-check'
import { readdirSync, readFileSync } from 'node:fs'
import { FLOW_JSON_RULES, FLOW_JSON_SOURCES, FlowJsonError, defineFlow, validateFlowJson } from '../dist/index.js'

const read = (rel) => readFileSync(new URL(rel, import.meta.url), 'utf8')
const bookingText = read('../examples/booking-flow.json')
const booking = () => JSON.parse(bookingText)

/** The booking flow changed by `edit` (which gets the document and its three screens). */
function broken(edit) {
  const doc = booking()
  const [appointment, details, summary] = doc.screens
  edit(doc, { appointment, details, summary })
  return doc
}

const footer = (screen) => screen.layout.children.find((c) => c.type === 'Footer')
const terminalScreen = (id) => ({
  id,
  terminal: true,
  layout: {
    type: 'SingleColumnLayout',
    children: [{ type: 'Footer', label: 'Done', 'on-click-action': { name: 'complete', payload: {} } }],
  },
})

/** [rule, what, the broken document (or text), the pointer, the severity (default: the rule's)] */
const CASES = [
  ['json-syntax', 'not JSON', '{"version": ', ''],
  ['not-an-object', 'an array', '[]', ''],
  ['too-large', 'over 10 MB', `{"version":"7.3","screens":[],"pad":"${'a'.repeat(10.5 * 1024 * 1024)}"}`, ''],
  ['version-missing', 'no version', broken((d) => delete d.version), ''],
  ['version-format', 'version "7"', broken((d) => (d.version = '7')), '/version'],
  ['version-not-publishable', 'version 5.0', broken((d) => (d.version = '5.0')), '/version'],
  ['screens-missing', 'empty screens', broken((d) => (d.screens = [])), '/screens'],
  ['unknown-property', 'endpoint_uri in the JSON', broken((d) => (d.endpoint_uri = 'https://x')), '/endpoint_uri'],
  ['data-channel-uri', 'data_channel_uri with 7.3', broken((d) => (d.data_channel_uri = 'https://example.com')), '/data_channel_uri'],
  ['data-api-version', 'data_api_version 5.0', broken((d) => (d.data_api_version = '5.0')), '/data_api_version'],
  [
    'data-exchange-needs-data-api-version',
    'data_exchange without data_api_version',
    broken((d) => delete d.data_api_version),
    '/screens/0/layout/children/2/on-select-action',
  ],
  ['data-api-version-needs-routing-model', 'no routing_model', broken((d) => delete d.routing_model), '/data_api_version'],
  [
    'flow-token-signature-version',
    'data_api_version 4.0 with 7.2',
    broken((d) => ((d.data_api_version = '4.0'), (d.version = '7.2'))),
    '/data_api_version',
  ],
  ['screen-shape', 'a screen without id', broken((d, s) => delete s.details.id), '/screens/1'],
  ['screen-shape', 'a numeric id', broken((d, s) => (s.details.id = 2)), '/screens/1/id'],
  ['screen-shape', 'a screen that is a string', broken((d) => d.screens.push('EXTRA')), '/screens/3'],
  ['screen-unknown-property', 'a made-up screen property', broken((d, s) => (s.appointment.footer = true)), '/screens/0/footer'],
  ['duplicate-screen-id', 'two DETAILS', broken((d, s) => (s.summary.id = 'DETAILS')), '/screens/2/id'],
  ['screen-id-pattern', 'a dash in the id', broken((d, s) => (s.summary.id = 'SUM-MARY')), '/screens/2/id'],
  [
    'screen-id-pattern',
    'digits in the id',
    broken((d, s) => ((s.summary.id = 'SUMMARY2'), (d.routing_model = { APPOINTMENT: ['DETAILS'], DETAILS: ['SUMMARY2'], SUMMARY2: [] }))),
    '/screens/2/id',
    'warning',
  ],
  ['reserved-screen-id', 'a screen called success', broken((d, s) => (s.summary.id = 'success')), '/screens/2/id'],
  [
    'too-many-screens',
    '101 screens',
    broken((d) =>
      d.screens.push(
        ...Array.from({ length: 98 }, (_, i) =>
          terminalScreen(`EXTRA_${String.fromCharCode(65 + (i % 26))}${'X'.repeat(Math.floor(i / 26))}`),
        ),
      ),
    ),
    '/screens',
  ],
  ['no-terminal-screen', 'no terminal', broken((d, s) => delete s.summary.terminal), '/screens'],
  ['terminal-without-footer', 'terminal without Footer', broken((d, s) => s.summary.layout.children.pop()), '/screens/2/terminal'],
  ['success-on-non-terminal', 'success on APPOINTMENT', broken((d, s) => (s.appointment.success = true)), '/screens/0/success'],
  ['no-successful-terminal', 'the only terminal fails', broken((d, s) => (s.summary.success = false)), '/screens'],
  [
    'refresh-on-back-without-endpoint',
    'refresh_on_back without an endpoint',
    broken((d) => delete d.data_api_version),
    '/screens/0/refresh_on_back',
  ],
  ['sensitive', 'sensitive as a string', broken((d, s) => (s.details.sensitive = 'email')), '/screens/1/sensitive'],
  [
    'sensitive',
    'sensitive names nothing',
    broken((d, s) => (s.details.sensitive = ['email', 'password'])),
    '/screens/1/sensitive/1',
    'warning',
  ],
  ['layout', 'another layout type', broken((d, s) => (s.appointment.layout.type = 'TwoColumnLayout')), '/screens/0/layout/type'],
  ['data-field-type', 'a field without type', broken((d, s) => delete s.details.data.time.type), '/screens/1/data/time'],
  ['data-field-type', 'type null', broken((d, s) => (s.details.data.time.type = 'null')), '/screens/1/data/time/type'],
  ['array-items', 'an array without items', broken((d, s) => delete s.appointment.data.dates.items), '/screens/0/data/dates'],
  ['example-missing', 'a field without __example__', broken((d, s) => delete s.details.data.time.__example__), '/screens/1/data/time'],
  [
    'example-missing',
    'pointer escaping of ~ and /',
    broken((d, s) => (s.details.data['a/b~c'] = { type: 'string' })),
    '/screens/1/data/a~1b~0c',
  ],
  [
    'example-nested',
    '__example__ inside items',
    broken((d, s) => (s.appointment.data.dates.items.__example__ = {})),
    '/screens/0/data/dates/items/__example__',
  ],
  [
    'example-type',
    'a number example of a string',
    broken((d, s) => (s.details.data.time.__example__ = 930)),
    '/screens/1/data/time/__example__',
  ],
  [
    'example-type',
    'null in an example',
    broken((d, s) => (s.appointment.data.dates.__example__[0].title = null)),
    '/screens/0/data/dates/__example__',
  ],
  [
    'undeclared-data',
    '${data.x} not declared',
    broken((d, s) => (s.details.layout.children[0].text = '${data.appointmnt}')),
    '/screens/1/layout/children/0/text',
  ],
  [
    'data-source-schema',
    'items without title',
    broken((d, s) => delete s.appointment.data.departments.items.properties.title),
    '/screens/0/layout/children/0/data-source',
  ],
  [
    'binding-type',
    'a data-source bound to a string',
    broken((d, s) => (s.appointment.data.departments = { type: 'string', __example__: 'x' })),
    '/screens/0/layout/children/0/data-source',
  ],
  [
    'unknown-form-input',
    '${form.x} not an input',
    broken((d, s) => (footer(s.appointment)['on-click-action'].payload.department = '${form.departmnt}')),
    '/screens/0/layout/children/4/on-click-action/payload/department',
  ],
  [
    'global-reference',
    'a reference to a missing screen',
    broken((d, s) => (s.summary.layout.children[1].text = '${screen.NOPE.data.x}')),
    '/screens/2/layout/children/1/text',
  ],
  [
    'global-reference',
    'a global reference to the current screen',
    broken((d, s) => (s.summary.layout.children[1].text = '${screen.SUMMARY.data.details}')),
    '/screens/2/layout/children/1/text',
  ],
  [
    'nested-expression-version',
    'backticks in 5.1',
    broken((d, s) => ((d.version = '5.1'), (s.summary.layout.children[1].text = '`${data.details} ${data.name}`'))),
    '/screens/2/layout/children/1/text',
  ],
  [
    'unknown-action',
    'an unknown action',
    broken((d, s) => (footer(s.appointment)['on-click-action'].name = 'submit')),
    '/screens/0/layout/children/4/on-click-action/name',
  ],
  [
    'navigate-target',
    'navigate to a missing screen',
    broken((d, s) => (footer(s.details)['on-click-action'] = { name: 'navigate', next: { type: 'screen', name: 'NOPE' }, payload: {} })),
    '/screens/1/layout/children/5/on-click-action/next/name',
  ],
  [
    'navigate-target',
    'navigate to itself',
    broken((d, s) => (footer(s.details)['on-click-action'] = { name: 'navigate', next: { type: 'screen', name: 'DETAILS' }, payload: {} })),
    '/screens/1/layout/children/5/on-click-action/next/name',
  ],
  [
    'navigate-payload',
    'navigate without the next screen’s data',
    broken((d, s) => (footer(s.details)['on-click-action'] = { name: 'navigate', next: { type: 'screen', name: 'SUMMARY' }, payload: {} })),
    '/screens/1/layout/children/5/on-click-action/payload',
  ],
  [
    'navigate-on-terminal-footer',
    'a terminal Footer that navigates',
    broken((d, s) => (footer(s.summary)['on-click-action'] = { name: 'navigate', next: { type: 'screen', name: 'DETAILS' }, payload: {} })),
    '/screens/2/layout/children/2/on-click-action',
  ],
  [
    'complete-on-non-terminal',
    'complete on DETAILS',
    broken((d, s) => (footer(s.details)['on-click-action'] = { name: 'complete', payload: {} })),
    '/screens/1/layout/children/5/on-click-action',
  ],
  [
    'complete-not-on-footer',
    'complete on a Dropdown',
    broken((d, s) => (s.appointment.layout.children[2]['on-select-action'] = { name: 'complete', payload: {} })),
    '/screens/0/layout/children/2/on-select-action',
  ],
  [
    'update-data',
    'update_data of an undeclared field',
    broken((d, s) => (s.appointment.layout.children[2]['on-select-action'] = { name: 'update_data', payload: { nope: '${form.date}' } })),
    '/screens/0/layout/children/2/on-select-action/payload/nope',
  ],
  [
    'open-url',
    'open_url with a payload',
    broken((d, s) => (footer(s.appointment)['on-click-action'] = { name: 'open_url', url: 'https://example.com', payload: {} })),
    '/screens/0/layout/children/4/on-click-action/payload',
  ],
  [
    'media-in-payload',
    'a picker value nested in a payload',
    broken((d, s) => {
      s.details.layout.children.splice(4, 0, { type: 'PhotoPicker', name: 'photo', label: 'Photo' })
      footer(s.details)['on-click-action'].payload.media = { photo: '${form.photo}' }
    }),
    '/screens/1/layout/children/6/on-click-action/payload',
  ],
  [
    'footer-action-missing',
    'a Footer without action',
    broken((d, s) => delete footer(s.appointment)['on-click-action']),
    '/screens/0/layout/children/4',
  ],
  ['routing-model-shape', 'routes as a string', broken((d) => (d.routing_model.APPOINTMENT = 'DETAILS')), '/routing_model/APPOINTMENT'],
  [
    'routing-missing-screen',
    'a screen with navigate actions left out',
    broken((d, s) => {
      delete d.routing_model.DETAILS
      footer(s.details)['on-click-action'] = {
        name: 'navigate',
        next: { type: 'screen', name: 'SUMMARY' },
        payload: Object.fromEntries(Object.keys(s.summary.data).map((k) => [k, `\${data.${k}}`])),
      }
    }),
    '/routing_model',
  ],
  [
    'routing-missing-screen',
    'a screen no route leaves, left out',
    broken((d) => (d.routing_model = { APPOINTMENT: ['DETAILS'], DETAILS: ['SUMMARY'] })),
    '/routing_model',
    'warning',
  ],
  [
    'routing-unknown-screen',
    'a route to a missing screen',
    broken((d) => d.routing_model.APPOINTMENT.push('NOPE')),
    '/routing_model/APPOINTMENT/1',
  ],
  ['routing-unknown-screen', 'a key that is no screen', broken((d) => (d.routing_model.NOPE = [])), '/routing_model/NOPE'],
  ['routing-self', 'a route to itself', broken((d) => d.routing_model.APPOINTMENT.push('APPOINTMENT')), '/routing_model/APPOINTMENT'],
  ['routing-backward', 'DETAILS → APPOINTMENT', broken((d) => d.routing_model.DETAILS.push('APPOINTMENT')), '/routing_model/DETAILS'],
  ['routing-cycle', 'SUMMARY → APPOINTMENT', broken((d) => d.routing_model.SUMMARY.push('APPOINTMENT')), '/routing_model/APPOINTMENT'],
  ['routing-no-entry', 'every screen has an inbound route', broken((d) => d.routing_model.SUMMARY.push('APPOINTMENT')), '/routing_model'],
  [
    'routing-many-entries',
    'a second entry',
    broken((d) => ((d.routing_model.EXTRA = ['SUMMARY']), d.screens.push(terminalScreen('EXTRA')))),
    '/routing_model',
  ],
  [
    'routing-disconnected',
    'a screen apart',
    broken((d) => ((d.routing_model.EXTRA = []), d.screens.push(terminalScreen('EXTRA')))),
    '/routing_model',
  ],
  [
    'routing-branches',
    '11 routes from APPOINTMENT',
    broken((d) => {
      for (const n of 'ABCDEFGHIJK') {
        d.screens.push(terminalScreen(`END_${n}`))
        d.routing_model[`END_${n}`] = []
        d.routing_model.APPOINTMENT.push(`END_${n}`)
      }
    }),
    '/routing_model/APPOINTMENT',
  ],
  [
    'routing-dead-end',
    'a non-terminal screen without routes',
    broken((d) => {
      d.screens.push({ id: 'INFO', layout: { type: 'SingleColumnLayout', children: [{ type: 'TextBody', text: 'Opening hours' }] } })
      d.routing_model.INFO = []
      d.routing_model.APPOINTMENT.push('INFO')
    }),
    '/routing_model/INFO',
  ],
  [
    'navigate-not-in-routing-model',
    'a navigate the routing model lacks',
    broken((d, s) => {
      s.appointment.layout.children.splice(4, 0, {
        type: 'EmbeddedLink',
        text: 'Skip',
        'on-click-action': {
          name: 'navigate',
          next: { type: 'screen', name: 'SUMMARY' },
          payload: Object.fromEntries(Object.keys(s.summary.data).map((k) => [k, 'x'])),
        },
      })
    }),
    '/screens/0/layout/children/4/on-click-action/next/name',
  ],
  ['input-outside-form', 'inputs without a Form in 3.1', broken((d) => (d.version = '3.1')), '/screens/0/layout/children/0'],
  [
    'input-outside-form',
    'an input beside the screen’s Form',
    broken((d, s) =>
      s.details.layout.children.splice(0, 1, {
        type: 'Form',
        name: 'f',
        children: [{ type: 'TextInput', name: 'nick', label: 'Nickname' }],
      }),
    ),
    '/screens/1/layout/children/1',
  ],
  ['name-missing', 'an input without name', broken((d, s) => delete s.details.layout.children[4].name), '/screens/1/layout/children/4'],
  [
    'duplicate-input-name',
    'two inputs called email',
    broken((d, s) => (s.details.layout.children[3].name = 'email')),
    '/screens/1/layout/children/3/name',
  ],
  [
    'component-limit',
    'two Footers',
    broken((d, s) => s.appointment.layout.children.push({ ...footer(s.appointment) })),
    '/screens/0/layout',
  ],
  [
    'footer-branches',
    'a Footer in then only',
    broken((d, s) => s.summary.layout.children.splice(2, 1, { type: 'If', condition: '${data.time} == ""', then: [footer(s.summary)] })),
    '/screens/2/layout/children/2',
  ],
  [
    'if-then-empty',
    'If with an empty then',
    broken((d, s) => s.summary.layout.children.splice(0, 0, { type: 'If', condition: 'true', then: [], else: [] })),
    '/screens/2/layout/children/0/then',
  ],
  [
    'footer-captions',
    'left-caption alone',
    broken((d, s) => (footer(s.appointment)['left-caption'] = 'Total')),
    '/screens/0/layout/children/4',
  ],
  [
    'min-greater-than-max',
    'min-chars above max-chars',
    broken((d, s) => Object.assign(s.details.layout.children[1], { 'min-chars': 10, 'max-chars': 5 })),
    '/screens/1/layout/children/1/min-chars',
  ],
  [
    'empty-string',
    'an empty label in 7.3',
    broken((d, s) => (s.details.layout.children[1].label = ' ')),
    '/screens/1/layout/children/1/label',
  ],
  [
    'component-version',
    'ChipsSelector in 6.2',
    broken(
      (d, s) => (
        (d.version = '6.2'),
        s.details.layout.children.splice(4, 0, {
          type: 'ChipsSelector',
          name: 'chips',
          label: 'Topics',
          'data-source': [{ id: 'a', title: 'A' }],
        })
      ),
    ),
    '/screens/1/layout/children/4/type',
  ],
  [
    'unknown-component',
    'a Slider',
    broken((d, s) => s.details.layout.children.splice(4, 0, { type: 'Slider', name: 'level' })),
    '/screens/1/layout/children/4/type',
  ],
]

test('the booking example validates with no finding', (t) => {
  const report = validateFlowJson(bookingText)
  t.deepEqual(report, { valid: true, errors: 0, warnings: 0, findings: [] })
  t.deepEqual(validateFlowJson(booking()), report)
  t.deepEqual(validateFlowJson(new TextEncoder().encode(bookingText)), report)
})

// pywa's fixtures (Meta's documentation examples for 2.1–7.1): no errors, except in the two documents whose
// mistakes are real (a navigate to a screen that is not there, a payload missing the next screen's field).
const KNOWN_BROKEN = {
  '6_2.json navigation_list': [
    ['navigate-target', '/screens/0/layout/children/0/list-items/2/on-click-action/next/name'],
    ['navigate-payload', '/screens/0/layout/children/0/list-items/3/on-click-action/payload'],
  ],
}
const pywaDir = new URL('vectors/pywa/flows/', import.meta.url)
const pywa = readdirSync(pywaDir).filter((f) => f.endsWith('.json'))

test("pywa's Flow JSON fixtures (Meta's examples, 2.1–7.1) validate; the two real mistakes are found where they are", (t) => {
  let documents = 0
  for (const file of pywa) {
    for (const [name, flow] of Object.entries(JSON.parse(readFileSync(new URL(file, pywaDir), 'utf8')))) {
      documents++
      const report = validateFlowJson(flow)
      const errors = report.findings.filter((f) => f.severity === 'error').map((f) => [f.rule, f.pointer])
      t.deepEqual(errors, KNOWN_BROKEN[`${file} ${name}`] ?? [], `${file} ${name}: ${JSON.stringify(report.findings)}`)
      // Warnings only say what the notes allow: old versions, screens apart from the routes.
      for (const w of report.findings.filter((f) => f.severity === 'warning')) {
        t.true(
          ['version-not-publishable', 'routing-missing-screen', 'routing-dead-end'].includes(w.rule),
          `${file} ${name}: ${JSON.stringify(w)}`,
        )
      }
    }
  }
  t.true(documents >= 30, `${documents} documents`)
})

for (const [rule, what, doc, pointer, severity] of CASES) {
  test(`${rule}: ${what} → ${severity ?? FLOW_JSON_RULES[rule].severity} at "${pointer}"`, (t) => {
    const report = validateFlowJson(doc)
    const hit = report.findings.find((f) => f.rule === rule && f.pointer === pointer)
    t.truthy(hit, JSON.stringify(report.findings, null, 1).slice(0, 3000))
    t.is(hit.severity, severity ?? FLOW_JSON_RULES[rule].severity)
    t.is(typeof hit.message, 'string')
    t.true(hit.message.length > 10)
    if (FLOW_JSON_RULES[rule].meta) t.is(hit.meta, FLOW_JSON_RULES[rule].meta)
    t.is(
      report.valid,
      report.findings.every((f) => f.severity !== 'error'),
    )
    t.is(report.errors + report.warnings, report.findings.length)
  })
}

test('every rule has a broken variant above', (t) => {
  const covered = new Set(CASES.map(([rule]) => rule))
  t.deepEqual(
    Object.keys(FLOW_JSON_RULES).filter((r) => !covered.has(r)),
    [],
  )
})

test('docs/flow-json.md lists every rule with its source, and every source with its URL', (t) => {
  const doc = read('../docs/flow-json.md')
  for (const [id, rule] of Object.entries(FLOW_JSON_RULES)) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${id}\` |`))
    t.truthy(row, `no row for ${id}`)
    t.true(row.includes(rule.source), `${id}: source ${rule.source}`)
    t.true(row.includes(rule.severity), `${id}: severity ${rule.severity}`)
    if (rule.meta) t.true(row.includes(rule.meta), `${id}: Meta code ${rule.meta}`)
  }
  for (const [key, url] of Object.entries(FLOW_JSON_SOURCES)) t.true(doc.includes(`| ${key} | ${url}`), `source ${key}`)
})

test('never throws, and every pointer resolves to a place in the document (property test)', (t) => {
  const resolves = (doc, ptr) => {
    if (ptr === '') return true
    let cur = doc
    for (const raw of ptr.slice(1).split('/')) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
      if (typeof cur !== 'object' || cur === null || !Object.hasOwn(cur, key)) return false
      cur = cur[key]
    }
    return true
  }
  // Random JSON, and the booking flow with a random part replaced by random JSON.
  const paths = []
  const collect = (v, path) => {
    paths.push(path)
    if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) collect(x, [...path, k])
  }
  collect(booking(), [])
  fc.assert(
    fc.property(
      fc.oneof(
        fc.jsonValue(),
        fc.tuple(fc.constantFrom(...paths), fc.jsonValue()).map(([path, value]) => {
          const doc = booking()
          if (path.length === 0) return value
          let cur = doc
          for (const k of path.slice(0, -1)) cur = cur[k]
          cur[path[path.length - 1]] = value
          return doc
        }),
      ),
      (doc) => {
        const report = validateFlowJson(doc)
        for (const f of report.findings) {
          if (!resolves(doc, f.pointer)) throw new Error(`${f.rule}: pointer ${f.pointer} does not resolve`)
          if (!(f.rule in FLOW_JSON_RULES)) throw new Error(`unknown rule ${f.rule}`)
        }
        return typeof report.valid === 'boolean'
      },
    ),
    { numRuns: 400 },
  )
  t.pass()
})

test('defineFlow returns the flow as it is, and throws FlowJsonError with the findings when it has errors', (t) => {
  const flow = booking()
  t.is(defineFlow(flow), flow)
  const bad = broken((d, s) => (s.summary.id = 'DETAILS'))
  const e = t.throws(() => defineFlow(bad), { instanceOf: FlowJsonError })
  t.is(e.code, 'ERR_FLOW_JSON_INVALID')
  t.regex(e.message, /\/screens\/2\/id duplicate-screen-id/)
  t.true(e.findings.some((f) => f.rule === 'duplicate-screen-id' && f.pointer === '/screens/2/id'))
})
