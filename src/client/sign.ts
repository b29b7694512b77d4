// X-Hub-Signature-256 as Meta sends it: `sha256=` + hex HMAC-SHA256(app secret, raw body bytes), on WebCrypto.
import { utf8 } from '../util/bytes.js'

export async function signBody(appSecret: string, body: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto.subtle
  const key = await subtle.importKey('raw', utf8(appSecret) as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = new Uint8Array(await subtle.sign('HMAC', key, body as BufferSource))
  let hex = ''
  for (const b of mac) hex += b.toString(16).padStart(2, '0')
  return `sha256=${hex}`
}
