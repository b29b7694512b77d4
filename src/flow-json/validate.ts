// validateFlowJson: offline validation of a Flow JSON document against the structural rules Meta documents
// (rules.ts): the document and its screens and data models here, components/references/actions in
// validate-layout.ts, the routing model in validate-routing.ts. Every finding carries a JSON pointer.
import { checkValue } from './data-check.js'
import { Findings, type FlowJsonReport } from './findings.js'
import { atLeast, isObject, readFlow, type FlowModel, type JsonObject, type ScreenInfo } from './model.js'
import { pointer } from './pointer.js'
import { validateLayout } from './validate-layout.js'
import { validateRouting } from './validate-routing.js'

export type { FlowJsonFinding, FlowJsonReport } from './findings.js'

const MAX_BYTES = 10 * 1024 * 1024
const TOP_KEYS = new Set(['version', 'screens', 'routing_model', 'data_api_version', 'data_channel_uri'])
const SCREEN_KEYS = new Set(['id', 'title', 'terminal', 'success', 'refresh_on_back', 'data', 'layout', 'sensitive'])
const DATA_TYPES = new Set(['string', 'number', 'boolean', 'object', 'array'])
const MAX_SCREENS = 100
const MAX_DEPTH = 32

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length
}

/** Parses text or bytes; a finding (and undefined) when it is not JSON. */
function parse(input: string | Uint8Array, f: Findings): unknown {
  const size = typeof input === 'string' ? utf8Length(input) : input.length
  if (size > MAX_BYTES) f.add('too-large', '', `the Flow JSON is ${size} bytes; Meta accepts at most 10 MB`)
  try {
    return JSON.parse(typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input))
  } catch (e) {
    f.add('json-syntax', '', `not JSON: ${e instanceof Error ? e.message : String(e)}`)
    return undefined
  }
}

function validateTop(doc: JsonObject, model: FlowModel, f: Findings): void {
  for (const key of Object.keys(doc)) {
    if (!TOP_KEYS.has(key))
      f.add('unknown-property', pointer('', key), `"${key}" is not a Flow JSON property (allowed: ${[...TOP_KEYS].join(', ')})`)
  }
  const v = model.version
  if (doc.version === undefined) f.add('version-missing', '', 'the Flow JSON has no "version"')
  else if (!v) f.add('version-format', '/version', `"version" must be a "major.minor" string, e.g. "7.3"`)
  else if (!atLeast(v, '5.1'))
    f.add(
      'version-not-publishable',
      '/version',
      `version ${v.major}.${v.minor} can no longer be published; Meta publishes 5.1, 6.0–6.3 and 7.0–7.3`,
    )
  if (!Array.isArray(doc.screens) || doc.screens.length === 0) {
    f.add('screens-missing', doc.screens === undefined ? '' : '/screens', '"screens" must be an array with at least one screen')
  }
  if (doc.data_channel_uri !== undefined) {
    if (atLeast(v, '3.0'))
      f.add(
        'data-channel-uri',
        '/data_channel_uri',
        '"data_channel_uri" is not allowed from version 3.0; set the endpoint URI on the flow (endpoint_uri) instead',
      )
    else if (typeof doc.data_channel_uri !== 'string' || !/^https?:\/\/\S+$/.test(doc.data_channel_uri))
      f.add('data-channel-uri', '/data_channel_uri', '"data_channel_uri" must be a URI')
  }
  const api = doc.data_api_version
  if (api !== undefined) {
    if (api !== '3.0' && api !== '4.0')
      f.add('data-api-version', '/data_api_version', `"data_api_version" must be "3.0" or "4.0", got ${JSON.stringify(api)}`)
    if (doc.routing_model === undefined)
      f.add(
        'data-api-version-needs-routing-model',
        '/data_api_version',
        '"data_api_version" needs a "routing_model" (the routes the endpoint may take)',
      )
    if (api === '4.0' && v && !atLeast(v, '7.3')) {
      f.add(
        'flow-token-signature-version',
        '/data_api_version',
        `with version ${v.major}.${v.minor}, requests carry no flow_token_signature (it needs version 7.3 and data_api_version 4.0)`,
      )
    }
  }
}

