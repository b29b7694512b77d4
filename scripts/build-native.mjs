#!/usr/bin/env node
// Builds the N-API addon (crates/flows-node) with @napi-rs/cli into native/<name>.<platform>.node, in the
// environment of cargo-env.mjs. Without cargo it warns once and exits 0 (the WebCrypto backend is used).
//
// usage: node scripts/build-native.mjs [--pure-rust] [--name NAME] [--out DIR] [--debug]
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'

import { cargoEnv, crateSource, has, root } from './cargo-env.mjs'

const argv = process.argv.slice(2)
const flag = (name) => argv.includes(name)
const option = (name, fallback) => {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : fallback
}
const pureRust = flag('--pure-rust')
const name = option('--name', pureRust ? 'whatsapp-flows-pure-rust' : 'whatsapp-flows')
const out = resolve(root, option('--out', 'native'))
const log = (msg) => process.stderr.write(`build-native: ${msg}\n`)

if (!has('cargo')) {
  log('cargo was not found: the native addon is not built; whatsapp-flows will run on its WebCrypto backend.')
  process.exit(0)
}
const env = cargoEnv({ openssl: !pureRust })
if (!env) process.exit(1)

// napi names the file after package.json's binaryName; a build under another name goes through a staging dir.
const binaryName = 'whatsapp-flows'
const staging = name === binaryName ? out : join(root, 'target', `stage-${name}`)
mkdirSync(staging, { recursive: true })
mkdirSync(out, { recursive: true })
const args = ['build', '--platform', '--no-js', '--manifest-path', 'crates/flows-node/Cargo.toml',
  '--package-json-path', 'package.json', '--output-dir', staging]
if (!flag('--debug')) args.push('--release')
if (pureRust) args.push('--no-default-features', '--features', 'pure-rust')
// Keep the pure-rust artifacts apart so the two builds do not rebuild each other.
if (pureRust) args.push('--target-dir', join(root, 'target/pure-rust'))
log(`building ${name} (${pureRust ? 'pure-rust' : 'openssl, static'}; crates from ${crateSource()})`)
const r = spawnSync(join(root, 'node_modules/.bin/napi'), args, { cwd: root, stdio: 'inherit', env })
if (r.status !== 0) {
  log('the native build failed')
  process.exit(r.status ?? 1)
}
if (staging !== out) {
  for (const f of readdirSync(staging).filter((f) => f.startsWith(`${binaryName}.`) && f.endsWith('.node'))) {
    copyFileSync(join(staging, f), join(out, f.replace(binaryName, name)))
  }
  rmSync(staging, { recursive: true, force: true })
}
