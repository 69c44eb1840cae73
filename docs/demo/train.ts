/**
 * Training one network of the demo: a 784-H-…-H-10 MLP, SGD with momentum on
 * mean gradients (Δ ← mΔ + g, w ← w − εΔ), optional dropout and max-norm, all
 * randomness from one seed. Pure of I/O: progress is reported through a callback.
 */
import {
  type Tensor, argmax, equal, cast, io, mean, nn, optim, random, softmaxCrossEntropy, valueAndGrad, slice, gather, fromTypedArray,
} from '../../src/index.js'
import { type Dataset, PIXELS } from './data.js'

/** One configuration of the demo's comparison: a name and a training config (decodable with `io.decodeTrainingConfig`). */
export interface RunSpec {
  readonly name: string
  readonly config: io.TrainingConfig
}

export interface EpochPoint {
  readonly epoch: number
  /** Mean minibatch loss of the epoch (of the thinned networks, for dropout). */
  readonly trainLoss: number
  readonly testError: number
}

export interface RunResult {
  readonly spec: RunSpec
  readonly curve: readonly EpochPoint[]
  /** Where the loss stopped being finite, if it did; training stops there. */
  readonly diverged?: { readonly epoch: number; readonly step: number }
  readonly trainError: number
  readonly testError: number
  readonly params: nn.MlpParams
  readonly seconds: number
}

/** The network of a config; dropout in the paper's convention, so test time is explicit weight scaling. */
export const mlpSpec = (c: io.TrainingConfig): nn.MlpSpec => ({
  sizes: c.layers,
  activation: c.activation,
  ...(c.keep.input === 1 && c.keep.hidden === 1
    ? {}
    : { dropout: { input: { keep: c.keep.input }, hidden: { keep: c.keep.hidden }, convention: 'paper' as const } }),
})

const rows = (d: Dataset, from: number, to: number): Dataset => ({
  x: slice(d.x, [from, 0], [to, PIXELS]),
  y: slice(d.y, [from], [to]),
})

/** Classification error of the weight-scaled (Eval) network, in batches. */
export const errorRate = (spec: nn.MlpSpec, params: nn.MlpParams, d: Dataset, batch = 1000): number => {
  const n = d.y.size
  let wrong = 0
  for (let i = 0; i < n; i += batch) {
    const part = rows(d, i, Math.min(n, i + batch))
    const hit = mean(cast(equal(argmax(nn.mlp(spec, params, part.x, nn.Eval), { axis: -1 }), part.y), 'float64')).item()
    wrong += (1 - hit) * part.y.size
  }
  return wrong / n
}

/** The keys of a run: one for initialisation, one stream per epoch for shuffling and per step for dropout. */
export const runKeys = (seed: number) => {
  const root = random.key(seed)
  return { init: random.foldIn(root, 0), shuffle: random.foldIn(root, 1), dropout: random.foldIn(root, 2) }
}

/** Trains one network; `onStep` sees every step's loss (for progress bars). */
export const train = (
  r: RunSpec,
  data: { readonly train: Dataset; readonly test: Dataset },
  onStep: (info: { readonly epoch: number; readonly step: number; readonly stepsPerEpoch: number; readonly loss: number }) => void = () => undefined,
): RunResult => {
  const t0 = performance.now()
  const c = r.config
  const spec = mlpSpec(c)
  const keys = runKeys(c.seed)
  let params = random.evaluate(keys.init)(nn.initMlp(spec, 'normal'))
  const update = optim.fromConfig(c)
  let state = update.init(params)
  const loss = (p: nn.MlpParams, x: Tensor, y: Tensor, k: random.Key): Tensor =>
    softmaxCrossEntropy(spec.dropout ? random.evaluate(k)(nn.mlp(spec, p, x, nn.Train)) : nn.mlp(spec, p, x, nn.Eval), y)
  const n = data.train.y.size
  const batch = c.batchSize
  const stepsPerEpoch = Math.ceil(n / batch)
  const curve: EpochPoint[] = []
  let t = 0
  let diverged: RunResult['diverged']
  for (let epoch = 0; epoch < c.epochs && diverged === undefined; epoch++) {
    const order = random.permutation(random.foldIn(keys.shuffle, epoch), n).toTypedArray() as Int32Array
    let sum = 0
    for (let s = 0; s < stepsPerEpoch; s++) {
      const idx = fromTypedArray(order.subarray(s * batch, Math.min(n, (s + 1) * batch)))
      const x = gather(data.train.x, idx, { axis: 0 })
      const y = gather(data.train.y, idx, { axis: 0 })
      const [value, grads] = valueAndGrad(loss)(params, x, y, random.foldIn(keys.dropout, t))
      ;[params, state] = update(params, state, grads)
      const l = value.item()
      if (!Number.isFinite(l)) {
        diverged = { epoch: epoch + 1, step: s + 1 }
        break
      }
      sum += l
      t++
      onStep({ epoch, step: s, stepsPerEpoch, loss: l })
    }
    if (diverged === undefined) curve.push({ epoch: epoch + 1, trainLoss: sum / stepsPerEpoch, testError: errorRate(spec, params, data.test) })
  }
  return {
    spec: r,
    curve,
    ...(diverged ? { diverged } : {}),
    trainError: errorRate(spec, params, data.train),
    testError: errorRate(spec, params, data.test),
    params,
    seconds: (performance.now() - t0) / 1000,
  }
}
