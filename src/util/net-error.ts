// What a failed fetch() says to a person: Node's fetch rejects with "fetch failed" and keeps the reason (connect
// ECONNREFUSED 127.0.0.1:3000, getaddrinfo ENOTFOUND host, a TLS error, a timeout) in `cause`, sometimes inside an
// AggregateError (one error per address tried). No node: import: both entries use it.

const MAX_DEPTH = 6

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message
  return typeof e === 'string' ? e : ''
}

/** The innermost informative reason of `e`'s cause chain: its message, or its code when it has no message. */
function innermost(e: unknown, depth: number): string | undefined {
  if (depth > MAX_DEPTH || e === null || typeof e !== 'object') return undefined
  const errors = (e as { errors?: unknown }).errors
  if (Array.isArray(errors) && errors.length > 0) {
    const parts = [...new Set(errors.map((x) => innermost(x, depth + 1) ?? messageOf(x)).filter(Boolean))]
    if (parts.length > 0) return parts.join('; ')
  }
  const deeper = innermost((e as { cause?: unknown }).cause, depth + 1)
  if (deeper) return deeper
  const message = messageOf(e)
  const code = (e as { code?: unknown }).code
  if (message && message !== 'fetch failed') return message
  return typeof code === 'string' ? code : undefined
}

/**
 * One line for a failed request: "fetch failed" is replaced by its cause (e.g. `connect ECONNREFUSED
 * 127.0.0.1:3000`, `getaddrinfo ENOTFOUND graph.example`); timeouts say so. Other errors give their message.
 */
export function describeNetworkError(e: unknown): string {
  const name = (e as { name?: unknown } | null)?.name
  if (name === 'TimeoutError') return `timed out${messageOf(e) ? ` (${messageOf(e)})` : ''}`
  const reason = innermost(e, 0)
  if (reason) return reason
  return messageOf(e) || String(e)
}
