// The private key of `wa-flows serve`: --key <file>, else what the endpoint reads by default (WA_FLOWS_PRIVATE_KEY
// or WA_FLOWS_PRIVATE_KEY_FILE), else ./private.pem; the passphrase from WA_FLOWS_PRIVATE_KEY_PASSPHRASE. Loaded
// and checked before listening; a failure is one line naming the flag or variable.
import type { FlowPrivateKey } from '../api.js'
import type { KeySource } from '../endpoint/key-source.js'
import { ENV } from '../util/env.js'
import { CliError, env, reasonOf } from './common.js'

export const DEFAULT_KEY_FILE = 'private.pem'

export async function loadServeKey(keyOption: string | undefined): Promise<FlowPrivateKey> {
  const [{ runtime }, { loadKeyFrom, resolveKeySource, resolvePassphrase }] = await Promise.all([
    import('../node/runtime.js'),
    import('../endpoint/key-source.js'),
  ])
  try {
    let source: KeySource
    if (keyOption !== undefined) source = { kind: 'file', path: keyOption, source: `--key ${keyOption}`, origin: 'privateKey.path' }
    else if (env(ENV.privateKey) !== undefined || env(ENV.privateKeyFile) !== undefined)
      source = resolveKeySource(runtime, undefined, false)
    else
      source = {
        kind: 'file',
        path: DEFAULT_KEY_FILE,
        source: `${DEFAULT_KEY_FILE} (the default: give --key <file> or set ${ENV.privateKeyFile})`,
        origin: 'privateKey.path',
      }
    return await loadKeyFrom(runtime, source, resolvePassphrase(undefined))
  } catch (e) {
    throw new CliError(`cannot load the private key: ${reasonOf(e)}`, 1, { cause: e })
  }
}
