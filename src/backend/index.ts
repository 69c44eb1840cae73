/**
 * Choosing the backend and its threads. grad-ts runs every kernel on one of
 * two backends behind one interface (docs/architecture.md):
 *
 * - `wasm` — WebAssembly SIMD128 kernels built at run time, spread over
 *   worker threads where the platform allows a thread to block (Node, and a
 *   Web Worker of a cross-origin-isolated page; a page's main thread runs
 *   them on one thread). The default wherever WebAssembly SIMD exists.
 * - `js` — the reference loops in plain JavaScript, everywhere.
 *
 * Both give the same bits for elementwise ops, random draws and float64
 * matmuls; float32 matmuls and sums differ within a stated tolerance
 * (docs/performance.md). The environment variables `GRAD_TS_BACKEND`
 * (`js` | `wasm`) and `GRAD_TS_THREADS` (a positive integer) set the choice
 * a process starts with.
 */
import { describe } from '../core/check.js'
import { TensorError } from '../core/errors.js'
import { type Backend, installBackend, backend } from './backend.js'
import { jsBackend } from './js/index.js'
import { type WasmBackend, createWasmBackend } from './wasm/index.js'

/** The backends grad-ts has. @since 0.2.0 */
export type BackendName = 'js' | 'wasm'

/** What runs kernels now. @since 0.2.0 */
export interface BackendInfo {
  /** The backend's name. */
  readonly name: BackendName
  /** Threads a kernel is split over (the calling thread included): always 1 on `js`. */
  readonly threads: number
  /** The most threads this platform allows the `wasm` backend (1 where threads cannot block or share memory: a browser's main thread, a page that is not cross-origin isolated). */
  readonly maxThreads: number
  /** Whether WebAssembly SIMD exists here, i.e. whether `wasm` can run. */
  readonly simd: boolean
}

type Env = Readonly<Record<string, string | undefined>>
const env = (): Env => (globalThis as { process?: { env?: Env } }).process?.env ?? {}

/** The cores the platform reports (Node's `availableParallelism`, a browser's `hardwareConcurrency`), capped at 8. */
const cores = (): number => {
  const os = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined
  const n = os?.availableParallelism?.() ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1
  return Math.max(1, Math.min(8, n))
}

let wasm: WasmBackend | null | undefined
/** The one WebAssembly backend of this thread, made on first use; null where SIMD is missing. */
const wasmBackend = (): WasmBackend | null => (wasm === undefined ? (wasm = createWasmBackend() ?? null) : wasm)

let warned = false
const noSimd = (): Backend => {
  if (!warned) {
    warned = true
    console.warn('grad-ts: WebAssembly SIMD is not available here, so kernels run on the JavaScript backend (several times slower); see docs/performance.md')
  }
  return jsBackend
}

const threadCount = (op: string, n: unknown, what: string): number => {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new TensorError(op, `${what} must be a positive integer, got ${describe(n)}`)
  return n
}

/** The backend a process starts on: `GRAD_TS_BACKEND`, else `wasm` where it runs, else `js` (said once). @internal */
export const defaultBackend = (): Backend => {
  const e = env()
  const name = e.GRAD_TS_BACKEND
  if (name !== undefined && name !== 'js' && name !== 'wasm') throw new TensorError('grad-ts', `GRAD_TS_BACKEND must be 'js' or 'wasm', got ${describe(name)}`)
  if (name === 'js') return jsBackend
  const w = wasmBackend()
  if (w === null) return noSimd()
  const t = e.GRAD_TS_THREADS
  w.setThreads(t === undefined ? cores() : threadCount('grad-ts', Number(t), `GRAD_TS_THREADS (${JSON.stringify(t)})`))
  return w
}

/**
 * Runs every kernel from now on on the named backend. Tensors made on one
 * backend work on the other (both keep elements in JavaScript typed arrays).
 * `'wasm'` where WebAssembly SIMD is missing is an error (`getBackend().simd`
 * says whether it runs).
 * @example
 * import { getBackend, setBackend, matmul, ones } from 'grad-ts'
 * const before = getBackend().name
 * setBackend('js')
 * const a = matmul(ones([2, 3]), ones([3, 2]))
 * setBackend(before)
 * console.assert(a.toTypedArray().join() === '3,3,3,3' && getBackend().name === before)
 * @since 0.2.0
 */
export const setBackend = (name: BackendName): void => {
  if (name === 'js') {
    installBackend(jsBackend)
    return
  }
  if ((name as string) !== 'wasm') throw new TensorError('setBackend', `name must be 'js' or 'wasm', got ${describe(name)}`)
  const w = wasmBackend()
  if (w === null) throw new TensorError('setBackend', "'wasm' needs WebAssembly SIMD, which this platform lacks (getBackend().simd is false)")
  installBackend(w)
}

/**
 * The backend running kernels now, its threads, and what the platform allows.
 * @example
 * import { getBackend } from 'grad-ts'
 * const b = getBackend()
 * console.assert((b.name === 'js' || b.name === 'wasm') && b.threads >= 1 && b.threads <= b.maxThreads)
 * @since 0.2.0
 */
export const getBackend = (): BackendInfo => {
  const b = backend()
  const w = wasmBackend()
  const maxThreads = w?.maxThreads ?? 1
  if (b === w) return { name: 'wasm', threads: w.threads(), maxThreads, simd: true }
  return { name: 'js', threads: 1, maxThreads, simd: w !== null }
}

/**
 * Sets how many threads the `wasm` backend splits a kernel over, the calling
 * thread included: 1 runs no worker threads. Counts above
 * `getBackend().maxThreads` are capped to it. The default is the cores the
 * machine reports, capped at 8, or `GRAD_TS_THREADS`. Results are the same
 * bits for every count.
 *
 * In a browser (grad-ts in a Web Worker of a cross-origin-isolated page) this
 * starts the workers, which arrive a few milliseconds later, once the calling
 * thread has returned to its event loop: until then kernels run on the
 * threads that have started, the calling thread at least (the same bits).
 * `await threadsReady()` waits for them.
 * @example
 * import { getBackend, setThreads } from 'grad-ts'
 * const before = getBackend().threads
 * setThreads(1)
 * console.assert(getBackend().name === 'js' || getBackend().threads === 1)
 * setThreads(before)
 * @since 0.2.0
 */
export const setThreads = (n: number): void => {
  const t = threadCount('setThreads', n, 'n')
  const w = wasmBackend()
  w?.setThreads(t)
}

/**
 * Resolves, once the worker threads that the last {@link setThreads} (or the
 * default count) started can take work, with the number of threads a kernel
 * is split over, the calling thread included: `getBackend().threads` when
 * every worker started, 1 on `js` and wherever threads cannot run (a page's
 * main thread). Node's workers take work from the start, so there it resolves
 * at once. A browser's Web Workers start only after the calling thread
 * returns to its event loop, so `await` this there before timing or relying
 * on parallel kernels (kernels before it are correct, just on fewer threads).
 * Like TF.js's `tf.ready()`, but for the threads only; JAX has no counterpart.
 * @example
 * import { getBackend, setThreads, threadsReady } from 'grad-ts'
 * const before = getBackend().threads
 * setThreads(2)
 * const n = await threadsReady()
 * console.assert(n === getBackend().threads && n === (getBackend().name === 'wasm' ? Math.min(2, getBackend().maxThreads) : 1))
 * setThreads(before)
 * @since 0.2.0
 */
export const threadsReady = (): Promise<number> => {
  const w = wasmBackend()
  return w !== null && backend() === w ? w.threadsReady() : Promise.resolve(1)
}
