// `wa-flows keygen`: writes an RSA-2048 key pair (private.pem PKCS#8, mode 0600, optionally encrypted; public.pem SPKI).
import { generateKeyPair } from 'node:crypto'
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { CliError, env, out, parseOptions } from './common.js'

export const help = `Usage: wa-flows keygen [--out <dir>] [--force]

Creates an RSA-2048 key pair for a WhatsApp Flows data endpoint:
  <dir>/private.pem  PKCS#8, file mode 0600; encrypted with AES-256-CBC when
                     WA_FLOWS_PRIVATE_KEY_PASSPHRASE is set
  <dir>/public.pem   SPKI, to register with "wa-flows upload-key"

Options:
  --out <dir>   directory to write the keys to (default: the current directory;
                created if missing)
  --force       overwrite existing private.pem / public.pem
  -h, --help    show this help

Environment:
  WA_FLOWS_PRIVATE_KEY_PASSPHRASE   passphrase that encrypts private.pem
`

const generate = promisify(generateKeyPair)

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw e
  }
}

export interface KeyPairFiles {
  privatePath: string
  publicPath: string
  encrypted: boolean
}

/** Generates and writes the pair; refuses to replace existing files unless `force`. */
export async function writeKeyPair(dir: string, options: { force?: boolean; passphrase?: string } = {}): Promise<KeyPairFiles> {
  const privatePath = join(dir, 'private.pem')
  const publicPath = join(dir, 'public.pem')
  if (!options.force) {
    for (const p of [privatePath, publicPath]) {
      if (await exists(p)) throw new CliError(`${p} already exists (use --force to overwrite it)`)
    }
  }
  const passphrase = options.passphrase
  const { privateKey, publicKey } = await generate('rsa', {
    modulusLength: 2048,
    publicExponent: 0x10001,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: passphrase ? { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase } : { type: 'pkcs8', format: 'pem' },
  })
  await mkdir(dir, { recursive: true })
  const flag = options.force ? 'w' : 'wx'
  await writeFile(privatePath, privateKey, { mode: 0o600, flag })
  await chmod(privatePath, 0o600) // an overwritten file keeps its old mode otherwise
  await writeFile(publicPath, publicKey, { mode: 0o644, flag })
  return { privatePath, publicPath, encrypted: Boolean(passphrase) }
}

export async function run(argv: string[]): Promise<number> {
  const opts = parseOptions(argv, {
    out: { type: 'string' },
    force: { type: 'boolean' },
  })
  const dir = resolve(opts.out ?? '.')
  const passphrase = env('WA_FLOWS_PRIVATE_KEY_PASSPHRASE')
  const files = await writeKeyPair(dir, { force: opts.force ?? false, ...(passphrase ? { passphrase } : {}) })
  const shown = opts.out ? join(opts.out, 'public.pem') : 'public.pem'
  out(
    `Wrote ${files.privatePath} (mode 0600, ${files.encrypted ? 'encrypted with WA_FLOWS_PRIVATE_KEY_PASSPHRASE' : 'NOT encrypted: set WA_FLOWS_PRIVATE_KEY_PASSPHRASE to encrypt it'})`,
  )
  out(`Wrote ${files.publicPath}`)
  out('')
  // No suggestion puts the token on a command line (arguments show in `ps`, commands stay in the shell history).
  out('Register the public key for your business phone number; paste the access token at the prompt of `read`')
  out('(it is not echoed, and stays out of the shell history):')
  out('  read -rs WA_FLOWS_ACCESS_TOKEN && export WA_FLOWS_ACCESS_TOKEN')
  out(`  npx wa-flows upload-key --phone-number-id <PHONE_NUMBER_ID> --public-key ${shown}`)
  out('or call the Graph API directly (curl reads the header from stdin; printf is a shell builtin):')
  out(`  printf 'Authorization: Bearer %s\\n' "$WA_FLOWS_ACCESS_TOKEN" | curl -H @- -X POST \\`)
  out(
    `       "https://graph.facebook.com/v21.0/<PHONE_NUMBER_ID>/whatsapp_business_encryption" --data-urlencode "business_public_key@${shown}"`,
  )
  out(`Check it with: npx wa-flows key-status --phone-number-id <PHONE_NUMBER_ID> --public-key ${shown}`)
  out('')
  out(
    `The endpoint reads the private key from WA_FLOWS_PRIVATE_KEY_FILE=${opts.out ? join(opts.out, 'private.pem') : 'private.pem'} (or wa-flows serve --key).`,
  )
  return 0
}
