/**
 * Helpers of the backend tests: run a function on a backend and thread count
 * with every kernel split over the threads however small, and compare bits.
 */
import { backend } from '../../src/backend/backend.js'
import { type WasmBackend, DEFAULT_SPLIT } from '../../src/backend/wasm/index.js'
import { getBackend, setBackend, setThreads } from '../../src/index.js'

/** Runs `f` on the named backend and thread count (every kernel split however small), then restores the suite's. */
export const on = <T>(name: 'js' | 'wasm', threads: number, f: () => T): T => {
  const was = getBackend()
  setBackend(name)
  setThreads(threads)
  const w = name === 'wasm' ? (backend() as WasmBackend) : undefined
  w?.splitAbove(1, 1)
  try {
    return f()
  } finally {
    w?.splitAbove(DEFAULT_SPLIT.elements, DEFAULT_SPLIT.macs)
    setBackend(was.name)
    setThreads(was.threads)
  }
}

/** Whether two arrays hold the same values bit for bit (`Object.is`: −0 ≠ +0, NaN = NaN). */
export const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.prototype.every.call(a, (x: number, i: number) => Object.is(x, b[i]))
