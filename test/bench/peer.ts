/**
 * What every library in the benchmark provides, and the workloads they all run.
 * Each peer module (gradts.ts, tfjs.ts, jaxjs.ts) turns the plain Float32Array
 * data below into its own tensors during setup, which is never timed.
 */
import { fillUniform } from './util.js'

/** One matrix product: A [m,k] (stored [k,m] when transA) times B [k,n] (stored [n,k] when transB). */
export interface MatmulCase {
  readonly m: number
  readonly k: number
  readonly n: number
  readonly transA: boolean
  readonly transB: boolean
}

/** A prepared measurement: each `run` does one unit of work and returns the milliseconds it took. */
export interface Timed {
  readonly run: () => Promise<number>
  readonly dispose: () => void
}

/** A prepared MLP training loop. */
export interface MlpRun extends Timed {
  /** The mean cross-entropy computed by the most recent step (before its update). */
  readonly loss: () => Promise<number>
}

/** The same network, initial parameters and batch for every peer. */
export interface MlpInit {
  /** Layer widths, input first: [784, 1024, 1024, 10]. */
  readonly sizes: readonly number[]
  readonly batch: number
  /** weights[l] is [sizes[l], sizes[l+1]] row-major; biases[l] has sizes[l+1] entries. */
  readonly weights: readonly Float32Array[]
  readonly biases: readonly Float32Array[]
  /** [batch, sizes[0]] inputs and `batch` integer labels in [0, sizes[last]). */
  readonly x: Float32Array
  readonly labels: Int32Array
  readonly learningRate: number
  readonly momentum: number
}

export interface Peer {
  readonly name: string
  /**
   * Prepares a matmul case on operand `a`. Each `run` multiplies by a new right
   * operand tensor made from `fresh()` (made before the clock starts), so no
   * library can reuse work cached on a previous right operand.
   */
  readonly matmul: (c: MatmulCase, a: Float32Array, fresh: () => Float32Array) => Promise<Timed>
  /** Prepares the MLP training step: forward, backward, SGD-momentum update; each `run` is one step. */
  readonly mlp: (init: MlpInit) => Promise<MlpRun>
}

/** Element counts of the stored operands of a case. */
export const operandSizes = (c: MatmulCase): { a: number; b: number } => ({ a: c.m * c.k, b: c.k * c.n })

/** The stored shapes ([rows, cols] as laid out in memory) of a case's operands. */
export const storedShapes = (c: MatmulCase): { a: [number, number]; b: [number, number] } => ({
  a: c.transA ? [c.k, c.m] : [c.m, c.k],
  b: c.transB ? [c.n, c.k] : [c.k, c.n],
})

/** A supply of right operands: a few buffers handed out in turn (each call still becomes a new tensor). */
export const freshOperands = (size: number, count = 2): (() => Float32Array) => {
  const pool = Array.from({ length: count }, (_, i) => fillUniform(new Float32Array(size), 100 + i))
  let next = 0
  return () => pool[next++ % count]!
}

/** The benchmark's MLP: 784-1024-1024-10, batch 128, deterministic data and uniform(±1/√fan-in) weights. */
export const mlpInit = (): MlpInit => {
  const sizes = [784, 1024, 1024, 10]
  const batch = 128
  const weights = sizes.slice(1).map((out, l) => {
    const fanIn = sizes[l]!
    const w = fillUniform(new Float32Array(fanIn * out), 10 + l)
    const s = 1 / Math.sqrt(fanIn)
    for (let i = 0; i < w.length; i++) w[i] = w[i]! * s
    return w
  })
  const biases = sizes.slice(1).map((out) => new Float32Array(out))
  const x = fillUniform(new Float32Array(batch * sizes[0]!), 3).map((v) => (v + 1) / 2) // pixels in [0, 1)
  const labels = Int32Array.from({ length: batch }, (_, i) => (i * 7 + 3) % sizes[sizes.length - 1]!)
  return { sizes, batch, weights, biases, x, labels, learningRate: 0.01, momentum: 0.9 }
}
