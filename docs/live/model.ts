/**
 * The live page's model, free of the DOM: the digits, a 784-100-10 ReLU
 * network with dropout in the paper's convention, momentum with max-norm,
 * and the two test-time predictions the paper compares — weight scaling and
 * Monte-Carlo averaging of k thinned networks. Everything random comes from
 * keys derived from one seed, so a seed replays a run exactly.
 */
import {
  type Tensor, argmax, cast, equal, fromTypedArray, gather, mean, nn, optim, random, softmax, softmaxCrossEntropy, valueAndGrad,
} from 'grad-ts'

export const PIXELS = 784
export const SIDE = 28
export const HIDDEN = 100
export const BATCH = 50
/** The k of the Monte-Carlo curve (the paper's Fig. 11 goes to 50 and beyond). */
export const KS = [1, 2, 5, 10, 20, 50] as const

/** Images `[n, 784]` in [0, 1] (float32) and labels `[n]` (int32). */
export interface Digits {
  readonly x: Tensor
  readonly y: Tensor
}

/**
 * Decodes the page's asset (written by docs/.vitepress/scripts/digits.ts):
 * n·784 grey bytes, then n label bytes. The last `test` digits are the test set.
 */
export const decodeDigits = (bytes: Uint8Array, test: number): { readonly train: Digits; readonly test: Digits } => {
  const n = bytes.length / (PIXELS + 1)
  if (!Number.isInteger(n) || n <= test) throw new Error(`the digits asset has ${bytes.length} bytes, not n·785 with n > ${test}`)
  const x = new Float32Array(n * PIXELS)
  for (let i = 0; i < x.length; i++) x[i] = bytes[i]! / 255
  const y = Int32Array.from(bytes.subarray(n * PIXELS))
  const part = (from: number, to: number): Digits => ({
    x: fromTypedArray(x.subarray(from * PIXELS, to * PIXELS), [to - from, PIXELS]),
    y: fromTypedArray(y.subarray(from, to)),
  })
  return { train: part(0, n - test), test: part(n - test, n) }
}

/** What the reader controls. */
export interface Settings {
  /** Retention probability p of the hidden units. */
  readonly keepHidden: number
  /** Retention probability p of the input pixels. */
  readonly keepInput: number
  /** Max-norm radius c of each hidden and output unit's incoming weights; `null`: no constraint. */
  readonly maxNorm: number | null
  readonly seed: number
}

export const spec = (s: Settings): nn.MlpSpec => ({
  sizes: [PIXELS, HIDDEN, 10],
  activation: 'relu',
  dropout: { input: { keep: s.keepInput }, hidden: { keep: s.keepHidden }, convention: 'paper' },
})

/** The run's keys, each for one purpose (as in the demo): initialisation, shuffling, dropout, Monte-Carlo. */
export const keysOf = (seed: number) => {
  const root = random.key(seed)
  return { init: random.foldIn(root, 0), shuffle: random.foldIn(root, 1), dropout: random.foldIn(root, 2), monteCarlo: random.foldIn(root, 3) }
}

/** The update: momentum 0.9 with learning rate 0.1, then max-norm on the weight matrices (not the biases). */
export const updateOf = (s: Settings) =>
  optim.step(
    optim.momentum({ learningRate: 0.1, momentum: 0.9 }),
    s.maxNorm === null ? undefined : optim.onLeaves(/(^|\.)w$/, optim.maxNorm({ c: s.maxNorm })),
  )
export type OptimState = optim.StateOf<ReturnType<typeof optim.momentum>>

export interface Run {
  readonly params: nn.MlpParams
  readonly state: OptimState
  /** Steps taken so far. */
  readonly step: number
}

export const initRun = (s: Settings): Run => {
  const params = random.evaluate(keysOf(s.seed).init)(nn.initMlp(spec(s), 'normal'))
  return { params, state: updateOf(s).init(params), step: 0 }
}

/** The training digits of step t: epoch ⌊t / steps per epoch⌋ is one permutation of the training set. */
export const batchIndices = (s: Settings, train: Digits, t: number): Int32Array => {
  const perEpoch = Math.floor(train.y.size / BATCH)
  const order = random.permutation(random.foldIn(keysOf(s.seed).shuffle, Math.floor(t / perEpoch)), train.y.size).toTypedArray() as Int32Array
  const at = (t % perEpoch) * BATCH
  return order.slice(at, at + BATCH)
}

/** The dropout key of step t. */
export const stepKey = (s: Settings, t: number): random.Key => random.foldIn(keysOf(s.seed).dropout, t)

/** One step of minibatch training; returns the next run and the (thinned networks') loss. */
export const trainStep = (s: Settings, run: Run, train: Digits): readonly [Run, number] => {
  const net = spec(s)
  const idx = fromTypedArray(batchIndices(s, train, run.step))
  const loss = (p: nn.MlpParams, x: Tensor, y: Tensor, k: random.Key): Tensor => softmaxCrossEntropy(random.evaluate(k)(nn.mlp(net, p, x, nn.Train)), y)
  const [value, grads] = valueAndGrad(loss)(run.params, gather(train.x, idx, { axis: 0 }), gather(train.y, idx, { axis: 0 }), stepKey(s, run.step))
  const [params, state] = updateOf(s)(run.params, run.state, grads)
  return [{ params, state, step: run.step + 1 }, value.item()]
}

const errorOf = (probs: Tensor, y: Tensor): number => 1 - mean(cast(equal(argmax(probs, { axis: -1 }), y), 'float64')).item()

/** Test error of the weight-scaled network (the paper's test-time rule). */
export const weightScaledError = (s: Settings, params: nn.MlpParams, d: Digits): number => errorOf(nn.mlp(spec(s), params, d.x, nn.Eval), d.y)

/**
 * Monte-Carlo averaging on some test digits: the class probabilities of k
 * thinned networks averaged, for every k in KS, from one stream of masks.
 * Returns the number of wrong predictions per k.
 */
export const monteCarloWrong = (s: Settings, params: nn.MlpParams, d: Digits, k: random.Key): readonly number[] => {
  const thinned = random.map((logits: Tensor) => softmax(logits))(nn.mlp(spec(s), params, d.x, nn.Train))
  const averages = random.evaluate(k)(nn.monteCarloCurve(KS)(thinned))
  return averages.map((p) => Math.round(errorOf(p, d.y) * d.y.size))
}

/** The rows [from, to) of a dataset. */
export const rows = (d: Digits, from: number, to: number): Digits => {
  const idx = fromTypedArray(Int32Array.from({ length: to - from }, (_, i) => from + i))
  return { x: gather(d.x, idx, { axis: 0 }), y: gather(d.y, idx, { axis: 0 }) }
}

/**
 * The dropout masks of step t: the ones `nn.mlpTrace` reports drawing on that
 * step's batch with that step's key — the input mask `[BATCH, 784]`, then the
 * hidden mask `[BATCH, 100]`; `null` for a layer with keep 1 (nothing drawn).
 */
export const masksOf = (s: Settings, run: Run, train: Digits): { readonly input: Tensor | null; readonly hidden: Tensor | null } => {
  const x = gather(train.x, fromTypedArray(batchIndices(s, train, run.step)), { axis: 0 })
  const t = random.evaluate(stepKey(s, run.step))(nn.mlpTrace(spec(s), run.params, x, nn.Train))
  return { input: t.masks[0] ?? null, hidden: t.masks[1] ?? null }
}
