// `wa-flows upload-key`: registers the business public key for a phone number via the Graph API.
import { createPublicKey } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { CliError, out, parseOptions } from './common.js'
import { encryptionCall, graphHelp, graphOptions } from './graph.js'

export const help = `Usage: wa-flows upload-key --phone-number-id <id> [--public-key public.pem]

Registers the public key WhatsApp uses to encrypt Flow requests to your endpoint
(POST /<version>/<phone-number-id>/whatsapp_business_encryption).

Options:
${graphHelp}
  --public-key <file>      the SPKI public key (default: public.pem)
  -h, --help               show this help

Environment:
  WA_ACCESS_TOKEN          Graph API access token (required; never pass it as an argument)
`

/** Reads a PEM public key and checks it is an RSA public key (never upload a private key). */
export async function readPublicKeyPem(path: string): Promise<string> {
  let pem: string
  try {
    pem = await readFile(path, 'utf8')
  } catch (e) {
    throw new CliError(`cannot read public key ${path}: ${(e as Error).message}`)
  }
  if (/PRIVATE KEY/.test(pem)) throw new CliError(`${path} contains a private key; pass the public key (public.pem)`)
  let key
  try {
    key = createPublicKey(pem)
  } catch {
    throw new CliError(`${path} is not a PEM public key`)
  }
  if (key.asymmetricKeyType !== 'rsa') throw new CliError(`${path} is not an RSA public key`)
  return pem.trim() + '\n'
}

export async function run(argv: string[]): Promise<number> {
  const opts = parseOptions(argv, { ...graphOptions, 'public-key': { type: 'string' } })
  const call = encryptionCall(opts)
  const path = opts['public-key'] ?? 'public.pem'
  const pem = await readPublicKeyPem(path)
  const body = (await call('POST', { form: { business_public_key: pem } })) as { success?: unknown }
  if (body?.success !== true) throw new CliError(`Graph API did not confirm the upload: ${JSON.stringify(body).slice(0, 200)}`)
  out(`Uploaded ${path} for phone number ${opts['phone-number-id']}.`)
  out(`Check its signature status with: npx wa-flows key-status --phone-number-id ${opts['phone-number-id']}`)
  return 0
}
