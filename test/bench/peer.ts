/**
 * What every library in the benchmark provides, and the workloads they all run.
 * Each peer module (gradts.ts, tfjs.ts, jaxjs.ts, wasmloop.ts) turns the plain
 * typed-array data below into its own tensors during setup, which is never timed.
 * A peer that cannot run a workload throws {@link Unsupported} from its setup,
 * and the table shows "—" with the reason in the JSON detail.
 */
import { threefry2x32 } from '../../src/backend/js/threefry.js'
import { fillUniform } from './util.js'

/** Thrown by a peer's setup for a workload it cannot run; the message is the reason. */
export class Unsupported extends Error {
  override readonly name = 'Unsupported'
}

export type Dtype = 'float32' | 'float64'

/** One matrix product: A [m,k] (stored [k,m] when transA) times B [k,n] (stored [n,k] when transB). */
export interface MatmulCase {
  readonly m: number
  readonly k: number
  readonly n: number
  readonly transA: boolean
  readonly transB: boolean
  /** Element type of both operands (default float32). */
  readonly dtype?: Dtype
}

/** Extra facts a measurement reports for the JSON detail. */
export type Detail = Record<string, number | string | boolean>

/** A prepared measurement: each `run` does one unit of work and returns the milliseconds it took. */
export interface Timed {
  readonly run: () => Promise<number>
  readonly dispose: () => void
  /** Facts gathered over the last `runs` runs (the timed ones, e.g. copy time at the seam), merged into the row's detail. */
  readonly detail?: (runs: number) => Detail
  /** Whether the first run compiles (jit): a slow row then never takes the warm-up run as a timing. */
  readonly compiles?: boolean
}

/** A prepared MLP training loop. */
export interface MlpRun extends Timed {
  /** The mean cross-entropy computed by the most recent step (before its update). */
  readonly loss: () => Promise<number>
}

