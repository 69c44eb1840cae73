/**
 * The expected-value laws of dropout (Srivastava et al. 2014), each a
 * predicate (`…Law`) and a fast-check property built from arbitraries
 * (`…Property`; run it with `fc.assert(prop, params)`).
 *
 * **Exact laws** enumerate all 2ⁿ keep-masks (n ≤ 16) with their probabilities
 * and compare the mean over thinned networks with the test-time network, in
 * float64. Their tolerances are rounding-error bounds derived from the sizes
 * (a recursive sum of k terms errs by at most (k − 1)·u·Σ|terms|, u = 2⁻⁵³,
 * plus 2⁻¹⁰⁷⁴ per operation for underflow), not tuned constants.
 *
 * **Sampled laws** draw keys from fast-check's seed and allow 6 standard
 * deviations: a correct implementation fails one with probability ≈ 2·10⁻⁹.
 */
import fc from 'fast-check'
import { fromTypedArray, type Tensor } from '../src/core/tensor.js'
import { add, mul, sub } from '../src/ad/ops/elementwise.js'
import { matmul } from '../src/ad/ops/matmul.js'
import { broadcastTo } from '../src/ad/ops/shape.js'
import { mean, logSoftmax, softmax } from '../src/ad/ops/composite.js'
import { sum } from '../src/ad/ops/reduce.js'
import * as nn from '../src/nn/index.js'
import type { Convention, Retention } from '../src/nn/index.js'
import * as random from '../src/random/index.js'
import type { Key } from '../src/random/index.js'

const U = 2 ** -53
// Underflow adds an absolute error of at most half the smallest subnormal per operation.
const ETA = 2 ** -1074
const vals = (t: Tensor): number[] => Array.from(t.toTypedArray())
const f64 = (v: readonly number[], shape: readonly number[]): Tensor => fromTypedArray(Float64Array.from(v), shape)

/** One keep-mask and its probability under independent Bernoulli(p) units. @since 0.1.0 */
export interface WeightedMask {
  readonly mask: Tensor
  readonly probability: number
}

/**
 * All 2ⁿ keep-masks of a shape (n ≤ 16 elements) with their probabilities
 * p^kept·(1 − p)^dropped; the probabilities sum to 1.
 * @example
 * import { enumerateMasks } from 'grad-ts/laws'
 * const ms = enumerateMasks([2], { keep: 0.75 })
 * console.assert(ms.length === 4 && ms.reduce((s, m) => s + m.probability, 0) === 1)
 * @since 0.1.0
 */
export const enumerateMasks = (shape: readonly number[], r: Retention): readonly WeightedMask[] => {
  const p = nn.keepProbability(r, 'enumerateMasks')
  const n = shape.reduce((a, b) => a * b, 1)
  if (n > 16) throw new RangeError(`enumerateMasks: 2^${n} masks is too many (n ≤ 16)`)
  return Array.from({ length: 2 ** n }, (_, bitsOfMask) => {
    const m = new Uint8Array(n)
    let kept = 0
    for (let i = 0; i < n; i++) kept += m[i] = (bitsOfMask >> i) & 1
    return { mask: fromTypedArray(m, shape), probability: p ** kept * (1 - p) ** (n - kept) }
  })
}

const scaleOf = (p: number, convention: Convention): number => (convention === 'inverted' ? 1 / p : 1)

// ------------------------------------------------------------------ exact laws

/**
 * Linear map: for a row x `[1, n]` and weights W `[n, m]`, the mean over all
 * masks of the training output `dropout(x)·W` equals the test-time output
 * `eval(x)·W` — W(p·x) in the paper's convention, W·x in the inverted one.
 * @example
 * import { linearMapLaw } from 'grad-ts/laws'
 * import { tensor } from 'grad-ts'
 * const x = tensor([[1, -2, 0.5]], 'float64')
 * const w = tensor([[1, 2], [3, 4], [5, 6]], 'float64')
 * console.assert(linearMapLaw(x, w, { keep: 0.7 }, 'paper') && linearMapLaw(x, w, { rate: 0.3 }, 'inverted'))
 * @since 0.1.0
 */