function validateScreens(doc: JsonObject, model: FlowModel, f: Findings): void {
  if (!Array.isArray(doc.screens)) return
  if (doc.screens.length > MAX_SCREENS)
    f.add('too-many-screens', '/screens', `${doc.screens.length} screens; Meta allows at most ${MAX_SCREENS}`)
  doc.screens.forEach((s, i) => {
    if (!isObject(s)) f.add('screen-shape', pointer('/screens', i), 'a screen must be an object')
  })
  const seen = new Map<string, number>()
  for (const s of model.screens) {
    const node = s.node
    if (typeof node.id !== 'string' || node.id === '')
      f.add('screen-shape', node.id === undefined ? s.pointer : pointer(s.pointer, 'id'), 'a screen needs a non-empty string "id"')
    else {
      const first = seen.get(s.id)
      if (first !== undefined)
        f.add('duplicate-screen-id', pointer(s.pointer, 'id'), `screen id "${s.id}" is already used by /screens/${first}`)
      else seen.set(s.id, s.index)
      if (s.id.toUpperCase() === 'SUCCESS')
        f.add('reserved-screen-id', pointer(s.pointer, 'id'), `"${s.id}" is reserved (SUCCESS closes the flow)`)
      else if (!/^[A-Za-z0-9_]+$/.test(s.id))
        f.add('screen-id-pattern', pointer(s.pointer, 'id'), `screen id "${s.id}" may only contain letters and underscores`)
      else if (/\d/.test(s.id)) {
        f.add(
          'screen-id-pattern',
          pointer(s.pointer, 'id'),
          `screen id "${s.id}" contains digits; Meta documents letters and underscores only`,
          'warning',
        )
      }
    }
    for (const key of Object.keys(node)) {
      if (!SCREEN_KEYS.has(key)) f.add('screen-unknown-property', pointer(s.pointer, key), `"${key}" is not a screen property`)
    }
    validateLayoutShape(s, f)
    if (node.success !== undefined && !s.terminal)
      f.add('success-on-non-terminal', pointer(s.pointer, 'success'), `"success" can only be set on a terminal screen`)
    if (s.terminal && !s.components.some((c) => c.type === 'Footer')) {
      f.add('terminal-without-footer', pointer(s.pointer, 'terminal'), `terminal screen "${s.id}" needs a Footer`)
    }
    if (s.refreshOnBack && doc.data_api_version === undefined) {
      f.add(
        'refresh-on-back-without-endpoint',
        pointer(s.pointer, 'refresh_on_back'),
        '"refresh_on_back": true needs an endpoint ("data_api_version")',
      )
    }
    validateSensitive(s, model, f)
    validateDataModel(s, f)
  }
  if (model.screens.length > 0 && !model.screens.some((s) => s.terminal))
    f.add('no-terminal-screen', '/screens', 'no screen is terminal ("terminal": true)')
  else if (model.screens.some((s) => s.terminal) && !model.screens.some((s) => s.terminal && s.success)) {
    f.add('no-successful-terminal', '/screens', 'at least one terminal screen must have "success": true (the default)')
  }
}

function validateLayoutShape(s: ScreenInfo, f: Findings): void {
  const layout = s.node.layout
  if (layout === undefined) return f.add('screen-shape', s.pointer, `screen "${s.id}" has no "layout"`)
  if (!isObject(layout)) return f.add('layout', pointer(s.pointer, 'layout'), '"layout" must be an object')
  const at = (key: string) => (layout[key] === undefined ? pointer(s.pointer, 'layout') : pointer(s.pointer, 'layout', key))
  if (layout.type !== 'SingleColumnLayout') f.add('layout', at('type'), '"layout.type" must be "SingleColumnLayout"')
  if (!Array.isArray(layout.children)) f.add('layout', at('children'), '"layout.children" must be an array of components')
}

function validateSensitive(s: ScreenInfo, model: FlowModel, f: Findings): void {
  const sensitive = s.node.sensitive
  if (sensitive === undefined) return
  const ptr = pointer(s.pointer, 'sensitive')
  if (!atLeast(model.version, '5.1')) return f.add('sensitive', ptr, '"sensitive" needs version 5.1')
  if (!Array.isArray(sensitive) || !sensitive.every((x) => typeof x === 'string'))
    return f.add('sensitive', ptr, '"sensitive" must be an array of field names')
  sensitive.forEach((name, i) => {
    if (!s.inputs.has(name) && !Object.hasOwn(s.data, name))
      f.add('sensitive', pointer(ptr, i), `"${name}" is neither an input nor a data field of screen "${s.id}"`, 'warning')
  })
}

