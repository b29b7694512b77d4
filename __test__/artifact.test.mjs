// scripts/check-artifact.mjs on the local linux-x64-gnu build (readelf NEEDED and ldd show no libssl/libcrypto,
// glibc is needed, the machine matches), and its verdicts on musl/gnu/OpenSSL cases the release job relies on.
import test from 'ava'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import { inspect, problems } from '../scripts/check-artifact.mjs'
import { platformTriple } from '../dist/node/loader.js'

const execFileP = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))
const suffix = platformTriple()
const addon = join(root, 'native', `whatsapp-flows.${suffix}.node`)

// The C library the local build needs: glibc's libc.so.6, or musl's libc.musl-<arch>.so.1 on Alpine.
const libc = suffix.endsWith('-musl') ? /^libc\.musl-/ : /^libc\.so\.6$/

test(`the local ${suffix} build links OpenSSL statically (readelf -d and ldd)`, (t) => {
  const facts = inspect(addon)
  t.true(
    facts.needed.some((n) => libc.test(n)),
    `NEEDED: ${facts.needed}`,
  )
  t.deepEqual(
    facts.needed.filter((n) => /^lib(ssl|crypto)\b/.test(n)),
    [],
  )
  t.true(
    facts.ldd.some((line) => libc.test(line.split(' ')[0])),
    facts.ldd.join('\n'),
  )
  t.deepEqual(
    facts.ldd.filter((line) => /lib(ssl|crypto)\.so/.test(line)),
    [],
  )
  t.deepEqual(problems(facts, suffix), [])
})

test('the check-artifact CLI passes the local build and, on glibc, enforces a floor when asked', async (t) => {
  const { stdout } = await execFileP(process.execPath, [join(root, 'scripts/check-artifact.mjs'), addon])
  t.regex(stdout, new RegExp(`^check-artifact: ok ${suffix} `))
  const { maxGlibc } = inspect(addon, { ldd: false })
  if (suffix.endsWith('-musl')) {
    t.is(maxGlibc, undefined, 'a musl build references no GLIBC_ symbol')
    return
  }
  t.regex(maxGlibc, /^2\.\d+$/)
  const below = `2.${Number(maxGlibc.split('.')[1]) - 1}`
  const e = await t.throwsAsync(
    execFileP(process.execPath, [join(root, 'scripts/check-artifact.mjs'), addon, '--max-glibc', below, '--no-ldd']),
  )
  t.is(e.code, 1)
  t.true(e.stderr.includes(`needs GLIBC_${maxGlibc}, above the floor ${below}`), e.stderr)
})

test('verdicts: dynamic OpenSSL, a musl build that needs glibc, a musl build as Alpine links it, a foreign machine', (t) => {
  const gnu = { machine: 'Advanced Micro Devices X86-64', needed: ['libc.so.6', 'libssl.so.3', 'libcrypto.so.3'], maxGlibc: '2.17' }
  t.deepEqual(problems(gnu, 'linux-x64-gnu'), ['NEEDED has libssl.so.3, libcrypto.so.3 (OpenSSL must be linked statically)'])
  const muslBad = { machine: 'AArch64', needed: ['libc.so.6'], maxGlibc: '2.17' }
  t.deepEqual(problems(muslBad, 'linux-arm64-musl'), [
    'a musl build needs libc.so.6 (glibc)',
    "a musl build does not need musl's libc (NEEDED: libc.so.6)",
    'a musl build references GLIBC_2.17 symbols',
  ])
  const musl = { machine: 'AArch64', needed: ['libgcc_s.so.1', 'libc.musl-aarch64.so.1'] }
  t.deepEqual(problems(musl, 'linux-arm64-musl'), [])
  t.deepEqual(problems({ ...musl, machine: 'Advanced Micro Devices X86-64' }, 'linux-arm64-musl'), [
    'machine is Advanced Micro Devices X86-64, expected AArch64',
  ])
  t.deepEqual(problems({ ...gnu, needed: ['libc.so.6'], maxGlibc: '2.28' }, 'linux-x64-gnu', { maxGlibc: '2.17' }), [
    'needs GLIBC_2.28, above the floor 2.17',
  ])
})
