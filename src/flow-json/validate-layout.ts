// Validation of one screen's layout: components (forms, names, limits, If/Switch footers, versions), the
// `${data.…}` / `${form.…}` / `${screen.…}` references in its strings, and its actions.
import { bindingOf, isNestedExpression, referencesIn, type Reference } from './expressions.js'
import type { Findings } from './findings.js'
import { atLeast, INPUT_TYPES, isObject, type ActionInfo, type FlowModel, type JsonObject, type ScreenInfo } from './model.js'
import { pointer } from './pointer.js'

/** Components Meta documents, with the Flow JSON version each appeared in. */
const COMPONENTS: Record<string, string> = {
  TextHeading: '1.0',
  TextSubheading: '1.0',
  TextBody: '1.0',
  TextCaption: '1.0',
  RichText: '5.1',
  TextInput: '1.0',
  TextArea: '1.0',
  CheckboxGroup: '1.0',
  RadioButtonsGroup: '1.0',
  Dropdown: '1.0',
  DatePicker: '1.0',
  OptIn: '1.0',
  Footer: '1.0',
  EmbeddedLink: '1.0',
  Image: '1.0',
  Form: '1.0',
  If: '4.0',
  Switch: '4.0',
  PhotoPicker: '4.0',
  DocumentPicker: '4.0',
  CalendarPicker: '6.1',
  NavigationList: '6.2',
  ChipsSelector: '6.3',
  ImageCarousel: '7.1',
}

const LIMITS: Array<[string, number]> = [
  ['Footer', 1],
  ['EmbeddedLink', 2],
  ['Image', 3],
  ['OptIn', 5],
  ['PhotoPicker', 1],
]
const MAX_COMPONENTS = 50
const ACTIONS = new Set(['navigate', 'complete', 'data_exchange', 'update_data', 'open_url'])
const PICKERS = new Set(['PhotoPicker', 'DocumentPicker'])
const LIST_COMPONENTS = new Set(['Dropdown', 'RadioButtonsGroup', 'CheckboxGroup', 'ChipsSelector'])
const MIN_MAX: Array<[string, string]> = [
  ['min-selected-items', 'max-selected-items'],
  ['min-chars', 'max-chars'],
  ['min-uploaded-photos', 'max-uploaded-photos'],
  ['min-uploaded-documents', 'max-uploaded-documents'],
]
const MAX_DEPTH = 64

/** Components of `type` on one rendering of `list`: If/Switch count their largest branch, not all of them. */
function countOnScreen(list: unknown, type: string, depth = 0): number {
  if (!Array.isArray(list) || depth > MAX_DEPTH) return 0
  let n = 0
  for (const c of list) {
    if (!isObject(c)) continue
    if (c.type === type) n++
    if (c.type === 'If') n += Math.max(countOnScreen(c.then, type, depth + 1), countOnScreen(c.else, type, depth + 1))
    else if (c.type === 'Switch' && isObject(c.cases))
      n += Math.max(0, ...Object.values(c.cases).map((v) => countOnScreen(v, type, depth + 1)))
    else n += countOnScreen(c.children, type, depth + 1)
  }
  return n
}

function hasFooter(list: unknown): boolean {
  return countOnScreen(list, 'Footer') > 0
}