export const linearMapLaw = (x: Tensor, w: Tensor, r: Retention, convention: Convention): boolean => {
  const masks = enumerateMasks(x.shape, r)
  let acc: Tensor | undefined
  for (const { mask, probability } of masks) {
    const y = mul(matmul(nn.applyMask(x, mask, r, convention), w), probability)
    acc = acc === undefined ? y : add(acc, y)
  }
  const expected = vals(matmul(nn.dropoutEval(r, { convention })(x), w))
  const p = nn.keepProbability(r)
  const n = x.size
  const bound = vals(matmul(f64(vals(x).map(Math.abs), x.shape), f64(vals(w).map(Math.abs), w.shape)))
  const got = vals(acc!)
  return got.every((g, k) => Math.abs(g - expected[k]!) <= (masks.length + 2 * n + 8) * (U * scaleOf(p, convention) * bound[k]! + ETA * scaleOf(p, convention) * 4))
}

const logSigmoid = (s: number): number => -(Math.max(-s, 0) + Math.log1p(Math.exp(-Math.abs(s))))

/**
 * Single logistic unit (Baldi & Sadowski 2013): the normalised weighted
 * geometric mean over all masks of σ(dropout(x)·w + b),
 * NWGM = G / (G + G′) with G = Π σ(S_m)^{P(m)}, G′ = Π (1 − σ(S_m))^{P(m)},
 * equals the test-time prediction σ(eval(x)·w + b) exactly. (The arithmetic mean
 * is only close.) x is `[1, n]`, w `[n, 1]`, b `[1]`.
 * @example
 * import { logisticNwgmLaw } from 'grad-ts/laws'
 * import { tensor } from 'grad-ts'
 * const x = tensor([[0.5, -1, 2, 1, -0.3]], 'float64')
 * const w = tensor([[1], [0.4], [-0.7], [0.2], [1.5]], 'float64')
 * console.assert(logisticNwgmLaw(x, w, tensor([0.1], 'float64'), { keep: 0.7 }, 'paper'))
 * @since 0.1.0
 */
export const logisticNwgmLaw = (x: Tensor, w: Tensor, b: Tensor, r: Retention, convention: Convention): boolean => {
  const masks = enumerateMasks(x.shape, r)
  let logRatio = 0
  let maxS = 0
  for (const { mask, probability } of masks) {
    const s = add(matmul(nn.applyMask(x, mask, r, convention), w), b).item()
    maxS = Math.max(maxS, Math.abs(s))
    // log σ(s) − log(1 − σ(s)), each term computed stably.
    logRatio += probability * (logSigmoid(s) - logSigmoid(-s))
  }
  const nwgm = 1 / (1 + Math.exp(-logRatio))
  const eval_ = add(matmul(nn.dropoutEval(r, { convention })(x), w), b).item()
  const expected = 1 / (1 + Math.exp(-eval_))
  // Each log term errs by a few u·(|s| + 1); σ' ≤ 1/4 carries that to the probability.
  return Math.abs(nwgm - expected) <= (masks.length + 4 * x.size + 16) * (U * (maxS + 2) + ETA)
}

/**
 * Softmax layer (Hinton et al. 2012): the normalised geometric mean over all
 * masks of the class distributions softmax(dropout(x)·W + b) equals the
 * test-time distribution softmax(eval(x)·W + b). x `[1, n]`, W `[n, C]`, b `[C]`.
 * @example
 * import { softmaxNgmLaw } from 'grad-ts/laws'
 * import { tensor } from 'grad-ts'
 * const x = tensor([[1, -0.5, 2]], 'float64')
 * const w = tensor([[1, 0, -1], [0.5, 2, 0], [-1, 1, 0.3]], 'float64')
 * console.assert(softmaxNgmLaw(x, w, tensor([0, 0.1, -0.2], 'float64'), { keep: 0.6 }, 'inverted'))
 * @since 0.1.0
 */
