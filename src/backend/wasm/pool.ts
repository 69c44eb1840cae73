/**
 * Worker threads that run kernels on one shared WebAssembly memory, with a
 * synchronous `run`: the calling thread posts one job per worker, runs the
 * first job itself, and blocks in `Atomics.wait` until every worker is done.
 *
 * Each worker owns a slot of a small shared control block:
 *   [state, function, argc, args…, error]
 * `state` is STARTING (not yet running), DONE (idle), POSTED (a job waits) or
 * EXIT. The caller writes the job, stores POSTED and notifies; the worker runs
 * it, stores DONE and notifies.
 *
 * Threads exist where the platform lets a thread block:
 *
 * - Node: `worker_threads`, `unref`ed so they never keep a process alive. A
 *   Node worker starts on its own, so its slot starts DONE and it may be
 *   posted a job before it runs; it takes the job once it has started.
 * - A browser: Web Workers from a Blob URL, where grad-ts itself runs in a
 *   dedicated worker of a cross-origin-isolated page (`SharedArrayBuffer`,
 *   and `Atomics.wait` may block there, never on a page's main thread). A
 *   Web Worker is given the module and memory by `postMessage` and may not
 *   start while its creator blocks, so its slot starts STARTING and turns
 *   DONE (READY) once the worker has instantiated the module; until then
 *   `run` gives that worker's job to the calling thread. A job computes the
 *   same bits whichever thread runs it.
 *
 * Both kinds run one loop, `SERVE`, after a prologue that finds its data.
 */

const SLOT = 32
const MAX_ARGS = SLOT - 4
const STARTING = 0
const POSTED = 1
const DONE = 2
const EXIT = 3

/** One call of an exported kernel: its index in the pool's name list and its i32 arguments. @internal */
export interface Job {
  readonly fn: number
  readonly args: readonly number[]
}

/** What a worker is given: the module, the shared memory, the control block, its slot and the kernels' names. */
interface WorkerData {
  readonly module: WebAssembly.Module
  readonly memory: WebAssembly.Memory
  readonly control: SharedArrayBuffer
  readonly slot: number
  readonly names: readonly string[]
}

/**
 * The loop every worker runs (plain JavaScript): instantiate, mark the slot
 * ready, tell the creator (`started`), then serve jobs until EXIT.
 */
const SERVE = `(data, started) => {
const { module, memory, control, slot, names } = data
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports
const fns = names.map((n) => exports[n])
const c = new Int32Array(control)
const base = slot * ${SLOT}
Atomics.compareExchange(c, base, ${STARTING}, ${DONE})
Atomics.notify(c, base)
started()
for (;;) {
  let s = Atomics.load(c, base)
  while (s !== ${POSTED}) {
    if (s === ${EXIT}) return
    Atomics.wait(c, base, s)
    s = Atomics.load(c, base)
  }
  const argc = c[base + 2]
  const args = []
  for (let i = 0; i < argc; i++) args.push(c[base + 3 + i])
  try {
    fns[c[base + 1]](...args)
    c[base + ${SLOT - 1}] = 0
  } catch (e) {
    c[base + ${SLOT - 1}] = 1
  }
  Atomics.store(c, base, ${DONE})
  Atomics.notify(c, base)
}
}`

/** A Node worker (evaluated by `worker_threads`): its data is `workerData`. */
const NODE_WORKER = `(${SERVE})(process.getBuiltinModule('node:worker_threads').workerData, () => {})\n`

/** A Web Worker: its data is the first message; it answers one message when it has started, and closes on EXIT. */
const BROWSER_WORKER = `self.onmessage = (e) => {
self.onmessage = null
;(${SERVE})(e.data, () => { self.postMessage('started') })
self.close()
}
`

interface NodeWorker {
  unref(): void
  terminate(): Promise<number>
}
interface WorkerThreads {
  Worker: new (src: string, options: { eval: true; workerData: WorkerData }) => NodeWorker
}

/** Node's `worker_threads`, if this is Node (≥ 20.16 has `process.getBuiltinModule`), else undefined. */
const workerThreads = (): WorkerThreads | undefined => {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  return typeof p?.getBuiltinModule === 'function' ? (p.getBuiltinModule('node:worker_threads') as WorkerThreads | undefined) : undefined
}

interface WebWorker {
  postMessage(message: WorkerData): void
  addEventListener(type: 'message' | 'error', listener: () => void, options: { once: true }): void
  terminate(): void
}
interface WebGlobals {
  crossOriginIsolated?: boolean
  Worker?: new (url: string, options: { name: string }) => WebWorker
  Blob?: new (parts: string[], options: { type: string }) => object
  URL?: { createObjectURL?: (blob: object) => string }
}

/** Whether `Atomics.wait` may block this thread (it throws on a browser's main thread before comparing). */
const canBlock = (): boolean => {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0)
    return true
  } catch {
    return false
  }
}

