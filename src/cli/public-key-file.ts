// The public key files the CLI takes (`--public-key` of upload-key, key-status and simulate): read and checked once,
// before any request (a private key is refused: it must never be uploaded or passed around), and fingerprinted the
// way `openssl pkey -pubin -in public.pem -outform der | sha256sum` prints it.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'

import { CliError, reasonOf } from './common.js'

export interface PublicKeyFile {
  /** The PEM text as read, trimmed, with one final newline. */
  pem: string
  key: KeyObject
}

/** Reads `path` and checks it holds an RSA public key (PEM SPKI or PKCS#1); one-line CliErrors otherwise. */
export async function readPublicKeyFile(path: string, option = '--public-key'): Promise<PublicKeyFile> {
  let pem: string
  try {
    pem = await readFile(path, 'utf8')
  } catch (e) {
    throw new CliError(`cannot read public key ${path}: ${reasonOf(e)}`)
  }
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new CliError(`${path} holds a private key; ${option} takes the public key (public.pem, written next to it by wa-flows keygen)`)
  }
  let key: KeyObject
  try {
    key = createPublicKey(pem)
  } catch {
    throw new CliError(`${path} is not a PEM public key (expected -----BEGIN PUBLIC KEY-----)`)
  }
  if (key.asymmetricKeyType !== 'rsa') throw new CliError(`${path} is not an RSA public key`)
  return { pem: `${pem.trim()}\n`, key }
}

/** SHA-256 of the key's SPKI DER as 64 lowercase hex digits: what `openssl pkey -pubin -outform der | sha256sum` prints. */
export function fingerprint(key: KeyObject | string): string | undefined {
  try {
    const object = typeof key === 'string' ? createPublicKey(key) : key
    return createHash('sha256')
      .update(object.export({ type: 'spki', format: 'der' }))
      .digest('hex')
  } catch {
    return undefined
  }
}
