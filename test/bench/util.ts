/** Small helpers shared by the benchmark modules. */
import { readFileSync } from 'node:fs'

/** Fills `x` with deterministic values in [-1, 1) (a 32-bit LCG: benchmarks need no real randomness). */
export const fillUniform = <T extends Float32Array | Float64Array>(x: T, seed: number): T => {
  let s = (seed * 2654435761) >>> 0
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    x[i] = s / 2147483648 - 1
  }
  return x
}

/** The median of a non-empty list. */
export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((p, q) => p - q)
  const h = s.length >> 1
  return s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2
}

/** Whether node was started with --expose-gc. */
export const canCollectGarbage = (): boolean => typeof (globalThis as { gc?: unknown }).gc === 'function'

/**
 * Collects garbage thoroughly when node runs with --expose-gc: two full collections
 * with pauses between, so V8's concurrent ArrayBuffer sweeper has freed what died.
 */
export const collectGarbage = async (): Promise<void> => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) return
  for (let i = 0; i < 2; i++) {
    gc()
    await new Promise((done) => setTimeout(done, 25))
  }
}

/** Memory in MiB: the resident set, and what V8 holds live (its heap plus external buffers, wasm memories included). */
export const memoryMiB = (): { rss: number; live: number } => {
  const m = process.memoryUsage()
  return { rss: m.rss / 2 ** 20, live: (m.heapUsed + m.external) / 2 ** 20 }
}

/**
 * The peak resident set of this process in MiB. On Linux it is `VmHWM` from
 * /proc/self/status, the high-water mark of this process's own address space:
 * `process.resourceUsage().maxRSS` (getrusage) is no use in a child process,
 * because Linux carries the parent's RSS at fork over the exec into it, so every
 * child of a large parent reported the parent's size. Elsewhere, maxRSS.
 */
export const peakRssMiB = (): { readonly mib: number; readonly source: string } => {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'))
    if (m !== null) return { mib: Number(m[1]) / 1024, source: 'VmHWM' }
  } catch {
    // not Linux
  }
  return { mib: process.resourceUsage().maxRSS / 1024, source: 'maxRSS' } // maxRSS is in KiB
}
