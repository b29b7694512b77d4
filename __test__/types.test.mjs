// Type-level tests: the typed-flow example and adapter typings compile (and the marked mistakes do not).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import test from 'ava'

test('tsc --noEmit over examples/typed-flow.ts and __test__/types/*.ts exits 0', (t) => {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url))
  const r = spawnSync(process.execPath, [tsc, '-p', '__test__/types/tsconfig.json', '--noEmit'], { cwd: root, encoding: 'utf8' })
  t.is(r.status, 0, r.stdout + r.stderr)
})
