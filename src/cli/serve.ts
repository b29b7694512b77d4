// `wa-flows serve`: serves a Flows data endpoint and the messages webhook over node:http from one handler module,
// with sessions in memory or Redis, optionally on N cluster workers.
import { AsyncLocalStorage } from 'node:async_hooks'
import cluster, { type Worker } from 'node:cluster'
import { readFile, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import type { FlowEndpoint, FlowEndpointOptions, FlowLogger } from '../endpoint/types.js'
import type { FlowJson } from '../flow-json/schema.js'
import type { FlowSessions } from '../sessions/types.js'
import { CliError, env, intOption, out, parseOptions, reasonOf, required, UsageError, whenStdoutCloses } from './common.js'
import { loadHandlerModule } from './handler-module.js'
import { loadServeKey } from './private-key.js'
import { primaryMetrics, processMetrics, type ProcessMetrics } from './serve-metrics.js'
import { ENV, readEnvList } from '../util/env.js'

export const help = `Usage: wa-flows serve --handler <module> [options]

Serves a WhatsApp Flows data endpoint and the messages webhook. The handler
module's default export is
  (endpoint, webhook) => void | Promise<void>
and registers the flow's handlers (endpoint.on('INIT', ...), ...) and the
webhook's (webhook.on('flow.completion', ...), ...). Health checks (ping) and
error notifications are answered automatically; handlers share ctx.session.

Options:
  --handler <module>   module registering the handlers (required): .mjs/.js, or
                       TypeScript (.ts/.mts) through tsx installed in your project,
                       or Node's type stripping (Node 22.18+)
  --key <file>         PEM or DER private key file (default: WA_FLOWS_PRIVATE_KEY or
                       WA_FLOWS_PRIVATE_KEY_FILE when set, else private.pem)
  --host <host>        interface to listen on (default: 127.0.0.1)
  --port <port>        port, 0 for a free one (default: 3000)
  --path <path>        URL path of the endpoint (default: /)
  --webhook-path <p>   URL path of the messages webhook (default: /webhook)
  --sessions <s>       memory (default: this process only) or redis://host:port[/db]
                       (shared by every worker and instance, kept across restarts)
  --require-session    answer 427 to requests whose flow token has no session
  --flow <file.json>   the flow's Flow JSON: validated at start (errors stop it), and
                       every handler result checked against its screens, data and
                       routing model (a result that would break the user's screen
                       answers 500 and is logged with screen and field)
  --flow-check <mode>  reject (default with --flow) | log (send anyway, log a warning)
  --workers <n>        run n worker processes with node:cluster (default: 1)
  --headers-timeout <ms>     time a client has to send its headers (default: 10000)
  --request-timeout <ms>     time a client has to send the whole request (default: 15000)
  --keep-alive-timeout <ms>  idle time before a keep-alive connection closes (default: 65000)
  --max-connections <n>      connections served at once, more are refused (default: unlimited)
  --metrics-path <path>      serve Prometheus counters there (GET): requests by status,
                             decrypt failures, deadline misses, answer-time histogram,
                             webhook deliveries (default: off; with --workers, all workers')
  --metrics-log              print one summary line per interval: requests, error %, p90,
                             flagged when over Meta's alert thresholds (5 % errors, p90 1 s)
  --metrics-interval <s>     seconds between summary lines (default: 60)
  -h, --help           show this help

Environment (secrets are never accepted as arguments):
  WA_FLOWS_PRIVATE_KEY              the private key's PEM text (instead of a file)
  WA_FLOWS_PRIVATE_KEY_FILE         the private key file (what --key gives)
  WA_FLOWS_PRIVATE_KEY_PASSPHRASE   opens an encrypted private key
  WA_FLOWS_APP_SECRET               Meta app secret(s) checking X-Hub-Signature-256 and
                                    flow_token_signature; comma-separated during rotation.
                                    Unset: the endpoint does not check signatures and the
                                    webhook is not served (it never accepts unsigned posts).
  WA_FLOWS_VERIFY_TOKEN             the webhook's verify token (GET hub.verify_token)
  WA_FLOWS_BACKEND                  native | webcrypto (default: native when available)

Prints the listening URL, then one line per request: method, action, screen,
status, time (no request data is ever logged; webhook requests show "webhook").
SIGTERM / SIGINT stop accepting connections, finish in-flight requests and exit 0.
`

interface ServeConfig {
  handler: string
  key: string | undefined
  host: string
  port: number
  path: string
  webhookPath: string
  sessions: string
  requireSession: boolean
  flow: string | undefined
  flowCheck: 'reject' | 'log' | undefined
  workers: number
  headersTimeout: number
  requestTimeout: number
  keepAliveTimeout: number
  maxConnections: number | undefined
  metricsPath: string | undefined
  metricsInterval: number | undefined
}

function parseConfig(argv: string[]): ServeConfig {
  const o = parseOptions(argv, {
    handler: { type: 'string' },
    key: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    path: { type: 'string' },
    'webhook-path': { type: 'string' },
    sessions: { type: 'string' },
    'require-session': { type: 'boolean' },
    flow: { type: 'string' },
    'flow-check': { type: 'string' },
    workers: { type: 'string' },
    'headers-timeout': { type: 'string' },
    'request-timeout': { type: 'string' },
    'keep-alive-timeout': { type: 'string' },
    'max-connections': { type: 'string' },
    'metrics-path': { type: 'string' },
    'metrics-log': { type: 'boolean' },
    'metrics-interval': { type: 'string' },
  })
  const path = o.path ?? '/'
  if (!path.startsWith('/')) throw new UsageError(`--path must start with "/", got "${path}"`)
  const webhookPath = o['webhook-path'] ?? '/webhook'
  if (!webhookPath.startsWith('/')) throw new UsageError(`--webhook-path must start with "/", got "${webhookPath}"`)
  if (webhookPath === path) throw new UsageError('--webhook-path and --path must differ')
  const sessions = o.sessions ?? 'memory'
  if (sessions !== 'memory' && !/^rediss?:\/\/[^\s]+$/.test(sessions))
    throw new UsageError(`--sessions must be memory or a redis:// URL, got "${sessions}"`)
  const flowCheck = o['flow-check']
  if (flowCheck !== undefined && o.flow === undefined) throw new UsageError('--flow-check goes with --flow')
  if (flowCheck !== undefined && flowCheck !== 'reject' && flowCheck !== 'log')
    throw new UsageError(`--flow-check must be reject or log, got "${flowCheck}"`)
  const metricsPath = o['metrics-path']
  if (metricsPath !== undefined && (!metricsPath.startsWith('/') || metricsPath === path || metricsPath === webhookPath)) {
    throw new UsageError('--metrics-path must start with "/" and differ from --path and --webhook-path')
  }
  if (o['metrics-interval'] !== undefined && o['metrics-log'] !== true) throw new UsageError('--metrics-interval goes with --metrics-log')
  const metricsInterval = o['metrics-log'] === true ? intOption(o['metrics-interval'], 'metrics-interval', 60, 1, 3600) : undefined
  const headersTimeout = intOption(o['headers-timeout'], 'headers-timeout', 10_000, 100, 600_000)
  const requestTimeout = intOption(o['request-timeout'], 'request-timeout', 15_000, 100, 600_000)
  if (headersTimeout > requestTimeout) throw new UsageError('--headers-timeout must not exceed --request-timeout')
  return {
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: intOption(o['keep-alive-timeout'], 'keep-alive-timeout', 65_000, 100, 600_000),
    maxConnections: o['max-connections'] === undefined ? undefined : intOption(o['max-connections'], 'max-connections', 0, 1, 1_000_000),
    handler: required(o.handler, 'handler'),
    key: o.key,
    host: o.host ?? '127.0.0.1',
    port: intOption(o.port, 'port', 3000, 0, 65535),
    path,
    webhookPath,
    sessions,
    requireSession: o['require-session'] === true,
    flow: o.flow,
    flowCheck: flowCheck as ServeConfig['flowCheck'],
    workers: intOption(o.workers, 'workers', 1, 1, 64),
    metricsPath,
    metricsInterval,
  }
}

/** What the request log line knows about the request being handled (filled in by the wrapped handlers). */
interface RequestInfo {
  action?: string
  screen?: string
}

const requestInfo = new AsyncLocalStorage<RequestInfo>()

type AnyHandler = (request: { action?: string; screen?: string }, ctx: unknown) => unknown

function note(request: { action?: string; screen?: string } | undefined): void {
  const info = requestInfo.getStore()
  if (!info || !request) return
  if (typeof request.action === 'string') info.action = request.action
  if (typeof request.screen === 'string' && request.screen !== '') info.screen = request.screen
}

/**
 * The endpoint as the handler module sees it: registrations are wrapped so the request log can name the action
 * and screen (the endpoint itself only reports non-sensitive log messages, not per-request facts).
 */
function instrument(endpoint: FlowEndpoint): FlowEndpoint {
  const proxy: FlowEndpoint = new Proxy(endpoint, {
    get(target, prop, receiver) {
      if (prop === 'on') {
        return (...args: unknown[]) => {
          const last = args.length - 1
          const handler = args[last]
          if (typeof handler === 'function') {
            args[last] = function (this: unknown, request: Parameters<AnyHandler>[0], ctx: unknown) {
              note(request)
              return (handler as AnyHandler).call(this, request, ctx)
            }
          }
          ;(target.on as (...a: unknown[]) => unknown).apply(target, args)
          return proxy
        }
      }
      if (prop === 'onErrorNotification') {
        return (handler: AnyHandler) => {
          target.onErrorNotification(function (this: unknown, notification, ctx) {
            note(notification)
            const info = requestInfo.getStore()
            if (info) info.action = `${notification.action}:error`
            return handler.call(this, notification, ctx) as undefined
          })
          return proxy
        }
      }
      const value = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return proxy
}

const stderrLogger = (prefix: string): FlowLogger => {
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    // The endpoint names the action/screen (never data) in its messages: use them for the request log line too.
    note(fields as { action?: string; screen?: string } | undefined)
    process.stderr.write(`${prefix}${level}: ${message}${fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : ''}\n`)
  }
  return { info: line('info'), warn: line('warn'), error: line('error') }
}

function urlOf(address: AddressInfo, host: string, path: string): string {
  const h = address.family === 'IPv6' || host.includes(':') ? `[${address.address}]` : host
  return `http://${h}:${address.port}${path}`
}

/** The sessions of --sessions; a Redis store is checked (one GET) so a wrong URL stops the start. */
async function openSessions(config: ServeConfig): Promise<FlowSessions<unknown>> {
  const { createFlowSessions, createRedisStore } = await import('../index.js')
  if (config.sessions === 'memory') return createFlowSessions()
  const sessions = createFlowSessions({ store: createRedisStore({ url: config.sessions }) })
  try {
    await sessions.store.get('start-check')
  } catch (e) {
    await sessions.close().catch(() => undefined)
    throw new CliError(`cannot use --sessions: ${reasonOf(e)}`)
  }
  return sessions
}

interface Served {
  server: Server
  sessions: FlowSessions<unknown>
  metrics: ProcessMetrics | undefined
}

/** Reads and parses the Flow JSON file given with --flow (validation happens in createFlowEndpoint). */
async function loadFlowJson(path: string): Promise<FlowJson> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    throw new CliError(`cannot read Flow JSON ${path}: ${reasonOf(e)}`)
  }
  try {
    return JSON.parse(text) as FlowJson
  } catch (e) {
    throw new CliError(`${path} is not JSON: ${reasonOf(e)}`)
  }
}

/** Builds the endpoint, the webhook and the HTTP server (not yet listening). */
async function buildServer(config: ServeConfig, logPrefix: string, worker?: Worker): Promise<Served> {
  const key = await loadServeKey(config.key)
  const register = await loadHandlerModule(config.handler)
  const { createFlowEndpoint, createWebhook } = await import('../index.js')
  const secrets = readEnvList(ENV.appSecret)
  const logger = stderrLogger(logPrefix)
  const sessions = await openSessions(config)
  const metrics = processMetrics(config, worker, logPrefix)
  const flow = config.flow === undefined ? undefined : await loadFlowJson(config.flow)
  const options: FlowEndpointOptions = {
    privateKey: key,
    logger,
    sessions,
    ...(flow ? { flow, ...(config.flowCheck ? { flowCheck: config.flowCheck } : {}) } : {}),
    ...(metrics ? { metrics: metrics.metrics } : {}),
    ...(config.requireSession ? { requireSession: true } : {}),
    ...(secrets ? { appSecret: secrets } : {}),
  }
  let endpoint: FlowEndpoint
  try {
    endpoint = createFlowEndpoint(options)
  } catch (e) {
    await sessions.close().catch(() => undefined)
    const findings = (e as { findings?: readonly { severity: string; pointer: string; rule: string; message: string }[] }).findings
    const first = findings?.find((f) => f.severity === 'error')
    if (!first) throw e
    const more = findings!.filter((f) => f.severity === 'error').length - 1
    throw new CliError(
      `${config.flow}${first.pointer || '/'}: ${first.message} [${first.rule}]${more > 0 ? ` (and ${more} more: wa-flows validate ${config.flow})` : ''}`,
    )
  }
  const verifyToken = env('WA_FLOWS_VERIFY_TOKEN')
  // Without the app secret nothing the webhook receives can be trusted: it is built (the module registers on it)
  // with a secret nobody has, and not served.
  const webhook = createWebhook({ appSecret: secrets ?? crypto.randomUUID(), logger, sessions, ...(verifyToken ? { verifyToken } : {}) })
  if (!secrets) logger.warn(`WA_FLOWS_APP_SECRET is not set: the webhook (${config.webhookPath}) is not served`)
  else if (!verifyToken) logger.warn('WA_FLOWS_VERIFY_TOKEN is not set: webhook verification (GET) answers 403')
  try {
    await register(instrument(endpoint), webhook)
  } catch (e) {
    await sessions.close().catch(() => undefined)
    throw new CliError(`handler module ${config.handler} failed while registering handlers: ${reasonOf(e)}`)
  }
  const listener = endpoint.nodeHandler()
  const webhookListener = secrets ? webhook.nodeHandler() : undefined

  // Slow clients are cut: headers within headersTimeout, the whole request within requestTimeout (WhatsApp
  // waits 10 s for an answer anyway), checked every second rather than Node's default 30 s.
  const serverOptions = {
    headersTimeout: config.headersTimeout,
    requestTimeout: config.requestTimeout,
    keepAliveTimeout: config.keepAliveTimeout,
    connectionsCheckingInterval: Math.min(1000, config.headersTimeout),
  }
  const server = createServer(serverOptions, (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint()
    const info: RequestInfo = {}
    let handled = false
    res.once('close', () => {
      if (info.action === 'metrics') return // scrapes are not requests to the flow
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      const status = res.writableFinished ? String(res.statusCode) : 'aborted'
      // A decrypted 200 that reached no handler and logged nothing is the automatic health-check answer.
      const action = info.action ?? (handled && res.statusCode === 200 ? 'ping' : '-')
      out(`${logPrefix}${new Date().toISOString()} ${req.method} ${action} ${info.screen ?? '-'} ${status} ${ms.toFixed(1)}ms`)
    })
    const pathname = (req.url ?? '/').split('?', 1)[0]
    if (metrics?.serve(req, res)) {
      info.action = 'metrics'
      return
    }
    if (pathname === config.webhookPath && webhookListener) {
      info.action = 'webhook'
      if (req.method === 'GET') info.screen = 'verify'
      else if (metrics) res.once('finish', () => metrics.metrics.recordWebhook(res.statusCode))
      webhookListener(req, res)
      return
    }
    if (pathname !== config.path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found')
      return
    }
    handled = true
    requestInfo.run(info, () => listener(req, res))
  })
  if (config.maxConnections !== undefined) server.maxConnections = config.maxConnections
  return { server, sessions, metrics }
}

/** Closes the server gracefully: no new connections, in-flight requests finish, idle keep-alive sockets close. */
function shutdown(server: Server, graceMs = 15_000): Promise<void> {
  return new Promise((done) => {
    // Responses finishing after close() leave keep-alive sockets idle: close them as they go idle.
    const sweep = setInterval(() => server.closeIdleConnections(), 50)
    const force = setTimeout(() => server.closeAllConnections(), graceMs)
    sweep.unref()
    force.unref()
    server.close(() => {
      clearInterval(sweep)
      clearTimeout(force)
      done()
    })
    server.closeIdleConnections()
  })
}

function listen(server: Server, config: ServeConfig): Promise<AddressInfo> {
  return new Promise((ok, fail) => {
    server.once('error', (e) => fail(new CliError(`cannot listen on ${config.host}:${config.port}: ${reasonOf(e)}`)))
    server.listen(config.port, config.host, () => ok(server.address() as AddressInfo))
  })
}

/** One serving process (the only one, or a cluster worker). Resolves with the exit code after a signal. */
async function serveOne(config: ServeConfig, worker?: Worker): Promise<number> {
  const prefix = worker ? `[worker ${worker.id}] ` : ''
  const { server, sessions, metrics } = await buildServer(config, prefix, worker)
  let address: AddressInfo
  try {
    address = await listen(server, config)
  } catch (e) {
    await sessions.close().catch(() => undefined)
    throw e
  }
  if (worker) process.send?.({ type: 'wa-flows:ready', address })
  else out(`Listening on ${urlOf(address, config.host, config.path)}`)

  return new Promise((done) => {
    let stopping = false
    const stop = () => {
      if (stopping) return
      stopping = true
      metrics?.stop()
      void shutdown(server)
        .then(() => sessions.close().catch(() => undefined))
        .then(() => {
          // A worker's IPC channel would keep it alive: leave explicitly once the last response is out.
          if (worker) process.exit(0)
          done(0)
        })
    }
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
    if (worker) process.once('disconnect', stop)
    // Stdout is the request log: when its reader goes away (`wa-flows serve | head`), stop as on SIGTERM.
    else whenStdoutCloses(stop)
  })
}

/** The cluster primary: forks workers, prints the URL once all listen, forwards signals, restarts crashed workers. */
async function primary(config: ServeConfig): Promise<number> {
  // Fail fast on configuration errors here rather than in every worker.
  await loadServeKey(config.key)
  try {
    await stat(resolve(config.handler))
  } catch {
    throw new CliError(`handler module ${config.handler} not found`)
  }
  const stopMetrics = primaryMetrics(config)
  const ready = new Set<number>()
  let stopping = false
  let announced = false
  const restarts: number[] = []

  return new Promise((done, fail) => {
    let exitCode = 0
    let startFailure: string | undefined
    const live = new Set<number>()
    const fork = () => {
      const w = cluster.fork()
      live.add(w.id)
      w.on('message', (m: { type?: string; address?: AddressInfo; reason?: string }) => {
        if (m?.type === 'wa-flows:failed') startFailure ??= m.reason ?? 'a worker failed to start'
        if (m?.type !== 'wa-flows:ready' || !m.address) return
        ready.add(w.id)
        if (!announced && ready.size === config.workers) {
          announced = true
          out(`Listening on ${urlOf(m.address, config.host, config.path)} (${config.workers} workers)`)
          if (config.sessions === 'memory') {
            process.stderr.write(
              'wa-flows: warning: with --sessions memory each worker keeps its own sessions; use --sessions redis://… to share them\n',
            )
          }
        }
      })
    }
    const stopAll = (signal: NodeJS.Signals) => {
      if (stopping) return
      stopping = true
      for (const w of Object.values(cluster.workers ?? {})) if (w && live.has(w.id)) w.process.kill(signal)
    }
    cluster.on('exit', (w, code, signal) => {
      live.delete(w.id)
      const wasReady = ready.delete(w.id)
      const clean = code === 0 && !signal
      if (!stopping) {
        if (!wasReady) {
          startFailure ??= `worker ${w.id} exited (${code ?? signal}) before listening`
          exitCode = code || 1
          stopAll('SIGTERM')
        } else if (!clean) {
          const now = Date.now()
          while (restarts.length && now - restarts[0]! > 60_000) restarts.shift()
          if (restarts.length >= 5) {
            process.stderr.write(`wa-flows: worker ${w.id} exited (${code ?? signal}); too many restarts, stopping\n`)
            exitCode = 1
            stopAll('SIGTERM')
          } else {
            restarts.push(now)
            process.stderr.write(`wa-flows: worker ${w.id} exited (${code ?? signal}); starting a new one\n`)
            fork()
          }
        }
      } else if (!clean && exitCode === 0) {
        exitCode = code || 1
      }
      if (live.size > 0) return
      stopMetrics()
      if (startFailure) fail(new CliError(startFailure, exitCode || 1))
      else done(exitCode)
    })
    process.on('SIGTERM', () => stopAll('SIGTERM'))
    process.on('SIGINT', () => stopAll('SIGTERM'))
    for (let i = 0; i < config.workers; i++) fork()
  })
}

/** A cluster worker: a start-up failure goes to the primary (which reports it once) instead of stderr. */
async function worker(config: ServeConfig, self: Worker): Promise<number> {
  try {
    return await serveOne(config, self)
  } catch (e) {
    if (process.env.WA_FLOWS_DEBUG === '1' && e instanceof Error && e.stack) process.stderr.write(`[worker ${self.id}] ${e.stack}\n`)
    await new Promise<void>(
      (sent) => process.send?.({ type: 'wa-flows:failed', reason: reasonOf(e) }, undefined, {}, () => sent()) ?? sent(),
    )
    process.exit(e instanceof CliError ? e.exitCode : 1)
  }
}

export async function run(argv: string[]): Promise<number> {
  const config = parseConfig(argv)
  if (cluster.isWorker) return worker(config, cluster.worker!)
  if (config.workers > 1) return primary(config)
  return serveOne(config)
}
