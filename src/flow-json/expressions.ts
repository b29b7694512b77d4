// Dynamic references inside Flow JSON strings: `${data.field}`, `${form.input}`, `${screen.ID.data.field}` and
// `${screen.ID.form.input}`, alone ("bindings") or inside a backtick nested expression (Flow JSON 6.0+).

export type Reference =
  | { kind: 'data'; path: string[]; text: string }
  | { kind: 'form'; name: string; text: string }
  | { kind: 'global'; screen: string; source: 'data' | 'form'; path: string[]; text: string }
  | { kind: 'other'; text: string }

const REF = /\$\{([^}]*)\}/g
const MAX_REFS = 256

function parse(inner: string, text: string): Reference {
  const parts = inner.trim().split('.')
  if (parts[0] === 'data' && parts.length >= 2 && parts.every((p) => p !== '')) return { kind: 'data', path: parts.slice(1), text }
  if (parts[0] === 'form' && parts.length === 2 && parts[1] !== '') return { kind: 'form', name: parts[1]!, text }
  if (parts[0] === 'screen' && parts.length >= 4 && (parts[2] === 'data' || parts[2] === 'form') && parts.every((p) => p !== '')) {
    return { kind: 'global', screen: parts[1]!, source: parts[2], path: parts.slice(3), text }
  }
  return { kind: 'other', text }
}

/** Every `${…}` in s (at most 256). */
export function referencesIn(s: string): Reference[] {
  const out: Reference[] = []
  for (const m of s.matchAll(REF)) {
    out.push(parse(m[1]!, m[0]))
    if (out.length >= MAX_REFS) break
  }
  return out
}

/** The reference when the whole string is one `${…}`, e.g. a payload value `"${form.name}"`. */
export function bindingOf(s: string): Reference | undefined {
  const m = /^\$\{([^}]*)\}$/.exec(s)
  return m ? parse(m[1]!, s) : undefined
}

/** A nested expression: the string is wrapped in backticks (Flow JSON 6.0+). */
export function isNestedExpression(s: string): boolean {
  return s.length >= 2 && s.startsWith('`') && s.endsWith('`')
}
