// JSON Pointers (RFC 6901) into a Flow JSON document: `/screens/0/layout/children/2/on-click-action`.

/** One reference token, escaped (`~` → `~0`, `/` → `~1`). */
export function escapeToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1')
}

/** The pointer `base` extended by `tokens`. */
export function pointer(base: string, ...tokens: Array<string | number>): string {
  let out = base
  for (const t of tokens) out += `/${escapeToken(t)}`
  return out
}

/** The value at `ptr` in `doc`, or undefined (for reports that show the offending value). */
export function resolvePointer(doc: unknown, ptr: string): unknown {
  if (ptr === '') return doc
  if (!ptr.startsWith('/')) return undefined
  let cur: unknown = doc
  for (const raw of ptr.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (typeof cur !== 'object' || cur === null || !Object.hasOwn(cur, token)) return undefined
    cur = (cur as Record<string, unknown>)[token]
  }
  return cur
}
