// Validation of the routing model (or, without one, of the graph the navigate actions draw): shape, every screen
// present, no self, backward or looping routes, one entry, connected, at most 10 branches, routes end terminal.
import type { Findings } from './findings.js'
import { isObject, type FlowModel } from './model.js'
import { pointer } from './pointer.js'

const MAX_BRANCHES = 10

function checkShape(model: FlowModel, f: Findings): boolean {
  const rm = model.doc.routing_model
  if (rm === undefined) return true
  if (!isObject(rm)) {
    f.add('routing-model-shape', '/routing_model', '"routing_model" must be an object of screen id → array of screen ids')
    return false
  }
  let ok = true
  for (const [k, v] of Object.entries(rm)) {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
      f.add('routing-model-shape', pointer('/routing_model', k), `routes of "${k}" must be an array of screen ids`)
      ok = false
    }
  }
  for (const s of model.screens) {
    if (s.id === '' || Object.hasOwn(rm, s.id)) continue
    // A screen that goes nowhere (a terminal or a page the user only goes back from) implies an empty list; Meta's
    // own samples leave such screens out, so that is a warning. One with navigate actions has undeclared routes.
    const onward = s.actions.some((a) => a.name === 'navigate')
    f.add(
      'routing-missing-screen',
      '/routing_model',
      `screen "${s.id}" is missing in the routing model${onward ? '' : ` (no route leaves it: add "${s.id}": [])`}`,
      onward ? 'error' : 'warning',
    )
  }
  for (const [k, v] of Object.entries(rm)) {
    if (!model.byId.has(k)) f.add('routing-unknown-screen', pointer('/routing_model', k), `"${k}" in the routing model is not a screen`)
    if (!Array.isArray(v)) continue
    v.forEach((to, i) => {
      if (typeof to === 'string' && !model.byId.has(to))
        f.add('routing-unknown-screen', pointer('/routing_model', k, i), `route to "${to}", which is not a screen`)
    })
  }
  return ok
}

/** The first loop of the graph as a screen list (A, B, …, A), found by an iterative depth-first search. */
function findLoop(edges: Map<string, string[]>, skipPairs: boolean): string[] | undefined {
  const state = new Map<string, 1 | 2>() // 1: on the stack, 2: done
  for (const start of edges.keys()) {
    if (state.has(start)) continue
    const stack: Array<{ node: string; next: number }> = [{ node: start, next: 0 }]
    state.set(start, 1)
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!
      const targets = edges.get(top.node) ?? []
      if (top.next >= targets.length) {
        state.set(top.node, 2)
        stack.pop()
        continue
      }
      const to = targets[top.next++]!
      if (to === top.node || !edges.has(to)) continue
      const s = state.get(to)
      if (s === 1) {
        const path = stack.slice(stack.findIndex((e) => e.node === to)).map((e) => e.node)
        // A→B→A is reported as a backward route already.
        if (skipPairs && path.length === 2) continue
        return [...path, to]
      }
      if (s === undefined) {
        state.set(to, 1)
        stack.push({ node: to, next: 0 })
      }
    }
  }
  return undefined
}

export function validateRouting(model: FlowModel, f: Findings): void {
  if (!checkShape(model, f)) return
  const withModel = model.routing !== undefined
  const where = (id: string) =>
    withModel ? (model.routing!.has(id) ? pointer('/routing_model', id) : '/routing_model') : (model.byId.get(id)?.pointer ?? '/screens')
  const how = withModel ? 'in the routing model' : 'by navigate actions'
  // Only screens that exist take part in the graph checks (unknown ones are reported above).
  const edges = new Map<string, string[]>()
  for (const id of model.byId.keys())
    edges.set(
      id,
      (model.edges.get(id) ?? []).filter((to) => model.byId.has(to)),
    )
  if (edges.size === 0) return

  for (const [from, targets] of edges) {
    if (targets.includes(from)) f.add('routing-self', where(from), `route from "${from}" to itself: a route cannot be the current screen`)
    if (targets.length > MAX_BRANCHES)
      f.add('routing-branches', where(from), `"${from}" has ${targets.length} branches ${how}; at most ${MAX_BRANCHES}`)
    for (const to of targets) {
      if (to !== from && from < to && (edges.get(to) ?? []).includes(from)) {
        f.add('routing-backward', where(to), `backward route from "${to}" to "${from}" is not allowed; going back is implicit`)
      }
    }
  }
  const loop = findLoop(edges, true)
  if (loop) f.add('routing-cycle', where(loop[0]!), `loop detected ${how}: ${loop.join(' → ')}`)

  const entries = model.entries.filter((id) => edges.has(id))
  const base = withModel ? '/routing_model' : '/screens'
  if (entries.length === 0) f.add('routing-no-entry', base, `no entry screen ${how}: every screen has an inbound route`)
  else if (entries.length > 1)
    f.add('routing-many-entries', base, `several screens have no inbound route ${how}: ${entries.join(', ')}; the flow has one entry`)

  // Connected, ignoring direction.
  const ids = [...edges.keys()]
  const links = new Map<string, Set<string>>(ids.map((id) => [id, new Set<string>()]))
  for (const [from, targets] of edges) {
    for (const to of targets) {
      links.get(from)!.add(to)
      links.get(to)!.add(from)
    }
  }
  const reached = new Set([ids[0]!])
  const queue = [ids[0]!]
  while (queue.length > 0) {
    for (const n of links.get(queue.shift()!)!) {
      if (reached.has(n)) continue
      reached.add(n)
      queue.push(n)
    }
  }
  const apart = ids.filter((id) => !reached.has(id))
  if (apart.length > 0) f.add('routing-disconnected', base, `screens not connected with the rest ${how}: ${apart.join(', ')}`)

  for (const [id, targets] of edges) {
    const s = model.byId.get(id)!
    if (targets.length === 0 && !s.terminal) {
      f.add(
        'routing-dead-end',
        where(id),
        `screen "${id}" has no route onward and is not terminal: the user can only go back from it (routes should end at a terminal screen)`,
      )
    }
  }
}
