/**
 * One training run in a worker thread, so the demo's three networks share the
 * machine's cores. The worker posts progress, then the result with the trained
 * parameters as a safetensors checkpoint (bytes cross threads; tensors do not).
 */
import { parentPort, workerData } from 'node:worker_threads'
import { getBackend, io, random, setThreads } from '../../src/index.js'
import { head, loadDigits, splitDigits } from './data.js'
import { train, type RunSpec } from './train.js'

export interface Job {
  readonly spec: RunSpec
  readonly trainSize: number
  /** Threads this net's kernels split over (the nets train side by side, so they share the cores). */
  readonly threads: number
}

export type Message =
  | { readonly type: 'progress'; readonly epoch: number; readonly step: number; readonly stepsPerEpoch: number; readonly loss: number }
  | {
      readonly type: 'done'
      readonly checkpoint: Uint8Array
      readonly curve: ReturnType<typeof train>['curve']
      readonly trainError: number
      readonly testError: number
      readonly seconds: number
      readonly backend: 'js' | 'wasm'
      readonly threads: number
      readonly diverged?: { readonly epoch: number; readonly step: number }
    }
  | { readonly type: 'error'; readonly message: string }

const post = (m: Message): void => { parentPort!.postMessage(m); }

try {
  const job = workerData as Job
  setThreads(job.threads)
  const split = splitDigits(loadDigits())
  const data = { train: head(split.train, job.trainSize), test: split.test }
  let last = 0
  const r = train(job.spec, data, (s) => {
    const now = performance.now()
    if (now - last > 200 || s.step === s.stepsPerEpoch - 1) {
      last = now
      post({ type: 'progress', ...s })
    }
  })
  const checkpoint = io.encodeCheckpoint(r.params, { config: job.spec.config, key: random.key(job.spec.config.seed), metadata: { 'demo/name': job.spec.name } })
  const b = getBackend()
  post({ type: 'done', checkpoint, curve: r.curve, trainError: r.trainError, testError: r.testError, seconds: r.seconds, backend: b.name, threads: b.threads, ...(r.diverged ? { diverged: r.diverged } : {}) })
} catch (e) {
  post({ type: 'error', message: e instanceof Error ? e.message : String(e) })
}
