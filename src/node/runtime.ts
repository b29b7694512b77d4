// The Node entry's runtime: the backend chosen at import (native, else WebCrypto with one warning), the crypto
// API bound to it, with node:crypto converting the few key formats WebCrypto cannot read, and a file reader for
// key files.
import { readFile } from 'node:fs/promises'

import { createFlowCrypto } from '../api.js'
import type { Runtime } from '../runtime.js'
import { convertKeyWithNodeCrypto } from './key-convert.js'
import { selectBackend } from './select.js'

const backend = selectBackend()

export const runtime: Runtime = {
  backend,
  crypto: createFlowCrypto(backend, convertKeyWithNodeCrypto),
  readFile: (path) => readFile(path),
}