export const softmaxNgmLaw = (x: Tensor, w: Tensor, b: Tensor, r: Retention, convention: Convention): boolean => {
  const masks = enumerateMasks(x.shape, r)
  let logGm: Tensor | undefined
  let scale = 1
  for (const { mask, probability } of masks) {
    const z = add(matmul(nn.applyMask(x, mask, r, convention), w), b)
    const lp = logSoftmax(z)
    scale = Math.max(scale, ...vals(z).map(Math.abs), ...vals(lp).map(Math.abs))
    const term = mul(lp, probability)
    logGm = logGm === undefined ? term : add(logGm, term)
  }
  const ngm = vals(softmax(logGm!))
  const expected = vals(softmax(add(matmul(nn.dropoutEval(r, { convention })(x), w), b)))
  const C = w.shape[1] ?? 1
  return ngm.every((v, c) => Math.abs(v - expected[c]!) <= (masks.length + 4 * (x.size + C) + 32) * (U * 2 * scale + ETA))
}

/**
 * Linear regression (paper §9.1): for X `[N, D]`, y `[N]`, w `[D]` and masks R on
 * X, E_R ‖y − dropout(X)·w‖² = ‖y − p·s·Xw‖² + s²·p(1 − p)·‖Γw‖², with
 * Γ = diag(XᵀX)^½ and s the training scale (1 in the paper's convention, 1/p
 * inverted). In the paper's convention this is the paper's own formula:
 * dropout is ridge regression with a data-dependent penalty.
 * @example
 * import { regressionLaw } from 'grad-ts/laws'
 * import { tensor } from 'grad-ts'
 * const X = tensor([[1, 2], [0.5, -1], [3, 0]], 'float64')
 * console.assert(regressionLaw(X, tensor([1, 0, 2], 'float64'), tensor([0.3, -0.2], 'float64'), { keep: 0.7 }, 'paper'))
 * @since 0.1.0
 */
export const regressionLaw = (X: Tensor, y: Tensor, w: Tensor, r: Retention, convention: Convention): boolean => {
  const p = nn.keepProbability(r)
  const s = scaleOf(p, convention)
  const masks = enumerateMasks(X.shape, r)
  const wCol = f64(vals(w), [w.size, 1])
  let lhs = 0
  for (const { mask, probability } of masks) {
    const resid = sub(y, matmul(nn.applyMask(X, mask, r, convention), w))
    lhs += probability * sum(mul(resid, resid)).item()
  }
  const fit = sub(y, mul(matmul(X, w), p * s))
  const gamma2 = sum(mul(X, X), { axis: 0 }) // diag(XᵀX)
  const rhs = sum(mul(fit, fit)).item() + s * s * p * (1 - p) * sum(mul(gamma2, mul(w, w))).item()
  const mag = vals(y).reduce((a, v) => a + Math.abs(v), 0) + s * vals(matmul(f64(vals(X).map(Math.abs), X.shape), f64(vals(wCol).map(Math.abs), wCol.shape))).reduce((a, v) => a + v, 0)
  return Math.abs(lhs - rhs) <= (masks.length + 4 * X.size + 32) * (U * mag * mag + ETA)
}

// ------------------------------------------------------------------ sampled laws

const SIGMAS = 6

/**
 * Unbiasedness: over T draws of a mask, the sample mean of `dropout(x)` is
 * within 6σ of x (inverted) or p·x (paper), coordinate by coordinate.
 * @example
 * import { dropoutUnbiasedLaw } from 'grad-ts/laws'
 * import { random, tensor } from 'grad-ts'
 * console.assert(dropoutUnbiasedLaw(random.key(0), tensor([1, -2, 3], 'float64'), { keep: 0.5 }, 'inverted'))
 * @since 0.1.0
 */
