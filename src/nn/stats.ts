/**
 * Activation statistics for the paper's sparsity figures (Fig. 7–8): the mean
 * activation, per-unit means, and histograms.
 */
import { TensorError } from '../core/errors.js'
import { type Tensor, ones, tensor } from '../core/tensor.js'
import { mean } from '../ad/ops/composite.js'
import { cast, equal, greaterEqual, lessEqual, minimum, mul, sub, where } from '../ad/ops/elementwise.js'
import { max, min } from '../ad/ops/reduce.js'
import { reshape, scatterAdd, slice } from '../ad/ops/shape.js'

/** Equal-width bins: `edges` has one more entry than `counts`. @since 0.1.0 */
export interface Histogram {
  readonly edges: readonly number[]
  readonly counts: readonly number[]
}

/**
 * A histogram of a tensor's values over `[min, max]` (default: the values'
 * range) in `bins` equal bins, the last closed on the right as in NumPy.
 * @example
 * import { nn, tensor } from 'grad-ts'
 * const h = nn.histogram(tensor([0, 0.1, 0.5, 1]), { bins: 2 })
 * console.assert(h.counts.join() === '2,2' && h.edges.join() === '0,0.5,1')
 * @since 0.1.0
 */
export const histogram = (x: Tensor, options: { readonly bins?: number; readonly min?: number; readonly max?: number } = {}): Histogram => {
  const bins = options.bins ?? 20
  if (!Number.isSafeInteger(bins) || bins < 1) throw new TensorError('histogram', `bins must be a positive integer, got ${bins}`)
  const empty = x.size === 0
  const lo = options.min ?? (empty ? 0 : min(x).item())
  let hi = options.max ?? (empty ? 1 : max(x).item())
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new TensorError('histogram', `the range [${lo}, ${hi}] is not finite; pass min and max`)
  if (hi <= lo) hi = lo + 1
  const counts = Array.from(binCounts(x, bins, lo, hi).toTypedArray())
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + ((hi - lo) * i) / bins))
  return { edges, counts }
}

/**
 * Counts of `x`'s values in `bins` equal bins over [lo, hi] (the last closed on
 * the right, as in NumPy); values outside and NaN go to an extra bin that is
 * dropped. Composed from ops: a bin index per value, then one scatter-add.
 */
const binCounts = (x: Tensor, bins: number, lo: number, hi: number): Tensor => {
  const v = reshape(cast(x, 'float64'), [x.size])
  const inRange = where(greaterEqual(v, lo), lessEqual(v, hi), tensor(false))
  const idx = minimum(cast(mul(sub(v, lo), bins / (hi - lo)), 'int32'), bins - 1)
  const counts = scatterAdd(ones([x.size], 'float64'), where(inRange, idx, bins), { size: bins + 1 })
  return slice(counts, [0], [bins])
}

/** Summary of hidden activations `[batch, units]`. @since 0.1.0 */
export interface ActivationStats {
  /** Mean over all cases and units. */
  readonly mean: number
  /** Mean of each unit over the cases. */
  readonly unitMeans: Tensor
  /** Fraction of activations that are exactly zero (ReLU sparsity). */
  readonly zeroFraction: number
  readonly histogram: Histogram
}

/**
 * The paper's sparsity statistics for one hidden layer's activations.
 * @example
 * import { nn, tensor } from 'grad-ts'
 * const s = nn.activationStats(tensor([[0, 2], [0, 4]]))
 * console.assert(s.mean === 1.5 && s.zeroFraction === 0.5 && s.unitMeans.toTypedArray().join() === '0,3')
 * @since 0.1.0
 */
export const activationStats = (a: Tensor, bins = 20): ActivationStats => {
  if (a.rank !== 2) throw new TensorError('activationStats', `needs activations of shape [batch, units], got rank ${a.rank}`)
  return {
    mean: mean(a).item(),
    unitMeans: mean(a, { axis: 0 }),
    zeroFraction: a.size === 0 ? 0 : mean(cast(equal(a, 0), 'float64')).item(),
    histogram: histogram(a, { bins }),
  }
}
