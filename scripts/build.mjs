#!/usr/bin/env node
// `npm install` / `npm run build`: compiles the TypeScript, then the native addon (skipped with one warning
// when cargo is absent: the package then runs on WebCrypto).
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const step = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
step(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'])
// tsc writes files without the execute bit; the CLI must run as `npx wa-flows` from a clone too.
const bin = join(root, 'dist/cli/main.js')
if (existsSync(bin)) chmodSync(bin, 0o755)
if (process.env.WA_FLOWS_SKIP_NATIVE !== '1') step(process.execPath, [join(root, 'scripts/build-native.mjs')])
