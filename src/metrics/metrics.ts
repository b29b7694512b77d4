// Health counters of a data endpoint, in the terms of Meta's health alerts (error rate, p90 latency): requests by
// HTTP status, decryption failures (421), deadline misses, an answer-time histogram and webhook deliveries by status;
// as Prometheus text, and as a one-line summary per interval that flags Meta's thresholds (5 % errors, p90 1 s).
// No node: import: works on every runtime; `wa-flows serve --metrics-path` serves it.

/** Upper bounds (seconds) of the answer-time histogram: fine below Meta's 1 s p90 threshold, up to WhatsApp's 10 s. */
export const HANDLER_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** Meta's health alert thresholds: `ENDPOINT_ERROR_RATE` at 5 %, `ENDPOINT_LATENCY` at a p90 of 1 s. */
export const META_THRESHOLDS = { errorRate: 0.05, p90Seconds: 1 } as const

/** Counts since start (or over one window): plain JSON, so snapshots of several processes can be merged. */
export interface FlowMetricsSnapshot {
  /** Answered data-endpoint requests by HTTP status ("200", "421", …). */
  requests: Record<string, number>
  /** Requests that could not be decrypted (answered 421). */
  decryptFailures: number
  /** Handlers (or error-notification hooks) that missed the endpoint's deadline. */
  deadlineMisses: number
  /** Time from receiving a request to its answer (decrypt, handler, encrypt), in seconds. */
  handlerSeconds: {
    /** Non-cumulative counts per bucket of HANDLER_BUCKETS, plus one last for slower answers. */
    counts: number[]
    sum: number
    count: number
  }
  /** Messages-webhook deliveries by HTTP status. */
  webhook: Record<string, number>
}

export interface FlowMetrics {
  /** One answered data-endpoint request: its status and how long it took (seconds). */
  recordRequest(status: number, seconds: number): void
  /** A handler or error-notification hook missed the deadline. */
  recordDeadlineMiss(): void
  /** One messages-webhook delivery and the status it was answered with. */
  recordWebhook(status: number): void
  /** Totals since the metrics were created. */
  snapshot(): FlowMetricsSnapshot
  /** Counts since the previous `takeWindow()` (or creation); starts the next window. */
  takeWindow(): FlowMetricsSnapshot
  /** The totals in Prometheus text exposition format (version 0.0.4). */
  prometheus(): string
}

/** The content type of `prometheus()`'s text. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export function emptySnapshot(): FlowMetricsSnapshot {
  return {
    requests: {},
    decryptFailures: 0,
    deadlineMisses: 0,
    handlerSeconds: { counts: new Array(HANDLER_BUCKETS.length + 1).fill(0), sum: 0, count: 0 },
    webhook: {},
  }
}

function bucketIndex(seconds: number): number {
  const i = HANDLER_BUCKETS.findIndex((le) => seconds <= le)
  return i === -1 ? HANDLER_BUCKETS.length : i
}

function validStatus(status: unknown): string {
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599)
    throw new TypeError('status must be an HTTP status code')
  return String(status)
}

function add(into: FlowMetricsSnapshot, status: string, seconds: number): void {
  into.requests[status] = (into.requests[status] ?? 0) + 1
  if (status === '421') into.decryptFailures++
  const h = into.handlerSeconds
  h.counts[bucketIndex(seconds)]!++
  h.sum += seconds
  h.count++
}

/** Creates an empty set of counters (one per endpoint or process). */
export function createFlowMetrics(): FlowMetrics {
  const total = emptySnapshot()
  let window = emptySnapshot()
  const copy = (s: FlowMetricsSnapshot) => mergeSnapshots([s])
  return {
    recordRequest(status, seconds) {
      const key = validStatus(status)
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0)
        throw new TypeError('seconds must be a finite non-negative number')
      add(total, key, seconds)
      add(window, key, seconds)
    },
    recordDeadlineMiss() {
      total.deadlineMisses++
      window.deadlineMisses++
    },
    recordWebhook(status) {
      const key = validStatus(status)
      total.webhook[key] = (total.webhook[key] ?? 0) + 1
      window.webhook[key] = (window.webhook[key] ?? 0) + 1
    },
    snapshot: () => copy(total),
    takeWindow() {
      const done = window
      window = emptySnapshot()
      return done
    },
    prometheus: () => renderPrometheus(total),
  }
}

/** Adds snapshots together (e.g. one per cluster worker). */
export function mergeSnapshots(list: readonly FlowMetricsSnapshot[]): FlowMetricsSnapshot {
  const out = emptySnapshot()
  for (const s of list) {
    for (const [k, v] of Object.entries(s.requests)) out.requests[k] = (out.requests[k] ?? 0) + v
    for (const [k, v] of Object.entries(s.webhook)) out.webhook[k] = (out.webhook[k] ?? 0) + v
    out.decryptFailures += s.decryptFailures
    out.deadlineMisses += s.deadlineMisses
    s.handlerSeconds.counts.forEach((c, i) => {
      if (i < out.handlerSeconds.counts.length) out.handlerSeconds.counts[i]! += c
    })
    out.handlerSeconds.sum += s.handlerSeconds.sum
    out.handlerSeconds.count += s.handlerSeconds.count
  }
  return out
}

/**
 * The q-quantile (0 < q < 1) of the answer times, interpolated linearly inside its bucket as Prometheus'
 * `histogram_quantile` does; undefined without requests. Answers slower than 10 s count as 10 s.
 */
