#!/usr/bin/env node
// `npm run lint`: Biome (format and lint, warnings are errors) over src, __test__, bench, scripts and examples;
// `tsc --noEmit` (strict); `cargo fmt --check` and `cargo clippy -D warnings` for every feature set of the
// workspace (and the fuzz crate when present). Prints one line per check and exits non-zero if any failed.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

import { hasCargo, root } from './build-native.mjs'

const checks = [
  ['biome', process.execPath, [join(root, 'node_modules/@biomejs/biome/bin/biome'), 'ci', '--error-on-warnings', '.']],
  ['tsc --noEmit (strict)', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json']],
]
if (hasCargo()) {
  checks.push(['cargo fmt --check', 'cargo', ['fmt', '--all', '--check']])
  for (const features of [
    [],
    ['--features', 'flows-node/testing'],
    ['--no-default-features', '--features', 'flows-crypto/pure-rust,flows-node/pure-rust'],
  ]) {
    checks.push([
      `cargo clippy ${features.join(' ') || '(default features)'}`,
      'cargo',
      ['clippy', '--workspace', '--all-targets', ...features, '--', '-D', 'warnings'],
    ])
  }
  if (existsSync(join(root, 'fuzz/Cargo.toml'))) {
    checks.push(['cargo fmt --check (fuzz)', 'cargo', ['fmt', '--manifest-path', 'fuzz/Cargo.toml', '--check']])
    checks.push(['cargo clippy (fuzz)', 'cargo', ['clippy', '--manifest-path', 'fuzz/Cargo.toml', '--all-targets', '--', '-D', 'warnings']])
  }
} else {
  process.stdout.write('lint: cargo not found: the Rust checks are skipped\n')
}

let failed = 0
for (const [name, cmd, args] of checks) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
  const ok = r.status === 0
  if (!ok) failed++
  process.stdout.write(`lint: ${ok ? 'ok  ' : 'FAIL'} ${name}\n`)
}
process.stdout.write(`lint: ${checks.length - failed} of ${checks.length} checks passed\n`)
process.exit(failed === 0 ? 0 : 1)
