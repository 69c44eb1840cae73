/**
 * The module Worker of the threads test page (bundled by threads.test.ts):
 * grad-ts inside a dedicated worker asks for 2 threads, waits for them with
 * `threadsReady()`, computes the shared inputs, then computes them again right
 * after asking for 3 (before the new workers can have started), and posts back
 * what ran where and the results' bits.
 */
import { backend } from '../../src/backend/backend.js'
import type { WasmBackend } from '../../src/backend/wasm/index.js'
import { getBackend, random, setThreads, threadsReady } from '../../src/index.js'
import { bits, mask, ones, product } from './threads-inputs.js'

const runs = (): number => (backend() as WasmBackend).parallelRuns()

const post = (message: unknown): void => {
  (globalThis as unknown as { postMessage: (m: unknown) => void }).postMessage(message)
}

try {
  // setThreads starts the workers; they can start only once this thread awaits.
  setThreads(2)
  const ready = await threadsReady()
  const r0 = runs()
  const p = product()
  const r1 = runs()
  const m = mask()
  const r2 = runs()
  const info = getBackend()
  // A new pool's workers have not started before this thread next awaits: the calling thread runs their jobs, with the same bits.
  setThreads(3)
  const early = { product: bits(product()), mask: ones(mask()) }
  const readyAfter = await threadsReady()
  post({
    crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    name: info.name,
    threads: info.threads,
    maxThreads: info.maxThreads,
    ready,
    productRuns: r1 - r0,
    maskRuns: r2 - r1,
    product: bits(p),
    mask: ones(m),
    early,
    readyAfter,
    uniform0: random.uniform(random.key(0), []).item(),
  })
} catch (e) {
  post({ error: String(e) })
}