function validateComponents(model: FlowModel, s: ScreenInfo, f: Findings): void {
  const v = model.version
  const hasForm = s.components.some((c) => c.type === 'Form')
  const names = new Map<string, string>()
  for (const c of s.components) {
    const node = c.node
    if (c.type === '') f.add('unknown-component', c.pointer, 'a component needs a "type"', 'error')
    else if (!Object.hasOwn(COMPONENTS, c.type))
      f.add('unknown-component', pointer(c.pointer, 'type'), `"${c.type}" is not a component Meta documents`)
    else if (!atLeast(v, COMPONENTS[c.type]!))
      f.add('component-version', pointer(c.pointer, 'type'), `${c.type} needs Flow JSON version ${COMPONENTS[c.type]}`)
    const isInput = INPUT_TYPES.has(c.type)
    if (c.type === 'Form' || isInput) {
      if (typeof node.name !== 'string' || node.name === '') f.add('name-missing', c.pointer, `${c.type} needs a "name"`)
    }
    if (isInput && c.form === undefined) {
      if (!atLeast(v, '4.0')) f.add('input-outside-form', c.pointer, `before version 4.0, ${c.type} must be inside a Form`)
      else if (hasForm)
        f.add(
          'input-outside-form',
          c.pointer,
          `${c.type} is outside the screen's Form; with a Form on the screen, every input belongs in it`,
        )
    }
    if (isInput && typeof node.name === 'string' && node.name !== '') {
      const first = names.get(node.name)
      if (first) f.add('duplicate-input-name', pointer(c.pointer, 'name'), `input name "${node.name}" is already used by ${first}`)
      else names.set(node.name, c.pointer)
    }
    if (c.type === 'If') {
      if (!Array.isArray(node.then) || node.then.length === 0)
        f.add('if-then-empty', node.then === undefined ? c.pointer : pointer(c.pointer, 'then'), 'If needs a non-empty "then"')
      if (hasFooter(node.then) !== hasFooter(node.else)) {
        f.add('footer-branches', c.pointer, 'a Footer in one branch of If needs a Footer in the other ("else") too')
      }
    }
    if (c.type === 'Switch' && isObject(node.cases)) {
      const withFooter = Object.values(node.cases).map(hasFooter)
      if (withFooter.some(Boolean) && !withFooter.every(Boolean))
        f.add('footer-branches', c.pointer, 'a Footer in one case of Switch needs a Footer in every case')
    }
    if (c.type === 'Footer') {
      if (!isObject(node['on-click-action'])) f.add('footer-action-missing', c.pointer, 'a Footer needs an "on-click-action"')
      const left = node['left-caption'] !== undefined
      const right = node['right-caption'] !== undefined
      if (left !== right) f.add('footer-captions', c.pointer, '"left-caption" and "right-caption" go together')
      if (node['center-caption'] !== undefined && (left || right))
        f.add('footer-captions', c.pointer, '"center-caption" cannot be combined with left/right captions')
    }
    for (const [min, max] of MIN_MAX) {
      const lo = node[min]
      const hi = node[max]
      if (typeof lo === 'number' && typeof hi === 'number' && lo > hi)
        f.add('min-greater-than-max', pointer(c.pointer, min), `"${min}" (${lo}) is greater than "${max}" (${hi})`)
    }
    if (atLeast(v, '6.0') && v) {
      for (const [k, val] of Object.entries(node)) {
        if (typeof val === 'string' && val.trim() === '')
          f.add('empty-string', pointer(c.pointer, k), `"${k}" is empty; from version 6.0 string properties cannot be empty or blank`)
      }
    }
  }
  const children = isObject(s.node.layout) ? s.node.layout.children : undefined
  for (const [type, max] of LIMITS) {
    const n = countOnScreen(children, type)
    if (n > max) f.add('component-limit', pointer(s.pointer, 'layout'), `screen "${s.id}" has ${n} ${type} components; at most ${max}`)
  }
  if (s.components.some((c) => c.type === 'PhotoPicker') && s.components.some((c) => c.type === 'DocumentPicker')) {
    f.add(
      'component-limit',
      pointer(s.pointer, 'layout'),
      `screen "${s.id}" has a PhotoPicker and a DocumentPicker; only one of them per screen`,
    )
  }
  if (s.components.length > MAX_COMPONENTS)
    f.add(
      'component-limit',
      pointer(s.pointer, 'layout'),
      `screen "${s.id}" has ${s.components.length} components; at most ${MAX_COMPONENTS}`,
      'warning',
    )
}

/** The declared schema at `path` below a screen's data model (nested paths through `properties`). */
function schemaAt(data: JsonObject, path: string[]): { found: boolean; schema: unknown } {
  let schema: unknown = Object.hasOwn(data, path[0]!) ? data[path[0]!] : undefined
  if (schema === undefined) return { found: false, schema }
  for (const key of path.slice(1)) {
    if (!isObject(schema)) return { found: false, schema: undefined }
    if (!isObject(schema.properties)) return { found: schema.type === 'object', schema: undefined }
    schema = Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined
    if (schema === undefined) return { found: false, schema }
  }
  return { found: true, schema }
}

function checkReference(model: FlowModel, s: ScreenInfo, ref: Reference, ptr: string, f: Findings): void {
  if (ref.kind === 'data') {
    if (!schemaAt(s.data, ref.path).found)
      f.add('undeclared-data', ptr, `${ref.text}: screen "${s.id}" does not declare "${ref.path.join('.')}" in its data`)
  } else if (ref.kind === 'form') {
    if (s.inputs.has(ref.name)) return
    const isForm = s.components.some((c) => c.type === 'Form' && c.node.name === ref.name)
    f.add(
      'unknown-form-input',
      ptr,
      isForm
        ? `${ref.text} names the Form itself; name one of its inputs`
        : `${ref.text}: screen "${s.id}" has no input named "${ref.name}"`,
    )
  } else if (ref.kind === 'global') {
    if (!atLeast(model.version, '4.0')) return f.add('global-reference', ptr, `${ref.text}: references to other screens need version 4.0`)
    if (ref.screen === s.id)
      return f.add('global-reference', ptr, `${ref.text} points at the current screen; use \${${ref.source}.${ref.path.join('.')}}`)
    const other = model.byId.get(ref.screen)
    if (!other) return f.add('global-reference', ptr, `${ref.text}: there is no screen "${ref.screen}"`)
    if (ref.source === 'data' && !schemaAt(other.data, ref.path).found)
      f.add('global-reference', ptr, `${ref.text}: screen "${ref.screen}" does not declare "${ref.path.join('.')}"`)
    if (ref.source === 'form' && (ref.path.length !== 1 || !other.inputs.has(ref.path[0]!)))
      f.add('global-reference', ptr, `${ref.text}: screen "${ref.screen}" has no input named "${ref.path.join('.')}"`)
  }
}

