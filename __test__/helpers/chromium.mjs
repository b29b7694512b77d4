// Headless Chromium for the edge tests: finds the system browser (Debian's `chromium`; playwright-core never
// downloads one), launches it for one test (playwright gives it a fresh temporary profile) and closes it at
// teardown, and serves pages from node:http on 127.0.0.1.
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import { chromium } from 'playwright-core'

/** Where Chromium is looked for: CHROMIUM_PATH when set, else Debian's and Alpine's locations. */
export const chromiumCandidates = process.env.CHROMIUM_PATH
  ? [process.env.CHROMIUM_PATH]
  : ['/usr/bin/chromium', '/usr/bin/chromium-browser']

/** The first candidate that exists, or undefined. */
export const findChromium = () => chromiumCandidates.find((p) => existsSync(p))

/** Why the Chromium tests cannot run, and how to fix it. */
export const missingChromium = () =>
  `Chromium not found (${chromiumCandidates.join(', ')}); install it with \`sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium\` (Debian/Ubuntu) or set CHROMIUM_PATH`

/** A page of a headless browser, closed at teardown; `page.context().browser().version()` says which. */
export async function launchChromium(t, executablePath) {
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 30_000,
  })
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  page.setDefaultTimeout(30_000)
  return page
}

/**
 * A node:http server on 127.0.0.1 at a free port, closed at teardown. `routes` maps a path to
 * `{ type, body }`; `fallback(req, res)` handles everything else (default 404).
 */
export function serve(t, routes, fallback = (_req, res) => res.writeHead(404).end()) {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined
    if (!route) return fallback(req, res)
    res.writeHead(200, { 'content-type': route.type, 'cache-control': 'no-store' }).end(route.body)
  })
  t.teardown(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` }))
  })
}