export const dropoutUnbiasedLaw = (k: Key, x: Tensor, r: Retention, convention: Convention, trials = 2000): boolean => {
  const p = nn.keepProbability(r)
  const s = scaleOf(p, convention)
  const y = random.evaluate(k)(nn.dropout(r, { convention })(broadcastTo(x, [trials, ...x.shape])))
  const m = vals(mean(y, { axis: 0 }))
  return vals(x).every((xi, i) => {
    const target = p * s * xi
    const sd = Math.abs(xi) * s * Math.sqrt((p * (1 - p)) / trials)
    return Math.abs(m[i]! - target) <= SIGMAS * sd + trials * (16 * U * Math.abs(target) + 8 * ETA * s)
  })
}

/**
 * Keep rate: the fraction of units kept in one mask of n units is within 6σ
 * of p (p as float32, the dtype the comparison uses, as in JAX).
 * @example
 * import { keepRateLaw } from 'grad-ts/laws'
 * import { random } from 'grad-ts'
 * console.assert(keepRateLaw(random.key(3), { rate: 0.2 }))
 * @since 0.1.0
 */
export const keepRateLaw = (k: Key, r: Retention, n = 10000): boolean => {
  const p = Math.fround(nn.keepProbability(r))
  const kept = vals(random.evaluate(k)(nn.dropoutMask([n], r))).reduce((a, v) => a + v, 0)
  return Math.abs(kept / n - p) <= SIGMAS * Math.sqrt((p * (1 - p)) / n)
}

/**
 * Same key, same mask: dropout is a deterministic function of its key.
 * @example
 * import { sameKeySameMaskLaw } from 'grad-ts/laws'
 * import { random, ones } from 'grad-ts'
 * console.assert(sameKeySameMaskLaw(random.key(7), ones([64]), { keep: 0.5 }))
 * @since 0.1.0
 */
export const sameKeySameMaskLaw = (k: Key, x: Tensor, r: Retention): boolean => {
  // The second run reuses the key on purpose, so it says so (random.clone), as JAX's key-reuse checker asks.
  const a = vals(random.evaluate(random.clone(k))(nn.dropout(r)(x)))
  const b = vals(random.evaluate(random.clone(k))(nn.dropout(r)(x)))
  return a.every((v, i) => Object.is(v, b[i]))
}

/**
 * Masks drawn with the two halves of a split key are uncorrelated: their
 * sample correlation over n units is within 6/√n of 0.
 * @example
 * import { splitMasksUncorrelatedLaw } from 'grad-ts/laws'
 * import { random } from 'grad-ts'
 * console.assert(splitMasksUncorrelatedLaw(random.key(11), { keep: 0.5 }))
 * @since 0.1.0
 */
export const splitMasksUncorrelatedLaw = (k: Key, r: Retention, n = 10000): boolean => {
  const [k1, k2] = random.split(k)
  const a = vals(random.evaluate(k1)(nn.dropoutMask([n], r)))
  const b = vals(random.evaluate(k2)(nn.dropoutMask([n], r)))
  const ma = a.reduce((s, v) => s + v, 0) / n
  const mb = b.reduce((s, v) => s + v, 0) / n
  let cov = 0
  let va = 0
  let vb = 0
  for (let i = 0; i < n; i++) {
    cov += (a[i]! - ma) * (b[i]! - mb)
    va += (a[i]! - ma) ** 2
    vb += (b[i]! - mb) ** 2
  }
  if (va === 0 || vb === 0) return true // a constant mask (p = 1) is independent of everything
  return Math.abs(cov / Math.sqrt(va * vb)) <= SIGMAS / Math.sqrt(n)
}

