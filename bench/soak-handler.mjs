// Handler module for `npm run soak` (bench/soak.mjs): echoes each request's nonce so every answer can be checked,
// and answers a `stats` INIT with this process's RSS and the event loop's p99 delay since the last stats request.
import { monitorEventLoopDelay } from 'node:perf_hooks'

const loop = monitorEventLoopDelay({ resolution: 5 })
loop.enable()

export default (endpoint) => {
  endpoint.on('INIT', (request) => {
    if (request.data?.stats) {
      const stats = { rss: process.memoryUsage().rss, loopP99Ms: loop.percentile(99) / 1e6 }
      loop.reset()
      return { screen: 'STATS', data: stats }
    }
    return { screen: 'ECHO', data: { nonce: request.data?.nonce ?? null } }
  })
  endpoint.on('data_exchange', 'FORM', (request, ctx) => ({ screen: 'NEXT', data: { nonce: request.data.nonce, token: ctx.flowToken } }))
}
