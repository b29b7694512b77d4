// On Node, keys a backend cannot read itself (DES-EDE3 PBES2, legacy `Proc-Type: 4,ENCRYPTED` PEM on
// WebCrypto) are converted to unencrypted PKCS#8 DER with node:crypto, so every format works on both backends.
import { createPrivateKey, type KeyObject } from 'node:crypto'

import type { KeyConverter } from '../api.js'
import { flowError } from '../errors.js'

/** Returns PKCS#8 DER, undefined when node:crypto cannot read the key either, or throws for a wrong passphrase. */
export const convertKeyWithNodeCrypto: KeyConverter = (data, passphrase) => {
  let key: KeyObject
  try {
    const text = new TextDecoder().decode(data)
    key = text.includes('-----BEGIN ')
      ? createPrivateKey({ key: text, format: 'pem', passphrase })
      : createPrivateKey({ key: Buffer.from(data), format: 'der', type: 'pkcs8', passphrase })
  } catch (e) {
    // The backend already recognised an encrypted key it cannot open itself; node:crypto failing with the given
    // passphrase means the passphrase is wrong (a wrong key can also decrypt to garbage that fails to parse).
    if (passphrase !== undefined) {
      throw flowError('ERR_FLOW_KEY_INVALID', 'wrong-passphrase', undefined, e)
    }
    return undefined
  }
  if (key.asymmetricKeyType !== 'rsa') return undefined
  return new Uint8Array(key.export({ format: 'der', type: 'pkcs8' }))
}
