// `wa-flows upload-key`: registers the business public key for a phone number via the Graph API.
import { CliError, out, parseOptions } from './common.js'
import { encryptionCall, graphHelp, graphOptions, tokenHelp } from './graph.js'
import { readPublicKeyFile } from './public-key-file.js'

export const help = `Usage: wa-flows upload-key --phone-number-id <id> [--public-key public.pem]

Registers the public key WhatsApp uses to encrypt Flow requests to your endpoint
(POST /<version>/<phone-number-id>/whatsapp_business_encryption).

Options:
${graphHelp}
  --public-key <file>      the SPKI public key (default: public.pem); a private key is refused
  -h, --help               show this help

Environment:
${tokenHelp}
`

export async function run(argv: string[]): Promise<number> {
  const opts = parseOptions(argv, { ...graphOptions, 'public-key': { type: 'string' } })
  const path = opts['public-key'] ?? 'public.pem'
  // The file is checked before anything else: a private key is refused before any request.
  const { pem } = await readPublicKeyFile(path)
  const call = encryptionCall(opts)
  const body = (await call('POST', { form: { business_public_key: pem } })) as { success?: unknown }
  if (body?.success !== true) throw new CliError(`Graph API did not confirm the upload: ${JSON.stringify(body).slice(0, 200)}`)
  out(`Uploaded ${path} for phone number ${opts['phone-number-id']}.`)
  out(`Check its signature status with: npx wa-flows key-status --phone-number-id ${opts['phone-number-id']} --public-key ${path}`)
  return 0
}
