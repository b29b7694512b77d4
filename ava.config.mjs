// ava 7 configuration: the suite runs against dist/ (built by `npm test` first), in child processes so the
// native addon and environment variables stay isolated per file.
export default {
  files: ['__test__/**/*.test.mjs'],
  workerThreads: false,
  concurrency: 2,
  timeout: '3m',
}
