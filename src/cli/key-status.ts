// `wa-flows key-status`: prints the signature status of the public key registered for a phone number.
import { createHash, createPublicKey } from 'node:crypto'
import { CliError, out, parseOptions } from './common.js'
import { encryptionCall, graphHelp, graphOptions } from './graph.js'

export const help = `Usage: wa-flows key-status --phone-number-id <id>

Shows the business public key registered for a phone number and its
business_public_key_signature_status (GET /<version>/<phone-number-id>/whatsapp_business_encryption).

Options:
${graphHelp}
  -h, --help               show this help

Environment:
  WA_ACCESS_TOKEN          Graph API access token (required)
`

interface EncryptionInfo {
  business_public_key?: string
  business_public_key_signature_status?: string
}

/** SHA-256 of the key's DER, to compare with a local public.pem without printing the whole key. */
function fingerprint(pem: string): string | undefined {
  try {
    return createHash('sha256').update(createPublicKey(pem).export({ type: 'spki', format: 'der' })).digest('hex').replace(/(..)(?!$)/g, '$1:')
  } catch {
    return undefined
  }
}

export async function run(argv: string[]): Promise<number> {
  const opts = parseOptions(argv, graphOptions)
  const call = encryptionCall(opts)
  const body = (await call('GET')) as { data?: EncryptionInfo[] } & EncryptionInfo
  const info: EncryptionInfo | undefined = Array.isArray(body?.data) ? body.data[0] : body
  const status = info?.business_public_key_signature_status
  if (typeof status !== 'string') throw new CliError('the Graph API answer has no business_public_key_signature_status')
  out(`business_public_key_signature_status: ${status}`)
  if (typeof info?.business_public_key === 'string' && info.business_public_key) {
    out(`business_public_key sha256: ${fingerprint(info.business_public_key) ?? '(not a PEM public key)'}`)
  } else {
    out('business_public_key: (none registered)')
  }
  return 0
}
