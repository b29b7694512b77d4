// `wa-flows serve --metrics-path /metrics --metrics-log`: the endpoint's counters (src/metrics) served as Prometheus
// text and summarised in one line per interval. With --workers, the primary aggregates: a scrape reaching any worker
// asks the primary, which collects every worker's counters over IPC and merges them; the summary line is printed by
// the primary alone.
import cluster, { type Worker } from 'node:cluster'
import type { IncomingMessage, ServerResponse } from 'node:http'

import {
  createFlowMetrics,
  mergeSnapshots,
  PROMETHEUS_CONTENT_TYPE,
  renderPrometheus,
  summaryLine,
  type FlowMetrics,
  type FlowMetricsSnapshot,
} from '../metrics/metrics.js'
import { out } from './common.js'

export interface MetricsConfig {
  /** The path serving Prometheus text; undefined: not served. */
  metricsPath: string | undefined
  /** Seconds between summary lines; undefined: no summary. */
  metricsInterval: number | undefined
}

/** How long the primary waits for the workers' counters before answering with those it has. */
const COLLECT_TIMEOUT_MS = 2_000

type Message =
  | { type: 'wa-flows:metrics-request'; id: number }
  | { type: 'wa-flows:metrics-collect'; id: number; window: boolean }
  | { type: 'wa-flows:metrics-snapshot'; id: number; snapshot: FlowMetricsSnapshot }
  | { type: 'wa-flows:metrics-result'; id: number; snapshot: FlowMetricsSnapshot }

const isMessage = (m: unknown): m is Message =>
  typeof (m as { type?: unknown } | null)?.type === 'string' && (m as { type: string }).type.startsWith('wa-flows:metrics-')

export interface ProcessMetrics {
  metrics: FlowMetrics
  /** Serves the metrics path; false when the request is for another path. */
  serve(req: IncomingMessage, res: ServerResponse): boolean
  /** Stops the summary timer and the IPC listener. */
  stop(): void
}

function answer(res: ServerResponse, snapshot: FlowMetricsSnapshot): void {
  res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' }).end(renderPrometheus(snapshot))
}

/** The counters of one serving process (the only one, or a cluster worker), or undefined when metrics are off. */
export function processMetrics(config: MetricsConfig, worker: Worker | undefined, logPrefix: string): ProcessMetrics | undefined {
  if (config.metricsPath === undefined && config.metricsInterval === undefined) return undefined
  const metrics = createFlowMetrics()
  const pending = new Map<number, ServerResponse>()
  let nextId = 1
  let timer: ReturnType<typeof setInterval> | undefined
  if (!worker && config.metricsInterval !== undefined) {
    const seconds = config.metricsInterval
    timer = setInterval(() => out(`${logPrefix}${new Date().toISOString()} ${summaryLine(metrics.takeWindow(), seconds)}`), seconds * 1000)
    timer.unref()
  }
  const onMessage = (m: unknown) => {
    if (!isMessage(m)) return
    if (m.type === 'wa-flows:metrics-collect') {
      process.send?.({
        type: 'wa-flows:metrics-snapshot',
        id: m.id,
        snapshot: m.window ? metrics.takeWindow() : metrics.snapshot(),
      } satisfies Message)
    } else if (m.type === 'wa-flows:metrics-result') {
      const res = pending.get(m.id)
      pending.delete(m.id)
      if (res && !res.writableEnded) answer(res, m.snapshot)
    }
  }
  if (worker) process.on('message', onMessage)
  return {
    metrics,
    serve(req, res) {
      if (config.metricsPath === undefined || (req.url ?? '/').split('?', 1)[0] !== config.metricsPath) return false
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('Method Not Allowed')
        return true
      }
      if (!worker) {
        answer(res, metrics.snapshot())
        return true
      }
      // Every worker's counters: the primary collects and merges them.
      const id = nextId++
      pending.set(id, res)
      res.once('close', () => pending.delete(id))
      process.send?.({ type: 'wa-flows:metrics-request', id } satisfies Message)
      return true
    },
    stop() {
      if (timer) clearInterval(timer)
      if (worker) process.off('message', onMessage)
      for (const res of pending.values()) if (!res.writableEnded) res.writeHead(503).end()
      pending.clear()
    },
  }
}

/**
 * The primary's side with --workers: answers scrapes with every live worker's counters merged, and prints the
 * summary line from the workers' windows. Returns a stop function.
 */
export function primaryMetrics(config: MetricsConfig): () => void {
  if (config.metricsPath === undefined && config.metricsInterval === undefined) return () => {}
  let nextId = 1
  const collecting = new Map<number, { waiting: Set<number>; snapshots: FlowMetricsSnapshot[]; done: (s: FlowMetricsSnapshot) => void }>()

  const collect = (window: boolean): Promise<FlowMetricsSnapshot> =>
    new Promise((done) => {
      const id = nextId++
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w?.isConnected()))
      const entry = { waiting: new Set(workers.map((w) => w.id)), snapshots: [] as FlowMetricsSnapshot[], done }
      collecting.set(id, entry)
      const finish = () => {
        if (!collecting.delete(id)) return
        clearTimeout(timeout)
        done(mergeSnapshots(entry.snapshots))
      }
      const timeout = setTimeout(finish, COLLECT_TIMEOUT_MS)
      timeout.unref()
      entry.done = finish
      if (entry.waiting.size === 0) return finish()
      for (const w of workers) w.send({ type: 'wa-flows:metrics-collect', id, window } satisfies Message)
    })

  const onMessage = (w: Worker, m: unknown) => {
    if (!isMessage(m)) return
    if (m.type === 'wa-flows:metrics-request') {
      void collect(false).then((snapshot) => {
        if (w.isConnected()) w.send({ type: 'wa-flows:metrics-result', id: m.id, snapshot } satisfies Message)
      })
    } else if (m.type === 'wa-flows:metrics-snapshot') {
      const entry = collecting.get(m.id)
      if (!entry) return
      entry.snapshots.push(m.snapshot)
      entry.waiting.delete(w.id)
      if (entry.waiting.size === 0) entry.done(mergeSnapshots(entry.snapshots))
    }
  }
  cluster.on('message', onMessage)
  let timer: ReturnType<typeof setInterval> | undefined
  if (config.metricsInterval !== undefined) {
    const seconds = config.metricsInterval
    timer = setInterval(() => {
      void collect(true).then((snapshot) => out(`${new Date().toISOString()} ${summaryLine(snapshot, seconds)}`))
    }, seconds * 1000)
    timer.unref()
  }
  return () => {
    if (timer) clearInterval(timer)
    cluster.off('message', onMessage)
  }
}