/** Every nested schema below a top-level field: no `__example__`, a known `type`, arrays with `items`. */
function validateSchema(schema: unknown, ptr: string, f: Findings, top: boolean, depth: number): void {
  if (depth > MAX_DEPTH) return
  if (!isObject(schema))
    return f.add('data-field-type', ptr, 'a data field is declared as an object, e.g. { "type": "string", "__example__": "…" }')
  if (schema.type === undefined) f.add('data-field-type', ptr, 'missing the definition of property "type"')
  else if (typeof schema.type !== 'string' || !DATA_TYPES.has(schema.type)) {
    f.add(
      'data-field-type',
      pointer(ptr, 'type'),
      `"type" must be one of ${[...DATA_TYPES].join(', ')}, got ${JSON.stringify(schema.type)}`,
    )
  }
  if (!top && schema.__example__ !== undefined)
    f.add('example-nested', pointer(ptr, '__example__'), '"__example__" is allowed only on top-level data fields')
  if (schema.type === 'array') {
    if (schema.items === undefined) f.add('array-items', ptr, 'an array field needs "items"')
    else if (typeof schema.items !== 'boolean') validateSchema(schema.items, pointer(ptr, 'items'), f, false, depth + 1)
  }
  if (schema.type === 'object' && isObject(schema.properties)) {
    for (const [k, sub] of Object.entries(schema.properties)) validateSchema(sub, pointer(ptr, 'properties', k), f, false, depth + 1)
  }
}

function containsNull(v: unknown, depth = 0): boolean {
  if (v === null) return true
  if (depth > MAX_DEPTH || typeof v !== 'object') return false
  return Object.values(v as object).some((x) => containsNull(x, depth + 1))
}

function validateDataModel(s: ScreenInfo, f: Findings): void {
  const data = s.node.data
  if (data === undefined) return
  const base = pointer(s.pointer, 'data')
  if (!isObject(data)) return f.add('data-field-type', base, '"data" must be an object of field declarations')
  for (const [name, schema] of Object.entries(data)) {
    const ptr = pointer(base, name)
    validateSchema(schema, ptr, f, true, 0)
    if (!isObject(schema)) continue
    if (!Object.hasOwn(schema, '__example__')) {
      f.add('example-missing', ptr, `data field "${name}" of screen "${s.id}" needs an "__example__"`)
      continue
    }
    const example = schema.__example__
    if (containsNull(example)) {
      f.add(
        'example-type',
        pointer(ptr, '__example__'),
        'null is not supported in Flow JSON; omit the value or use an empty value of the declared type',
      )
      continue
    }
    const problem = checkValue(schema, example, name)
    if (problem) {
      const what = problem.kind === 'missing-field' ? `has no ${problem.field}` : `${problem.field} must be ${problem.expected}`
      f.add('example-type', pointer(ptr, '__example__'), `the example of "${name}" does not match its declaration: ${what}`)
    }
  }
}

/**
 * Validates a Flow JSON document: an object, or its text (string or UTF-8 bytes). Never throws for any input.
 * Returns every finding with its rule id, severity and JSON pointer; `valid` is false when any is an error.
 */
export function validateFlowJson(input: unknown): FlowJsonReport {
  const f = new Findings()
  let doc: unknown = input
  if (typeof input === 'string' || input instanceof Uint8Array) doc = parse(input, f)
  else if (isObject(input)) {
    let text: string | undefined
    try {
      text = JSON.stringify(input)
    } catch (e) {
      f.add('json-syntax', '', `the object cannot be serialised as JSON: ${e instanceof Error ? e.message : String(e)}`)
      return f.report()
    }
    if (text !== undefined && utf8Length(text) > MAX_BYTES) f.add('too-large', '', 'the Flow JSON is larger than 10 MB')
    doc = JSON.parse(text ?? 'null')
  }
  if (f.list.some((x) => x.rule === 'json-syntax')) return f.report()
  const model = readFlow(doc)
  if (!model) {
    f.add('not-an-object', '', 'a Flow JSON document is a JSON object')
    return f.report()
  }
  validateTop(model.doc, model, f)
  validateScreens(model.doc, model, f)
  for (const s of model.screens) validateLayout(model, s, f)
  validateRouting(model, f)
  return f.report()
}
