// Delivers a signed body to the endpoint: over fetch to a URL, or straight into `endpoint.handle()`.
import type { FlowClientOptions } from './types.js'

export interface RawAnswer {
  status: number
  headers: Record<string, string>
  text: string
}

export type Transport = (body: string, headers: Record<string, string>) => Promise<RawAnswer>

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v
  return out
}

export function createTransport(options: FlowClientOptions): Transport {
  const { url, endpoint } = options
  if ((url === undefined) === (endpoint === undefined)) throw new TypeError('give exactly one of url or endpoint')
  if (endpoint !== undefined) {
    if (typeof endpoint !== 'object' || endpoint === null || typeof endpoint.handle !== 'function') {
      throw new TypeError('endpoint must be a flow endpoint (an object with handle())')
    }
    return async (body, headers) => {
      const out = await endpoint.handle({ method: 'POST', body, headers })
      return { status: out.status, headers: lowerKeys(out.headers), text: out.body }
    }
  }
  if (typeof url !== 'string' && !(url instanceof URL)) throw new TypeError('url must be a string or a URL')
  const target = new URL(url)
  const doFetch = options.fetch ?? globalThis.fetch
  if (typeof doFetch !== 'function') throw new TypeError('fetch must be a function')
  return async (body, headers) => {
    const res = await doFetch(target, { method: 'POST', body, headers })
    const out: Record<string, string> = {}
    res.headers.forEach((v, k) => {
      out[k.toLowerCase()] = v
    })
    return { status: res.status, headers: out, text: await res.text() }
  }
}
