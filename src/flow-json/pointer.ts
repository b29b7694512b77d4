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