/** The browser's globals for a pool of Web Workers, if this thread may have one: cross-origin isolated, and allowed to block. */
const webWorkers = (): Required<WebGlobals> | undefined => {
  const g = globalThis as WebGlobals
  const ok = g.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function' && typeof g.Worker === 'function' && typeof g.Blob === 'function' &&
    typeof g.URL?.createObjectURL === 'function' && canBlock()
  return ok ? (g as Required<WebGlobals>) : undefined
}

/** Where a pool runs: Node's `worker_threads`, a browser's Web Workers, or nowhere (one thread). @internal */
export type PoolPlatform = 'node' | 'browser' | undefined

/** Where this thread can run a pool: Node with worker_threads, or a browser worker of an isolated page; undefined where it cannot. @internal */
export const poolPlatform = (): PoolPlatform => {
  if (typeof SharedArrayBuffer !== 'function') return undefined
  if (workerThreads() !== undefined) return 'node'
  return webWorkers() !== undefined ? 'browser' : undefined
}

let blobUrl: string | undefined
/** One Blob URL for the Web Workers' script, made once (a few hundred bytes, kept for the page's life). */
const browserScript = (web: Required<WebGlobals>): string =>
  (blobUrl ??= web.URL.createObjectURL!(new web.Blob([BROWSER_WORKER], { type: 'text/javascript' })))

/** @internal */
export class Pool {
  private readonly control: Int32Array
  private readonly stops: (() => void)[] = []
  private readonly starts: Promise<boolean>[] = []

  /** `size − 1` workers (the caller is the first thread), started now; a browser's start once this thread returns to its event loop. */
  constructor(
    readonly size: number,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    names: readonly string[],
    private readonly local: readonly ((...args: number[]) => void)[],
  ) {
    const wt = workerThreads()
    const web = wt === undefined ? webWorkers() : undefined
    if (wt === undefined && web === undefined) throw new Error('grad-ts: worker threads are not available here')
    this.control = new Int32Array(new SharedArrayBuffer(SLOT * 4 * size))
    const control = this.control.buffer as SharedArrayBuffer
    for (let slot = 1; slot < size; slot++) {
      const data: WorkerData = { module, memory, control, slot, names }
      if (wt !== undefined) {
        this.control[slot * SLOT] = DONE
        const worker = new wt.Worker(NODE_WORKER, { eval: true, workerData: data })
        worker.unref()
        this.stops.push(() => void worker.terminate())
        this.starts.push(Promise.resolve(true))
      } else {
        const worker = new web!.Worker(browserScript(web!), { name: `grad-ts ${slot}` })
        this.starts.push(new Promise((resolve) => {
          worker.addEventListener('message', () => { resolve(true) }, { once: true })
          worker.addEventListener('error', () => { resolve(false) }, { once: true })
        }))
        worker.postMessage(data)
        this.stops.push(() => { worker.terminate() })
      }
    }
  }

  /** Resolves, once every worker has started (or failed to), with the threads `run` can use: the caller and the started workers. */
  async started(): Promise<number> {
    const ok = await Promise.all(this.starts)
    return 1 + ok.filter(Boolean).length
  }

  /**
   * Runs `jobs` (at most `size`) and returns when all are done, with the
   * threads that ran them: job 0, and the jobs of workers not yet started,
   * run on the calling thread; the others on idle workers in parallel.
   */
  run(jobs: readonly Job[]): number {
    const c = this.control
    if (jobs.length > this.size) throw new Error(`grad-ts: ${jobs.length} jobs for a pool of ${this.size}`)
    for (const job of jobs) if (job.args.length > MAX_ARGS) throw new Error(`grad-ts: a job has ${job.args.length} arguments (at most ${MAX_ARGS})`)
    const posted: number[] = []
    for (let slot = 1; slot < this.size && posted.length + 1 < jobs.length; slot++) {
      const base = slot * SLOT
      if (Atomics.load(c, base) !== DONE) continue
      const job = jobs[posted.length + 1]!
      c[base + 1] = job.fn
      c[base + 2] = job.args.length
      for (let i = 0; i < job.args.length; i++) c[base + 3 + i] = job.args[i]!
      Atomics.store(c, base, POSTED)
      Atomics.notify(c, base)
      posted.push(slot)
    }
    let failed = false
    for (const job of jobs.filter((_, j) => j === 0 || j > posted.length)) {
      try {
        this.local[job.fn]!(...job.args)
      } catch {
        failed = true
      }
    }
    for (const slot of posted) {
      const base = slot * SLOT
      while (Atomics.load(c, base) === POSTED) Atomics.wait(c, base, POSTED)
      if (c[base + SLOT - 1] !== 0) failed = true
    }
    if (failed) throw new Error('grad-ts: a WebAssembly kernel trapped (out-of-bounds memory access); this is a bug in grad-ts')
    return 1 + posted.length
  }

  /** Stops the workers. */
  close(): void {
    for (let slot = 1; slot < this.size; slot++) {
      Atomics.store(this.control, slot * SLOT, EXIT)
      Atomics.notify(this.control, slot * SLOT)
    }
    for (const stop of this.stops) stop()
  }
}
