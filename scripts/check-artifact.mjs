#!/usr/bin/env node
// Checks a built addon before it is packed: the ELF machine matches its target, a musl build needs musl's
// libc (not glibc's), a gnu build needs glibc, no build needs libssl/libcrypto (OpenSSL is linked statically),
// and optionally that glibc symbol versions stay under a floor. Uses readelf (binutils) and, for the host's own
// target, ldd. Non-ELF targets (darwin, win32) are not checked here.
//
// usage: node scripts/check-artifact.mjs <file.node> [--target linux-x64-gnu] [--max-glibc 2.17] [--no-ldd]
// Prints one `check-artifact: ok ...` line, or the problems and exits 1.
import { spawnSync } from 'node:child_process'
import { basename, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const machines = { x64: 'X86-64', arm64: 'AArch64' }
const openssl = /^lib(ssl|crypto)\.so/

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  if (r.error) throw new Error(`${cmd} could not run: ${r.error.message}`)
  return r
}

const versionKey = (v) => v.split('.').map(Number)
function compareVersions(a, b) {
  const [x, y] = [versionKey(a), versionKey(b)]
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0)
    if (d) return d
  }
  return 0
}

/** The facts about an ELF addon that the checks look at. */
export function inspect(file, { ldd = true } = {}) {
  const header = run('readelf', ['-h', file])
  if (header.status !== 0) throw new Error(`readelf -h ${file}: ${header.stderr.trim()}`)
  const machine = header.stdout.match(/Machine:\s+(.+)/)?.[1].trim() ?? ''
  const dynamic = run('readelf', ['-d', file]).stdout
  const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1])
  const versions = run('readelf', ['-V', '--wide', file]).stdout
  const glibc = [...new Set([...versions.matchAll(/GLIBC_(\d+(?:\.\d+)+)/g)].map((m) => m[1]))].sort(compareVersions)
  let resolved
  if (ldd) {
    const r = run('ldd', [file])
    if (r.status !== 0) throw new Error(`ldd ${file}: ${(r.stderr || r.stdout).trim()}`)
    resolved = r.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
  }
  return { machine, needed, maxGlibc: glibc.at(-1), ldd: resolved }
}

/** The problems of an inspected artifact for a target suffix such as `linux-arm64-musl` (empty when fine). */
export function problems(facts, target, { maxGlibc } = {}) {
  const [, cpu, libc] = target.split('-')
  const out = []
  if (machines[cpu] && !facts.machine.includes(machines[cpu])) out.push(`machine is ${facts.machine}, expected ${machines[cpu]}`)
  const ssl = facts.needed.filter((n) => openssl.test(n))
  if (ssl.length) out.push(`NEEDED has ${ssl.join(', ')} (OpenSSL must be linked statically)`)
  const sslLdd = (facts.ldd ?? []).filter((l) => /\blib(ssl|crypto)\.so/.test(l))
  if (sslLdd.length) out.push(`ldd resolves ${sslLdd.join(', ')}`)
  const needsGlibc = facts.needed.includes('libc.so.6')
  const needsMusl = facts.needed.some((n) => n.startsWith('libc.musl-') || n === 'libc.so')
  if (libc === 'musl') {
    if (needsGlibc) out.push('a musl build needs libc.so.6 (glibc)')
    if (!needsMusl) out.push(`a musl build does not need musl's libc (NEEDED: ${facts.needed.join(', ')})`)
    if (facts.maxGlibc) out.push(`a musl build references GLIBC_${facts.maxGlibc} symbols`)
  } else {
    if (!needsGlibc) out.push(`a gnu build does not need libc.so.6 (NEEDED: ${facts.needed.join(', ')})`)
    if (maxGlibc && facts.maxGlibc && compareVersions(facts.maxGlibc, maxGlibc) > 0) {
      out.push(`needs GLIBC_${facts.maxGlibc}, above the floor ${maxGlibc}`)
    }
  }
  return out
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2)
  const option = (name) => {
    const i = argv.indexOf(name)
    return i >= 0 ? argv.splice(i, 2)[1] : undefined
  }
  const noLdd = argv.includes('--no-ldd')
  const maxGlibc = option('--max-glibc')
  let target = option('--target')
  const file = argv.find((a) => !a.startsWith('--'))
  if (!file) {
    process.stderr.write('usage: node scripts/check-artifact.mjs <file.node> [--target SUFFIX] [--max-glibc X.Y] [--no-ldd]\n')
    process.exit(2)
  }
  target ??= basename(file).match(/^whatsapp-flows\.(.+)\.node$/)?.[1]
  if (!target?.startsWith('linux-')) {
    process.stderr.write(`check-artifact: ${file}: give --target linux-<cpu>-<gnu|musl> (only Linux ELF builds are checked)\n`)
    process.exit(2)
  }
  try {
    const facts = inspect(resolve(file), { ldd: !noLdd })
    const found = problems(facts, target, { maxGlibc })
    if (found.length) {
      for (const p of found) process.stderr.write(`check-artifact: ${file}: ${p}\n`)
      process.exit(1)
    }
    const glibc = facts.maxGlibc ? `, max GLIBC_${facts.maxGlibc}` : ''
    console.log(`check-artifact: ok ${target} (${facts.machine}; NEEDED ${facts.needed.join(', ')}${glibc})`)
  } catch (e) {
    process.stderr.write(`check-artifact: ${e.message}\n`)
    process.exit(1)
  }
}