/**
 * Gaussian dropout's multiplier r ~ N(1, (1 − p)/p): over n samples its mean is
 * within 6σ/√n of 1 and its variance within 6·σ²·√(2/(n − 1)) of σ².
 * @example
 * import { gaussianMomentsLaw } from 'grad-ts/laws'
 * import { random } from 'grad-ts'
 * console.assert(gaussianMomentsLaw(random.key(5), { keep: 0.5 }))
 * @since 0.1.0
 */
export const gaussianMomentsLaw = (k: Key, r: Retention, n = 20000): boolean => {
  const p = nn.keepProbability(r)
  const v2 = (1 - p) / p
  const ones = f64(new Array<number>(n).fill(1), [n])
  const m = vals(random.evaluate(k)(nn.gaussianDropout(r)(ones)))
  const mu = m.reduce((s, v) => s + v, 0) / n
  const variance = m.reduce((s, v) => s + (v - mu) ** 2, 0) / (n - 1)
  if (v2 === 0) return m.every((v) => v === 1)
  return Math.abs(mu - 1) <= SIGMAS * Math.sqrt(v2 / n) && Math.abs(variance - v2) <= SIGMAS * v2 * Math.sqrt(2 / (n - 1))
}

/**
 * Monte-Carlo averaging converges to weight scaling for a linear network: the
 * mean of k thinned outputs x·W (paper convention) is within 6σ of p·x·W,
 * σ² = p(1 − p)·Σⱼ xⱼ²W²ⱼₖ / k.
 * @example
 * import { monteCarloLinearLaw } from 'grad-ts/laws'
 * import { random, tensor } from 'grad-ts'
 * const x = tensor([[1, 2, -1]], 'float64')
 * const w = tensor([[1], [0.5], [2]], 'float64')
 * console.assert(monteCarloLinearLaw(random.key(2), x, w, { keep: 0.5 }, 200))
 * @since 0.1.0
 */
export const monteCarloLinearLaw = (k: Key, x: Tensor, w: Tensor, r: Retention, samples = 100): boolean => {
  const p = nn.keepProbability(r)
  const thinned = random.map((h: Tensor) => matmul(h, w))(nn.dropout(r, { convention: 'paper' })(x))
  const avg = vals(random.evaluate(k)(nn.monteCarlo(samples)(thinned)))
  const target = vals(matmul(mul(x, p), w))
  // σ of output i: √(p(1 − p)/k)·‖(xⱼ·Wⱼᵢ)ⱼ‖₂, the norm taken with scaling so tiny products cannot underflow to 0.
  const xs = vals(x)
  const ws = vals(w)
  const cols = w.shape[1] ?? 1
  const sd = target.map((_, i) => {
    const terms = xs.map((xj, j) => Math.abs(xj * ws[j * cols + i]!))
    const big = Math.max(...terms)
    return big === 0 ? 0 : big * Math.sqrt(terms.reduce((acc, t) => acc + (t / big) ** 2, 0)) * Math.sqrt((p * (1 - p)) / samples)
  })
  return avg.every((a, i) => Math.abs(a - target[i]!) <= SIGMAS * sd[i]! + samples * (64 * U * Math.abs(target[i]!) + 64 * ETA))
}

// ------------------------------------------------------------------ arbitraries and properties

/**
 * Retentions named both ways, `{ keep }` and `{ rate }`, with p in [lo, 1].
 * @example
 * import fc from 'fast-check'
 * import { retentionArb } from 'grad-ts/laws'
 * import { nn } from 'grad-ts'
 * fc.assert(fc.property(retentionArb(), (r) => nn.keepProbability(r) > 0))
 * @since 0.1.0
 */
export const retentionArb = (lo = 0.05, hi = 1): fc.Arbitrary<Retention> =>
  fc.double({ min: lo, max: hi, noNaN: true }).chain((p) => fc.constantFrom<Retention>({ keep: p }, { rate: 1 - p }))

