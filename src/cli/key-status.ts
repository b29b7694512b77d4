// `wa-flows key-status`: prints the signature status of the public key registered for a phone number and its
// SHA-256 fingerprint; with --public-key, compares it with a local public key file.
import { CliError, out, parseOptions } from './common.js'
import { encryptionCall, graphHelp, graphOptions, tokenHelp } from './graph.js'
import { fingerprint, readPublicKeyFile, type PublicKeyFile } from './public-key-file.js'

export const help = `Usage: wa-flows key-status --phone-number-id <id> [--public-key public.pem]

Shows the business public key registered for a phone number and its
business_public_key_signature_status (GET /<version>/<phone-number-id>/whatsapp_business_encryption).
Fingerprints are the SHA-256 of the key's DER, as
  openssl pkey -pubin -in public.pem -outform der | sha256sum
prints them. With --public-key, the registered key is compared with that file:
exit 1 when they differ.

Options:
${graphHelp}
  --public-key <file>      a local public key to compare with the registered one
  -h, --help               show this help

Environment:
${tokenHelp}
`

interface EncryptionInfo {
  business_public_key?: string
  business_public_key_signature_status?: string
}

export async function run(argv: string[]): Promise<number> {
  const opts = parseOptions(argv, { ...graphOptions, 'public-key': { type: 'string' } })
  const path = opts['public-key']
  // A local file is checked first: a private key is refused before any request.
  const local: PublicKeyFile | undefined = path === undefined ? undefined : await readPublicKeyFile(path)
  const call = encryptionCall(opts)
  const body = (await call('GET')) as { data?: EncryptionInfo[] } & EncryptionInfo
  const info: EncryptionInfo | undefined = Array.isArray(body?.data) ? body.data[0] : body
  const status = info?.business_public_key_signature_status
  if (typeof status !== 'string') throw new CliError('the Graph API answer has no business_public_key_signature_status')
  out(`business_public_key_signature_status: ${status}`)
  const registered =
    typeof info?.business_public_key === 'string' && info.business_public_key
      ? (fingerprint(info.business_public_key) ?? '(not a PEM public key)')
      : undefined
  out(`registered public key sha256: ${registered ?? '(none registered)'}`)
  if (!local || !path) return 0
  const own = fingerprint(local.key)!
  out(`${path} sha256: ${own}`)
  if (registered !== own) {
    throw new CliError(
      `the registered public key is not ${path}; register it with: npx wa-flows upload-key --phone-number-id ${opts['phone-number-id']} --public-key ${path}`,
    )
  }
  out(`match: the registered public key is ${path}`)
  return 0
}