export function quantile(snapshot: FlowMetricsSnapshot, q: number): number | undefined {
  const { counts, count } = snapshot.handlerSeconds
  if (count === 0) return undefined
  const rank = q * count
  let seen = 0
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!
    if (c > 0 && seen + c >= rank) {
      if (i >= HANDLER_BUCKETS.length) return HANDLER_BUCKETS[HANDLER_BUCKETS.length - 1]!
      const lower = i === 0 ? 0 : HANDLER_BUCKETS[i - 1]!
      const upper = HANDLER_BUCKETS[i]!
      return lower + (upper - lower) * ((rank - seen) / c)
    }
    seen += c
  }
  return HANDLER_BUCKETS[HANDLER_BUCKETS.length - 1]
}

export interface FlowMetricsSummary {
  requests: number
  /** Answers other than 200. */
  errors: number
  /** errors / requests (0 without requests). */
  errorRate: number
  /** Undefined without requests. */
  p90Seconds: number | undefined
  deadlineMisses: number
  decryptFailures: number
  /** Which of Meta's thresholds the window is over: `error-rate`, `p90`. */
  over: Array<'error-rate' | 'p90'>
}

/** The numbers Meta's health alerts are about, for one snapshot (a window, usually). */
export function summarize(snapshot: FlowMetricsSnapshot): FlowMetricsSummary {
  const requests = Object.values(snapshot.requests).reduce((a, b) => a + b, 0)
  const errors = requests - (snapshot.requests['200'] ?? 0)
  const errorRate = requests === 0 ? 0 : errors / requests
  const p90Seconds = quantile(snapshot, 0.9)
  const over: FlowMetricsSummary['over'] = []
  if (requests > 0 && errorRate >= META_THRESHOLDS.errorRate) over.push('error-rate')
  if (p90Seconds !== undefined && p90Seconds >= META_THRESHOLDS.p90Seconds) over.push('p90')
  return {
    requests,
    errors,
    errorRate,
    p90Seconds,
    deadlineMisses: snapshot.deadlineMisses,
    decryptFailures: snapshot.decryptFailures,
    over,
  }
}

/**
 * One line for a window, e.g. `metrics 60s: 412 requests, 3 errors (0.7 %), p90 0.042 s, 0 deadline misses` and,
 * when over Meta's thresholds, `— OVER META'S ALERT THRESHOLDS: error rate ≥ 5 %, p90 ≥ 1 s`.
 */
export function summaryLine(snapshot: FlowMetricsSnapshot, windowSeconds: number): string {
  const s = summarize(snapshot)
  const p90 = s.p90Seconds === undefined ? '-' : `${s.p90Seconds.toFixed(3)} s`
  const webhook = Object.values(snapshot.webhook).reduce((a, b) => a + b, 0)
  let line = `metrics ${Math.round(windowSeconds)}s: ${s.requests} requests, ${s.errors} errors (${(s.errorRate * 100).toFixed(1)} %), p90 ${p90}, ${s.deadlineMisses} deadline misses, ${s.decryptFailures} decrypt failures, ${webhook} webhook deliveries`
  if (s.over.length > 0) {
    const why = s.over.map((o) => (o === 'error-rate' ? 'error rate ≥ 5 %' : 'p90 ≥ 1 s'))
    line += ` — OVER META'S ALERT THRESHOLDS: ${why.join(', ')}`
  }
  return line
}

function counterLines(name: string, help: string, label: string, values: Record<string, number>): string[] {
  const keys = Object.keys(values).sort()
  return [`# HELP ${name} ${help}`, `# TYPE ${name} counter`, ...keys.map((k) => `${name}{${label}="${k}"} ${values[k]}`)]
}

function number(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(12)))
}

/** Prometheus text exposition (0.0.4) of a snapshot. */
export function renderPrometheus(s: FlowMetricsSnapshot): string {
  const lines = [
    ...counterLines('wa_flows_requests_total', 'Data endpoint requests answered, by HTTP status.', 'status', s.requests),
    '# HELP wa_flows_decrypt_failures_total Requests that could not be decrypted (answered 421: another key, or tampered).',
    '# TYPE wa_flows_decrypt_failures_total counter',
    `wa_flows_decrypt_failures_total ${s.decryptFailures}`,
    '# HELP wa_flows_deadline_misses_total Handlers that missed the endpoint deadline (answered 504, or onTimeout).',
    '# TYPE wa_flows_deadline_misses_total counter',
    `wa_flows_deadline_misses_total ${s.deadlineMisses}`,
    '# HELP wa_flows_handler_seconds Time from request to answer (decrypt, handler, encrypt).',
    '# TYPE wa_flows_handler_seconds histogram',
  ]
  let cumulative = 0
  HANDLER_BUCKETS.forEach((le, i) => {
    cumulative += s.handlerSeconds.counts[i] ?? 0
    lines.push(`wa_flows_handler_seconds_bucket{le="${number(le)}"} ${cumulative}`)
  })
  lines.push(`wa_flows_handler_seconds_bucket{le="+Inf"} ${s.handlerSeconds.count}`)
  lines.push(`wa_flows_handler_seconds_sum ${number(s.handlerSeconds.sum)}`)
  lines.push(`wa_flows_handler_seconds_count ${s.handlerSeconds.count}`)
  lines.push(
    ...counterLines('wa_flows_webhook_deliveries_total', 'Messages webhook deliveries answered, by HTTP status.', 'status', s.webhook),
  )
  return `${lines.join('\n')}\n`
}