/**
 * float64 matrices of a shape with entries in [−2, 2].
 * @example
 * import fc from 'fast-check'
 * import { matrixArb } from 'grad-ts/laws'
 * fc.assert(fc.property(matrixArb([2, 3]), (m) => m.shape.join() === '2,3'))
 * @since 0.1.0
 */
export const matrixArb = (shape: readonly number[]): fc.Arbitrary<Tensor> =>
  fc
    .array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) })
    .map((v) => f64(v, shape))

const conventionArb = fc.constantFrom<Convention>('paper', 'inverted')

/**
 * The exact laws as properties over inputs of up to `maxInputs` units (2^n masks each).
 * @example
 * import fc from 'fast-check'
 * import { exactDropoutProperties } from 'grad-ts/laws'
 * const props = exactDropoutProperties(4)
 * fc.assert(props.linearMap, { numRuns: 5 })
 * @since 0.1.0
 */
export const exactDropoutProperties = (maxInputs = 8, retention: fc.Arbitrary<Retention> = retentionArb()) => {
  const n = fc.integer({ min: 1, max: maxInputs })
  return {
    linearMap: fc.property(
      n.chain((k) => fc.tuple(matrixArb([1, k]), fc.integer({ min: 1, max: 3 }).chain((m) => matrixArb([k, m])))),
      retention,
      conventionArb,
      ([x, w], r, c) => linearMapLaw(x, w, r, c),
    ),
    logisticNwgm: fc.property(
      n.chain((k) => fc.tuple(matrixArb([1, k]), matrixArb([k, 1]), matrixArb([1]))),
      retention,
      conventionArb,
      ([x, w, b], r, c) => logisticNwgmLaw(x, w, b, r, c),
    ),
    softmaxNgm: fc.property(
      n.chain((k) => fc.integer({ min: 2, max: 4 }).chain((C) => fc.tuple(matrixArb([1, k]), matrixArb([k, C]), matrixArb([C])))),
      retention,
      conventionArb,
      ([x, w, b], r, c) => softmaxNgmLaw(x, w, b, r, c),
    ),
    regression: fc.property(
      fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 })).filter(([N, D]) => N * D <= Math.min(12, maxInputs + 4)).chain(([N, D]) => fc.tuple(matrixArb([N, D]), matrixArb([N]), matrixArb([D]))),
      retention,
      conventionArb,
      ([X, y, w], r, c) => regressionLaw(X, y, w, r, c),
    ),
  }
}

/**
 * The sampled laws as properties, with keys from fast-check's seed.
 * @example
 * import fc from 'fast-check'
 * import { sampledDropoutProperties, keyArb } from 'grad-ts/laws'
 * fc.assert(sampledDropoutProperties(keyArb()).keepRate, { numRuns: 3 })
 * @since 0.1.0
 */
export const sampledDropoutProperties = (keys: fc.Arbitrary<Key>, retention: fc.Arbitrary<Retention> = retentionArb()) => ({
  unbiased: fc.property(keys, fc.integer({ min: 1, max: 6 }).chain((k) => matrixArb([k])), retention, conventionArb, (k, x, r, c) => dropoutUnbiasedLaw(k, x, r, c)),
  keepRate: fc.property(keys, retention, (k, r) => keepRateLaw(k, r)),
  sameKeySameMask: fc.property(keys, fc.integer({ min: 1, max: 50 }).chain((k) => matrixArb([k])), retention, (k, x, r) => sameKeySameMaskLaw(k, x, r)),
  splitUncorrelated: fc.property(keys, retention, (k, r) => splitMasksUncorrelatedLaw(k, r)),
  gaussianMoments: fc.property(keys, retention, (k, r) => gaussianMomentsLaw(k, r)),
  monteCarloLinear: fc.property(
    keys,
    fc.integer({ min: 1, max: 5 }).chain((k) => fc.tuple(matrixArb([1, k]), matrixArb([k, 2]))),
    retention,
    (k, [x, w], r) => monteCarloLinearLaw(k, x, w, r),
  ),
})

