// The package's environment variables (all WA_FLOWS_*), read where a `process.env` exists (Node, Bun, Deno with
// permission, Workers with nodejs_compat) and treated as unset elsewhere. No node: import: both entries use it.

/** Every variable the package reads, by what it holds. Documented in README.md ("Configuration"). */
export const ENV = {
  privateKey: 'WA_FLOWS_PRIVATE_KEY',
  privateKeyFile: 'WA_FLOWS_PRIVATE_KEY_FILE',
  passphrase: 'WA_FLOWS_PRIVATE_KEY_PASSPHRASE',
  appSecret: 'WA_FLOWS_APP_SECRET',
  verifyToken: 'WA_FLOWS_VERIFY_TOKEN',
  accessToken: 'WA_FLOWS_ACCESS_TOKEN',
  backend: 'WA_FLOWS_BACKEND',
  nativePath: 'WA_FLOWS_NATIVE_PATH',
  debug: 'WA_FLOWS_DEBUG',
} as const

/**
 * The variable's value, or undefined when it is unset, empty, or there is no `process.env` (or reading it throws,
 * as Deno does without --allow-env).
 */
export function readEnv(name: string): string | undefined {
  try {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
    const value = env?.[name]
    return typeof value === 'string' && value !== '' ? value : undefined
  } catch {
    return undefined
  }
}

/** A comma-separated list (app secrets during a rotation), trimmed, without empty items; undefined when empty. */
export function readEnvList(name: string): string[] | undefined {
  const list = readEnv(name)
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  return list && list.length > 0 ? list : undefined
}
