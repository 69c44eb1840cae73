/**
 * Worker threads that run kernels on one shared WebAssembly memory, with a
 * synchronous `run`: the calling thread posts one job per worker, runs the
 * first job itself, and blocks in `Atomics.wait` until every worker is done.
 *
 * Each worker owns a slot of a small shared control block:
 *   [state, function, argc, args…, error]
 * `state` is DONE (idle), POSTED (a job waits) or EXIT. The caller writes the
 * job, stores POSTED and notifies; the worker runs it, stores DONE and
 * notifies. Workers are `unref`ed, so they never keep a process alive.
 *
 * Threads exist where the platform lets a thread block: Node's main thread
 * and workers may `Atomics.wait`, a browser's main thread may not — there
 * grad-ts runs single-threaded (docs/performance.md).
 */

const SLOT = 32
const MAX_ARGS = SLOT - 4
const DONE = 2
const POSTED = 1
const EXIT = 3

/** One call of an exported kernel: its index in the pool's name list and its i32 arguments. @internal */
export interface Job {
  readonly fn: number
  readonly args: readonly number[]
}

/** What a worker runs (plain JavaScript, evaluated by `worker_threads`): instantiate, then serve jobs forever. */
const WORKER_SOURCE = `(() => {
const { workerData } = process.getBuiltinModule('node:worker_threads')
const { module, memory, control, slot, names } = workerData
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports
const fns = names.map((n) => exports[n])
const c = new Int32Array(control)
const base = slot * ${SLOT}
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
})()
`

interface NodeWorker {
  unref(): void
  terminate(): Promise<number>
}
interface WorkerThreads {
  Worker: new (src: string, options: { eval: true; workerData: unknown }) => NodeWorker
}

/** Node's `worker_threads`, if this is Node (≥ 20.16 has `process.getBuiltinModule`), else undefined. */
const workerThreads = (): WorkerThreads | undefined => {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  return typeof p?.getBuiltinModule === 'function' ? (p.getBuiltinModule('node:worker_threads') as WorkerThreads | undefined) : undefined
}

/** Whether this platform can run a pool: Node with worker_threads, and a blocking `Atomics.wait`. @internal */
export const canRunPool = (): boolean => workerThreads() !== undefined && typeof SharedArrayBuffer === 'function'

/** @internal */
export class Pool {
  private readonly control: Int32Array
  private readonly workers: NodeWorker[] = []

  /** `size − 1` workers (the caller is the first thread), started now. */
  constructor(
    readonly size: number,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    names: readonly string[],
    private readonly local: readonly ((...args: number[]) => void)[],
  ) {
    const wt = workerThreads()
    if (wt === undefined) throw new Error('grad-ts: worker threads are not available here')
    this.control = new Int32Array(new SharedArrayBuffer(SLOT * 4 * size))
    for (let w = 1; w < size; w++) {
      this.control[w * SLOT] = DONE
      const worker = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control: this.control.buffer, slot: w, names } })
      worker.unref()
      this.workers.push(worker)
    }
  }

  /** Runs `jobs` (at most `size`) in parallel and returns when all are done; job 0 runs on the calling thread. */
  run(jobs: readonly Job[]): void {
    const c = this.control
    if (jobs.length > this.size) throw new Error(`grad-ts: ${jobs.length} jobs for a pool of ${this.size}`)
    for (let w = 1; w < jobs.length; w++) {
      const job = jobs[w]!
      if (job.args.length > MAX_ARGS) throw new Error(`grad-ts: a job has ${job.args.length} arguments (at most ${MAX_ARGS})`)
      const base = w * SLOT
      c[base + 1] = job.fn
      c[base + 2] = job.args.length
      for (let i = 0; i < job.args.length; i++) c[base + 3 + i] = job.args[i]!
      Atomics.store(c, base, POSTED)
      Atomics.notify(c, base)
    }
    let failed = false
    if (jobs.length > 0) {
      try {
        this.local[jobs[0]!.fn]!(...jobs[0]!.args)
      } catch {
        failed = true
      }
    }
    for (let w = 1; w < jobs.length; w++) {
      const base = w * SLOT
      while (Atomics.load(c, base) === POSTED) Atomics.wait(c, base, POSTED)
      if (c[base + SLOT - 1] !== 0) failed = true
    }
    if (failed) throw new Error('grad-ts: a WebAssembly kernel trapped (out-of-bounds memory access); this is a bug in grad-ts')
  }

  /** Stops the workers. */
  close(): void {
    for (let w = 1; w < this.size; w++) {
      Atomics.store(this.control, w * SLOT, EXIT)
      Atomics.notify(this.control, w * SLOT)
    }
    for (const w of this.workers) void w.terminate()
  }
}
