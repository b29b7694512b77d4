// The platform packages (npm/<suffix>/): one per Rust target, named and constrained the way napi-rs does it.
// The single list used by sync-platform-packages.mjs, pack-all.mjs, check-artifact.mjs and the tests.

/** @type {{ suffix: string, rust: string, os: string, cpu: string, libc?: 'glibc' | 'musl' }[]} */
export const targets = [
  { suffix: 'linux-x64-gnu', rust: 'x86_64-unknown-linux-gnu', os: 'linux', cpu: 'x64', libc: 'glibc' },
  { suffix: 'linux-x64-musl', rust: 'x86_64-unknown-linux-musl', os: 'linux', cpu: 'x64', libc: 'musl' },
  { suffix: 'linux-arm64-gnu', rust: 'aarch64-unknown-linux-gnu', os: 'linux', cpu: 'arm64', libc: 'glibc' },
  { suffix: 'linux-arm64-musl', rust: 'aarch64-unknown-linux-musl', os: 'linux', cpu: 'arm64', libc: 'musl' },
  { suffix: 'darwin-x64', rust: 'x86_64-apple-darwin', os: 'darwin', cpu: 'x64' },
  { suffix: 'darwin-arm64', rust: 'aarch64-apple-darwin', os: 'darwin', cpu: 'arm64' },
  { suffix: 'win32-x64-msvc', rust: 'x86_64-pc-windows-msvc', os: 'win32', cpu: 'x64' },
]

/** The addon's file name for a target, as the loader looks for it. */
export const binaryName = (suffix) => `whatsapp-flows.${suffix}.node`

/** The platform package's npm name. */
export const packageName = (suffix) => `whatsapp-flows-${suffix}`
