// A short run of the soak harness (bench/soak.mjs, `npm run soak` runs 100,000): signed requests through a real
// `wa-flows serve`, every answer decrypted and checked. Asserts correctness only; timing and memory figures are for
// the full run (README, "Security notes").
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import test from 'ava'

test('soak: 2,000 signed requests through wa-flows serve, every answer decrypted and matching, no errors', async (t) => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['bench/soak.mjs', '--requests', '2000', '--concurrency', '16', '--json'],
    { timeout: 120_000 },
  ).catch((e) => e)
  const summary = JSON.parse(stdout.trim().split('\n').at(-1))
  t.is(summary.requests, 2000)
  t.is(summary.errors, 0, JSON.stringify(summary.errorKinds))
  t.true(summary.requestsPerSecond > 0)
  for (const at of ['start', 'middle', 'end']) t.true(summary.rssMiB[at] > 0 && Number.isFinite(summary.loopP99Ms[at]))
})