/** A prepared mask draw; `mask` (peers with JAX's threefry) draws the mask of one key again, untimed, for the cross-check. */
export interface MaskRun extends Timed {
  readonly mask?: (key: KeyWords) => Promise<Uint8Array>
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

/**
 * The MLP with dropout and max-norm (Srivastava et al. 2014): inverted dropout
 * keeping `keepInput` of the inputs and `keepHidden` of each hidden layer, then
 * after each SGD-momentum update every weight matrix W [in, out] has each column
 * W[:, j] (unit j's incoming weights) scaled by min(1, c/‖W[:, j]‖).
 *
 * Step s draws its masks from the key `stepKey(s)` (JAX's fold_in of the root
 * key with s) the way grad-ts's `nn.mlp` does in Train mode: each mask splits
 * the running key, `[next, sub] = split(key)`, draws Bernoulli(keep) from `sub`
 * and goes on with `next` — the input's mask first, then each hidden layer's.
 * A peer with JAX's threefry (jax-js) that follows this recipe draws the same masks.
 */
export interface MlpDropoutInit extends MlpInit {
  readonly keepInput: number
  readonly keepHidden: number
  readonly maxNorm: number
  readonly seed: number
  readonly stepKey: (step: number) => KeyWords
}

/** The two uint32 words of a JAX threefry key. */
export type KeyWords = readonly [number, number]

/** The Bernoulli mask row: `bernoulli(key, p, shape)` from a fresh key per run. */
export interface MaskCase {
  readonly shape: readonly number[]
  readonly p: number
  readonly seed: number
  /** The key of run `i`: fold_in(key(seed), i). */
  readonly key: (i: number) => KeyWords
}

/** The elementwise row: `x * y + z` on `n` float32 elements, fresh operands each run. */
export interface ElementwiseCase {
  readonly n: number
  /** A new triple of operands (from a small pool), handed out before the clock starts. */
  readonly fresh: () => readonly [Float32Array, Float32Array, Float32Array]
}

/**
 * Per-example gradients of a small MLP's mean cross-entropy (784-128-10, ReLU),
 * for `batch` examples: one batched `vmap(grad(loss), { inAxes: [null, 0, 0] })`
 * against a loop of `grad` over the examples, stacked.
 */
export interface PerExampleCase {
  readonly sizes: readonly number[]
  readonly batch: number
  readonly weights: readonly Float32Array[]
  readonly biases: readonly Float32Array[]
  readonly x: Float32Array
  readonly labels: Int32Array
}

/**
 * The conv2d rows: one 2-d convolution, NHWC input [n, h, w, c] and HWIO filters
 * [kh, kw, c, o], stride 1, SAME padding, float32, and its two VJPs for the
 * cotangent `dy` [n, h, w, o]: the input gradient (dy against the filters) and the
 * filter gradient (dy against the input). Each run makes its second operand (the
 * filters for the forward, dy for the VJPs) a new tensor from the same data before
 * the clock, as the dense rows do with B.
 */
export interface ConvCase {
  readonly n: number
  readonly h: number
  readonly w: number
  readonly c: number
  readonly o: number
  readonly kh: number
  readonly kw: number
  readonly x: Float32Array
  readonly filter: Float32Array
  readonly dy: Float32Array
}

/** Which quantity of a {@link ConvCase} a run computes. */
export type ConvQuantity = 'forward' | 'input' | 'filter'

/** A prepared conv measurement; `result` reads what its last run computed (NHWC output or input gradient, HWIO filter gradient), untimed, for the cross-check. */
export interface ConvRun extends Timed {
  readonly result: () => Promise<Float32Array>
}

/**
 * The LeNet-style network of the lenet row: 28×28×1 NHWC input → conv 5×5×32
 * (SAME) + bias + ReLU → 2×2 max-pool, stride 2 → conv 5×5×64 (SAME) + bias +
 * ReLU → 2×2 max-pool → flatten in NHWC order (7·7·64 = 3136) → dense 1024 +
 * ReLU → inverted dropout keeping `keep` → dense 10; mean softmax cross-entropy;
 * SGD with momentum; then max-norm c on every weight (each conv filter per output
 * channel, over its 5·5·in entries; each dense unit's incoming column).
 *
 * Step s draws its one mask from `stepKey(s)` as `nn.dropout` does: `[next, sub] =
 * split(key)`, Bernoulli(keep) from sub over [batch, 1024].
 */
export interface LenetInit {
  readonly batch: number
  /** conv filters HWIO: [5, 5, 1, 32] and [5, 5, 32, 64]. */
  readonly convWeights: readonly Float32Array[]
  readonly convBiases: readonly Float32Array[]
  /** dense weights [3136, 1024] (rows in NHWC flatten order) and [1024, 10]. */
  readonly denseWeights: readonly Float32Array[]
  readonly denseBiases: readonly Float32Array[]
  /** [batch, 28, 28, 1] pixels in [0, 1) and `batch` labels in [0, 10). */
  readonly x: Float32Array
  readonly labels: Int32Array
  readonly learningRate: number
  readonly momentum: number
  readonly keep: number
  readonly maxNorm: number
  readonly seed: number
  readonly stepKey: (step: number) => KeyWords
}

export interface Peer {
  readonly name: string
  /** One quantity of the conv2d rows; a peer without it cannot run them. */
  readonly conv2d?: (c: ConvCase, q: ConvQuantity) => Promise<ConvRun>
  /** The LeNet train step; each `run` is one step. */
  readonly lenet?: (init: LenetInit) => Promise<MlpRun>
  /** Per-example gradients, batched (`vmap`) or by a loop of single-example gradients; peers without `vmap` leave it out. */
  readonly perExample?: (c: PerExampleCase, how: 'vmap' | 'loop') => Promise<Timed>
  /**
   * Prepares a matmul case on operand `a`. Each `run` multiplies by a new right
   * operand tensor made from `fresh()` (made before the clock starts), so no
   * library can reuse work cached on a previous right operand.
   */
  readonly matmul: (c: MatmulCase, a: Float32Array | Float64Array, fresh: () => Float32Array | Float64Array) => Promise<Timed>
  /** Prepares the MLP training step: forward, backward, SGD-momentum update; each `run` is one step. */
  readonly mlp: (init: MlpInit) => Promise<MlpRun>
  /** The MLP step with dropout masks and the max-norm projection. */
  readonly mlpDropout: (init: MlpDropoutInit) => Promise<MlpRun>
  /** `x * y + z` elementwise. */
  readonly elementwise: (c: ElementwiseCase) => Promise<Timed>
  /** A Bernoulli(p) mask from a fresh key per run. */
  readonly bernoulli: (c: MaskCase) => Promise<MaskRun>
  /** Bytes of the peer's own WebAssembly memory, for the memory rows (grad-ts's wasm backend). */
  readonly wasmMemoryBytes?: () => number | undefined
}

/** Element counts of the stored operands of a case. */
export const operandSizes = (c: MatmulCase): { a: number; b: number } => ({ a: c.m * c.k, b: c.k * c.n })

/** The stored shapes ([rows, cols] as laid out in memory) of a case's operands. */
export const storedShapes = (c: MatmulCase): { a: [number, number]; b: [number, number] } => ({
  a: c.transA ? [c.k, c.m] : [c.m, c.k],
  b: c.transB ? [c.n, c.k] : [c.k, c.n],
})

const make = (dtype: Dtype, size: number): Float32Array | Float64Array => (dtype === 'float64' ? new Float64Array(size) : new Float32Array(size))

/** A supply of right operands: a few buffers handed out in turn (each call still becomes a new tensor). */
export const freshOperands = (size: number, count = 2, dtype: Dtype = 'float32'): (() => Float32Array | Float64Array) => {
  const pool = Array.from({ length: count }, (_, i) => fillUniform(make(dtype, size), 100 + i))
  let next = 0
  return () => pool[next++ % count]!
}

/** The elementwise case on `n` elements: two triples of operands handed out in turn. */
export const elementwiseCase = (n: number): ElementwiseCase => {
  const pool = Array.from({ length: 2 }, (_, i) =>
    [0, 1, 2].map((j) => fillUniform(new Float32Array(n), 200 + 3 * i + j)) as unknown as readonly [Float32Array, Float32Array, Float32Array])
  let next = 0
  return { n, fresh: () => pool[next++ % pool.length]! }
}

/** JAX's `fold_in(key, data)`: the threefry hash of the counter (0, data). */
export const foldInWords = (key: KeyWords, data: number): KeyWords => {
  const [y0, y1] = threefry2x32(key, new Uint32Array([0]), new Uint32Array([data >>> 0]))
  return [y0[0]!, y1[0]!]
}

/** JAX's `key(seed)` for a 32-bit seed: the words (0, seed). */
export const keyWords = (seed: number): KeyWords => [0, seed >>> 0]

/** The mask row: Bernoulli(0.8) over [128, 1024], run i drawing from fold_in(key(seed), i). */
export const maskCase = (): MaskCase => {
  const seed = 7
  return { shape: [128, 1024], p: 0.8, seed, key: (i) => foldInWords(keyWords(seed), i) }
}

/** The per-example gradient workload: 784-128-10, 64 examples. */
export const perExampleCase = (): PerExampleCase => {
  const sizes = [784, 128, 10]
  const batch = 64
  const weights = sizes.slice(1).map((out, l) => {
    const w = fillUniform(new Float32Array(sizes[l]! * out), 20 + l)
    const s = 1 / Math.sqrt(sizes[l]!)
    return w.map((v) => v * s)
  })
  return {
    sizes, batch, weights,
    biases: sizes.slice(1).map((out) => new Float32Array(out)),
    x: fillUniform(new Float32Array(batch * sizes[0]!), 4).map((v) => (v + 1) / 2),
    labels: Int32Array.from({ length: batch }, (_, i) => (i * 3 + 1) % sizes[sizes.length - 1]!),
  }
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

/** The MLP of {@link mlpInit} with dropout (keep 0.8 on the input, 0.5 on hidden layers) and max-norm c = 3. */
export const mlpDropoutInit = (): MlpDropoutInit => {
  const seed = 11
  return { ...mlpInit(), keepInput: 0.8, keepHidden: 0.5, maxNorm: 3, seed, stepKey: (s) => foldInWords(keyWords(seed), s) }
}

/** Flops of one convolution of a case: 2·N·H·W·KH·KW·C·O (SAME, stride 1: one output per input position). */
export const convFlops = (c: ConvCase): number => 2 * c.n * c.h * c.w * c.kh * c.kw * c.c * c.o

/** The conv2d rows' case: 64×28×28×32 NHWC → 64 filters 5×5, uniform(±1) input and dy, uniform(±1/√(5·5·32)) filters. */
export const convCase = (): ConvCase => {
  const n = 64, h = 28, w = 28, c = 32, o = 64, kh = 5, kw = 5
  const s = 1 / Math.sqrt(kh * kw * c)
  return {
    n, h, w, c, o, kh, kw,
    x: fillUniform(new Float32Array(n * h * w * c), 30),
    filter: fillUniform(new Float32Array(kh * kw * c * o), 31).map((v) => v * s),
    dy: fillUniform(new Float32Array(n * h * w * o), 32),
  }
}

/** `data` of `shape` with its axes permuted as `perm` (as `np.transpose(x, perm)`), row-major in and out. */
export const permuted = (data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array => {
  const r = shape.length
  const outShape = perm.map((a) => shape[a]!)
  const inStrides = new Array<number>(r)
  for (let a = r - 1, acc = 1; a >= 0; a--) {
    inStrides[a] = acc
    acc *= shape[a]!
  }
  const stride = perm.map((a) => inStrides[a]!) // input stride of each output axis
  const out = new Float32Array(data.length)
  const idx = new Array<number>(r).fill(0)
  let src = 0
  for (let i = 0; i < out.length; i++) {
    out[i] = data[src]!
    for (let a = r - 1; a >= 0; a--) {
      src += stride[a]!
      if (++idx[a]! < outShape[a]!) break
      src -= stride[a]! * outShape[a]!
      idx[a] = 0
    }
  }
  return out
}

/** The lenet row's network and batch: uniform(±1/√fan-in) weights, zero biases, batch 64, keep 0.5, max-norm c = 3.5. */
export const lenetInit = (): LenetInit => {
  const batch = 64
  const uniform = (size: number, fanIn: number, seed: number): Float32Array => {
    const w = fillUniform(new Float32Array(size), seed)
    const s = 1 / Math.sqrt(fanIn)
    for (let i = 0; i < w.length; i++) w[i] = w[i]! * s
    return w
  }
  const seed = 13
  return {
    batch,
    convWeights: [uniform(5 * 5 * 1 * 32, 25, 40), uniform(5 * 5 * 32 * 64, 800, 41)],
    convBiases: [new Float32Array(32), new Float32Array(64)],
    denseWeights: [uniform(3136 * 1024, 3136, 42), uniform(1024 * 10, 1024, 43)],
    denseBiases: [new Float32Array(1024), new Float32Array(10)],
    x: fillUniform(new Float32Array(batch * 28 * 28), 44).map((v) => (v + 1) / 2),
    labels: Int32Array.from({ length: batch }, (_, i) => (i * 7 + 3) % 10),
    learningRate: 0.01,
    momentum: 0.9,
    keep: 0.5,
    maxNorm: 3.5,
    seed,
    stepKey: (s) => foldInWords(keyWords(seed), s),
  }
}