/** Every string below `node` with its pointer and key. */
function forEachString(node: unknown, ptr: string, key: string, fn: (s: string, ptr: string, key: string) => void, depth = 0): void {
  if (depth > MAX_DEPTH) return
  if (typeof node === 'string') return fn(node, ptr, key)
  if (Array.isArray(node)) for (const [i, x] of node.entries()) forEachString(x, pointer(ptr, i), key, fn, depth + 1)
  else if (isObject(node)) for (const [k, x] of Object.entries(node)) forEachString(x, pointer(ptr, k), k, fn, depth + 1)
}

function validateReferences(model: FlowModel, s: ScreenInfo, f: Findings): void {
  const visit = (str: string, ptr: string) => {
    if (isNestedExpression(str) && !atLeast(model.version, '6.0'))
      f.add('nested-expression-version', ptr, 'nested expressions (in backticks) need version 6.0')
    for (const ref of referencesIn(str)) checkReference(model, s, ref, ptr, f)
  }
  forEachString(s.node.title, pointer(s.pointer, 'title'), 'title', visit)
  if (isObject(s.node.layout)) forEachString(s.node.layout.children, pointer(s.pointer, 'layout', 'children'), 'children', visit)
  // Bound properties whose declared type cannot fit.
  for (const c of s.components) {
    const source = c.node['data-source']
    const ref = typeof source === 'string' ? bindingOf(source) : undefined
    if (ref?.kind === 'data') {
      const { found, schema } = schemaAt(s.data, ref.path)
      const ptr = pointer(c.pointer, 'data-source')
      if (found && isObject(schema) && schema.type !== undefined && schema.type !== 'array')
        f.add('binding-type', ptr, `${ref.text} is bound to "data-source" but is declared as ${JSON.stringify(schema.type)}, not array`)
      else if (found && isObject(schema) && LIST_COMPONENTS.has(c.type) && isObject(schema.items) && isObject(schema.items.properties)) {
        const props = schema.items.properties
        const missing = ['id', 'title'].filter((k) => !Object.hasOwn(props, k))
        if (missing.length) f.add('data-source-schema', ptr, `the items of ${ref.text} need ${missing.join(' and ')} in their "properties"`)
      }
    }
    const visible = c.node.visible
    const vref = typeof visible === 'string' ? bindingOf(visible) : undefined
    if (vref?.kind === 'data') {
      const { found, schema } = schemaAt(s.data, vref.path)
      if (found && isObject(schema) && schema.type !== undefined && schema.type !== 'boolean') {
        f.add(
          'binding-type',
          pointer(c.pointer, 'visible'),
          `${vref.text} is bound to "visible" but is declared as ${JSON.stringify(schema.type)}, not boolean`,
        )
      }
    }
  }
}

/** Pickers whose value an action payload references: [input name, component node, bound at top level]. */
function pickersIn(model: FlowModel, s: ScreenInfo, payload: JsonObject): Array<{ node: JsonObject; topLevel: boolean }> {
  const out: Array<{ node: JsonObject; topLevel: boolean }> = []
  forEachString(payload, '', '', (str, ptr) => {
    for (const ref of referencesIn(str)) {
      const screen = ref.kind === 'form' ? s : ref.kind === 'global' && ref.source === 'form' ? model.byId.get(ref.screen) : undefined
      const name = ref.kind === 'form' ? ref.name : ref.kind === 'global' ? ref.path[0] : undefined
      const input = screen && name !== undefined ? screen.inputs.get(name) : undefined
      if (input && PICKERS.has(input.type))
        out.push({ node: input.node, topLevel: bindingOf(str) !== undefined && ptr.split('/').length === 2 })
    }
  })
  return out
}

