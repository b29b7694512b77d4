// On Node, keys a backend cannot read itself (DES-EDE3 PBES2, legacy `Proc-Type: 4,ENCRYPTED` PEM on
// WebCrypto) are converted to unencrypted PKCS#8 DER with node:crypto, so every format works on both backends.
import { createPrivateKey } from 'node:crypto'

import type { KeyConverter } from '../api.js'

export const convertKeyWithNodeCrypto: KeyConverter = (data, passphrase) => {
  try {
    const text = new TextDecoder().decode(data)
    const isPem = text.includes('-----BEGIN ')
    const key = isPem
      ? createPrivateKey({ key: text, format: 'pem', passphrase })
      : createPrivateKey({ key: Buffer.from(data), format: 'der', type: 'pkcs8', passphrase })
    if (key.asymmetricKeyType !== 'rsa') return undefined
    return new Uint8Array(key.export({ format: 'der', type: 'pkcs8' }))
  } catch {
    return undefined
  }
}
