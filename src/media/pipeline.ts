// The decrypting core shared by every streaming form: coalesces small chunks for the native streaming state,
// or buffers the whole file for a one-shot backend (WebCrypto). Output is unverified until `end` resolves.
import type { CryptoBackend, MediaKeyBytes, MediaStreamMode, MediaStreamState } from '../backend/contract.js'
import { ByteSink } from '../util/bytes.js'

/** Incoming chunks are gathered to at least this many bytes before each native `update` (per-call overhead). */
export const COALESCE_BYTES = 1 << 20

export interface MediaPipeline {
  /** Feeds CDN-file bytes; resolves the plaintext that became available (NOT verified yet). */
  push(chunk: Uint8Array): Promise<Uint8Array[]>
  /** Runs every check; resolves the remaining plaintext, or rejects with `MediaIntegrityError`. */
  end(): Promise<Uint8Array[]>
  /** CDN-file bytes fed so far. */
  readonly bytesIn: number
}

const nonEmpty = (parts: Uint8Array[]): Uint8Array[] => parts.filter((p) => p.length > 0)

/**
 * Streams through the backend's `createMediaStream` when it has one (in `mode`: see MediaStreamMode), else buffers
 * and decrypts, verified, at the end (a one-shot backend always runs every check).
 */
export function createMediaPipeline(
  backend: CryptoBackend,
  keys: MediaKeyBytes,
  mode: MediaStreamMode = 'full',
  coalesce = COALESCE_BYTES,
): MediaPipeline {
  return bookkept(backend.createMediaStream ? streaming(backend.createMediaStream(keys, mode), coalesce) : buffered(backend, keys))
}

type PipelineCore = Omit<MediaPipeline, 'bytesIn'>

/** What every pipeline shares: the byte count, and refusing use after `end`. */
function bookkept(core: PipelineCore): MediaPipeline {
  let bytesIn = 0
  let ended = false
  const check = () => {
    if (ended) throw new Error('the media decryptor has already ended')
  }
  return {
    get bytesIn() {
      return bytesIn
    },
    async push(chunk) {
      check()
      bytesIn += chunk.length
      return core.push(chunk)
    },
    async end() {
      check()
      ended = true
      return core.end()
    },
  }
}

function streaming(state: MediaStreamState, coalesce: number): PipelineCore {
  let buf: Uint8Array | undefined
  let fill = 0
  // One coalescing buffer, reused: it is refilled only after the backend's update for it has resolved.
  const flushBuf = async (): Promise<Uint8Array[]> => {
    if (!buf || fill === 0) return []
    const full = fill === buf.length ? buf : buf.subarray(0, fill)
    fill = 0
    return [await state.update(full)]
  }
  return {
    async push(chunk) {
      if (chunk.length >= coalesce && fill === 0) return nonEmpty([await state.update(chunk)])
      const out: Uint8Array[] = []
      let off = 0
      while (off < chunk.length) {
        buf ??= new Uint8Array(Math.max(coalesce, 1))
        const n = Math.min(buf.length - fill, chunk.length - off)
        buf.set(chunk.subarray(off, off + n), fill)
        fill += n
        off += n
        if (fill === buf.length) for (const part of await flushBuf()) out.push(part)
      }
      return nonEmpty(out)
    },
    async end() {
      const out = await flushBuf()
      buf = undefined
      out.push(await state.final())
      return nonEmpty(out)
    },
  }
}

function buffered(backend: CryptoBackend, keys: MediaKeyBytes): PipelineCore {
  // Copied into one growing buffer: the caller may reuse its chunk once push resolves, and a file fed as many
  // tiny chunks costs no more than one fed whole.
  let sink = new ByteSink()
  return {
    async push(chunk) {
      sink.push(chunk)
      return []
    },
    async end() {
      const file = sink.bytes()
      sink = new ByteSink()
      return nonEmpty([await backend.decryptMedia(file, keys)])
    },
  }
}