function validateAction(model: FlowModel, s: ScreenInfo, a: ActionInfo, f: Findings): void {
  const v = model.version
  if (!ACTIONS.has(a.name))
    return f.add(
      'unknown-action',
      a.node.name === undefined ? a.pointer : pointer(a.pointer, 'name'),
      `"${a.name}" is not an action (${[...ACTIONS].join(', ')})`,
    )
  const pickers = a.payload ? pickersIn(model, s, a.payload) : []
  if (pickers.some((p) => !p.topLevel))
    f.add(
      'media-in-payload',
      pointer(a.pointer, 'payload'),
      'a PhotoPicker/DocumentPicker value may only be a top-level payload value, e.g. "media": "${form.photo}"',
    )
  switch (a.name) {
    case 'data_exchange':
      if (model.doc.data_api_version === undefined)
        f.add('data-exchange-needs-data-api-version', a.pointer, 'a data_exchange action needs "data_api_version" (and an endpoint)')
      return
    case 'navigate':
      return validateNavigate(model, s, a, pickers.length > 0, f)
    case 'complete': {
      if (!s.terminal)
        f.add('complete-on-non-terminal', a.pointer, `complete is only allowed on a terminal screen; "${s.id}" is not terminal`)
      if (a.component.type !== 'Footer')
        f.add(
          'complete-not-on-footer',
          a.pointer,
          `complete can only be specified on a Footer, not on ${a.component.type || 'this component'}`,
        )
      if (pickers.length > 1)
        f.add('media-in-payload', pointer(a.pointer, 'payload'), 'a complete payload may carry only one PhotoPicker/DocumentPicker value')
      for (const p of pickers) {
        const max = p.node['max-uploaded-photos'] ?? p.node['max-uploaded-documents'] ?? 30
        if (typeof max === 'number' && max > 1)
          f.add(
            'media-in-payload',
            pointer(a.pointer, 'payload'),
            `a picker in a complete payload must allow at most 1 file (it allows ${max}); send it with data_exchange instead`,
          )
      }
      return
    }
    case 'update_data': {
      if (!atLeast(v, '6.0')) f.add('update-data', a.pointer, 'update_data needs version 6.0')
      for (const key of Object.keys(a.payload ?? {})) {
        if (!Object.hasOwn(s.data, key))
          f.add(
            'update-data',
            pointer(a.pointer, 'payload', key),
            `update_data sets "${key}", which screen "${s.id}" does not declare in its data`,
          )
      }
      return
    }
    case 'open_url': {
      if (!atLeast(v, '6.0')) f.add('open-url', a.pointer, 'open_url needs version 6.0')
      if (a.node.payload !== undefined) f.add('open-url', pointer(a.pointer, 'payload'), 'open_url takes no payload')
      if (typeof a.node.url !== 'string' || a.node.url === '') f.add('open-url', a.pointer, 'open_url needs a "url"')
      if (a.component.type !== 'EmbeddedLink' && a.component.type !== 'OptIn')
        f.add('open-url', a.pointer, `open_url is only allowed on EmbeddedLink and OptIn, not on ${a.component.type || 'this component'}`)
    }
  }
}

function validateNavigate(model: FlowModel, s: ScreenInfo, a: ActionInfo, carriesMedia: boolean, f: Findings): void {
  const next = a.node.next
  if (!isObject(next) || next.type !== 'screen' || typeof next.name !== 'string') {
    return f.add(
      'navigate-target',
      next === undefined ? a.pointer : pointer(a.pointer, 'next'),
      'navigate needs "next": { "type": "screen", "name": "<SCREEN_ID>" }',
    )
  }
  const ptr = pointer(a.pointer, 'next', 'name')
  const target = model.byId.get(next.name)
  if (!target) return f.add('navigate-target', ptr, `navigate to unknown screen "${next.name}"`)
  if (target.id === s.id) return f.add('navigate-target', ptr, 'same screen navigation is not allowed')
  if (s.terminal && a.component.type === 'Footer')
    f.add(
      'navigate-on-terminal-footer',
      a.pointer,
      `the Footer of terminal screen "${s.id}" cannot navigate (the flow could not terminate)`,
    )
  if (carriesMedia)
    f.add('media-in-payload', pointer(a.pointer, 'payload'), 'PhotoPicker/DocumentPicker values cannot be passed with navigate')
  if (model.routing && !(model.routing.get(s.id) ?? []).includes(target.id)) {
    f.add(
      'navigate-not-in-routing-model',
      ptr,
      `missing direct route from screen "${s.id}" to screen "${target.id}" in the routing model while it exists in the navigate action`,
    )
  }
  const payload = a.payload ?? {}
  for (const key of Object.keys(payload)) {
    if (!Object.hasOwn(target.data, key))
      f.add('navigate-payload', pointer(a.pointer, 'payload', key), `"${key}" is missing in the next screen's ("${target.id}") data model`)
  }
  for (const key of Object.keys(target.data)) {
    if (!Object.hasOwn(payload, key))
      f.add(
        'navigate-payload',
        a.node.payload === undefined ? a.pointer : pointer(a.pointer, 'payload'),
        `screen "${target.id}" expects "${key}" in its data, but the payload does not send it`,
      )
  }
}

export function validateLayout(model: FlowModel, s: ScreenInfo, f: Findings): void {
  validateComponents(model, s, f)
  validateReferences(model, s, f)
  for (const a of s.actions) validateAction(model, s, a, f)
}
