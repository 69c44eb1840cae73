/**
 * Laws of max-norm projections, each as a predicate (`…Law`, returns a
 * boolean) and as a fast-check property built from your arbitraries
 * (`…Property`, run it with `fc.assert(prop, params)`). Every law takes the
 * projection under test (default: `optim.maxNorm(options)`), so a
 * hand-written constraint can be checked against the same promises.
 *
 * Exact maths (idempotent, bound, fixed points, non-expansive) meets
 * floating point here, so each law carries a tolerance derived from the
 * rounding model in {@link maxNormRounding} — not tuned to pass. Laws that
 * hold bit for bit (units independent, fixed points) are checked bit for bit.
 */
import fc from 'fast-check'
import { type FloatDType, isFloat } from '../src/core/dtype.js'
import { TensorError } from '../src/core/errors.js'
import { normAxes } from '../src/core/shape.js'
import { type Tensor, fromTypedArray } from '../src/core/tensor.js'
import { type MaxNormOptions, type Projection, maxNorm } from '../src/optim/projection.js'

/** Float64 unit roundoff: the laws' own arithmetic, and the kernels' accumulators. */
const V = 2 ** -53
/** γₖ = k·v/(1 − k·v): the relative error bound of k chained double roundings (Higham). */
const gamma = (k: number): number => (k * V) / (1 - k * V)

/**
 * The rounding model of `maxNorm` on units of `n` elements, and the
 * tolerances the laws derive from it. Each float32 op is computed in double
 * and rounded once (correctly rounded, because 53 ≥ 2·24 + 2), so every op
 * has relative error ≤ u (2⁻²⁴ for float32, 2⁻⁵³ for float64); sums
 * accumulate in double (error ≤ γₙ₋₁ with v = 2⁻⁵³).
 *
 * - Sum of squares S̃ = S(1 + δ), |δ| ≤ `sumSq` = (1+u)³(1+γₙ₋₁) − 1:
 *   squares (u), accumulation (γₙ₋₁), store in the dtype (u), and one u for
 *   squares that underflow (valid while c is in the laws' domain).
 * - Computed norm ñ = ‖w‖·ν with ν ∈ [`nuLo`, `nuHi`] = [√(1−δ)(1−u), √(1+δ)(1+u)].
 * - Scale s̃ = fl(fl(c)/ñ) = (c/‖w‖)·θ with θ ∈ [`thetaLo`, `thetaHi`] =
 *   [(1−u)²/νHi, (1+u)²/νLo] — c rounded to the dtype, the division.
 * - `bound`: ‖P̃(w)‖ ≤ c(1 + bound) = c·(θHi(1+u)) — the products w·s̃ add
 *   one u. A unit left untouched had ñ ≤ fl(c), so ‖w‖ ≤ c(1+u)/νLo, less.
 * - `inside`: a unit whose (reference) norm is ≤ c·inside has ñ ≤ fl(c), so
 *   it is surely left untouched: inside = (1−u)/(νHi(1 + reference)).
 * - `eta`: ‖P̃(w) − P(w)‖ ≤ c·eta per unit, against the exact projection P,
 *   over the four cases (both inside; wrongly kept; both outside; wrongly
 *   rescaled): eta = max(θHi − 1, 1 − θLo) + u·θHi.
 * - `idempotent`: re-projecting P̃(w), whose norm is ≤ c(1+bound), rescales
 *   by s′ ∈ [(1−u)²/((1+bound)νHi), 1], so each element moves by at most
 *   (1 − s′ + u)·|P̃(w)ᵢ|: idempotent = 1 − (1−u)²/((1+bound)νHi) + u.
 * - `reference`: the relative error γₙ₊₂ of the laws' own double-precision norms.
 * - `tiny`: the absolute error of a product that underflows (the smallest
 *   subnormal of the dtype), added per element where products are compared.
 *
 * @example
 * import { maxNormRounding } from 'grad-ts/laws'
 * const r = maxNormRounding('float32', 100)
 * console.assert(r.bound > 0 && r.bound < 6 * 2 ** -24 && r.inside < 1)
 * @since 0.1.0
 */
export const maxNormRounding = (dtype: FloatDType, n: number) => {
  const u = dtype === 'float32' ? 2 ** -24 : V
  const sumSq = (1 + u) ** 3 * (1 + gamma(Math.max(n - 1, 0))) - 1
  const nuHi = Math.sqrt(1 + sumSq) * (1 + u)
  const nuLo = Math.sqrt(1 - sumSq) * (1 - u)
  const thetaHi = (1 + u) ** 2 / nuLo
  const thetaLo = (1 - u) ** 2 / nuHi
  const bound = thetaHi * (1 + u) - 1
  const reference = gamma(n + 2)
  const inside = (1 - u) / (nuHi * (1 + reference))
  const eta = Math.max(thetaHi - 1, 1 - thetaLo) + u * thetaHi
  const idempotent = 1 - (1 - u) ** 2 / ((1 + bound) * nuHi) + u
  const tiny = dtype === 'float32' ? 2 ** -149 : 2 ** -1074
  return { u, sumSq, nuLo, nuHi, thetaLo, thetaHi, bound, reference, inside, eta, idempotent, tiny }
}

/** Where the rounding model holds: radii and weight norms that neither overflow nor drown in underflow. */
const domain = { float32: { cMin: 1e-15, cMax: 1e15, wMax: 1e18 }, float64: { cMin: 1e-140, cMax: 1e140, wMax: 1e150 } } as const

/** The units of `w` for `axis`: the flat element indices of each unit's incoming vector. */
const unitsOf = (law: string, w: Tensor, axis: MaxNormOptions['axis']): number[][] => {
  const shape = w.shape
  const axes = normAxes(law, axis ?? 0, shape.length)
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i))
  const count = kept.reduce((k, i) => k * shape[i]!, 1)
  const groups: number[][] = Array.from({ length: count }, () => [])
  const idx = shape.map(() => 0)
  for (let i = 0; i < w.size; i++) {
    groups[kept.reduce((u, k) => u * shape[k]! + idx[k]!, 0)]!.push(i)
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]!++
      if (idx[d]! < shape[d]!) break
      idx[d] = 0
    }
  }
  return groups
}

const setup = (law: string, w: Tensor, options: MaxNormOptions) => {
  const { dtype } = w
  if (!isFloat(dtype)) throw new TensorError(law, `needs a float tensor, got ${dtype}`)
  const d = domain[dtype]
  const { c } = options
  if (!(c >= d.cMin && c <= d.cMax)) throw new TensorError(law, `c = ${c} is outside the domain [${d.cMin}, ${d.cMax}] where the ${dtype} rounding bounds hold`)
  const units = unitsOf(law, w, options.axis)
  const n = units[0]?.length ?? 0
  let big = 0
  for (const x of w.toTypedArray()) big = Math.max(big, Math.abs(x) * Math.sqrt(n))
  if (!(big <= d.wMax)) throw new TensorError(law, `weights of norm up to ${big} are outside the domain (≤ ${d.wMax}) where the ${dtype} rounding bounds hold`)
  return { dtype, units, r: maxNormRounding(dtype, n) }
}

const values = (t: Tensor): number[] => Array.from(t.toTypedArray())
const normOf = (xs: readonly number[], idx: readonly number[]): number => Math.sqrt(idx.reduce((s, i) => s + xs[i]! * xs[i]!, 0))
const diffNorm = (xs: readonly number[], ys: readonly number[], idx: readonly number[]): number =>
  Math.sqrt(idx.reduce((s, i) => s + (xs[i]! - ys[i]!) ** 2, 0))
const sameBits = (x: number, y: number): boolean => Object.is(x, y)
const sameKind = (a: Tensor, b: Tensor): boolean => a.dtype === b.dtype && a.rank === b.rank && a.shape.every((d, i) => d === b.shape[i])

/**
 * Every unit of the projection has norm ≤ c, within rounding:
 * ‖P(w)ⱼ‖ ≤ c(1 + bound)(1 + reference) + √n·tiny (see {@link maxNormRounding});
 * shape and dtype are kept.
 *
 * @example
 * import { maxNormBoundLaw } from 'grad-ts/laws'
 * import { tensor } from 'grad-ts'
 * console.assert(maxNormBoundLaw(tensor([[30, 1], [40, 0]]), { c: 3 }))
 * @since 0.1.0
 */
export const maxNormBoundLaw = (w: Tensor, options: MaxNormOptions, project: Projection<Tensor> = maxNorm(options)): boolean => {
  const { units, r } = setup('maxNormBoundLaw', w, options)
  const p = project(w)
  if (!sameKind(p, w)) return false
  const ps = values(p)
  const limit = options.c * (1 + r.bound) * (1 + r.reference) + Math.sqrt(units[0]?.length ?? 0) * r.tiny
  return units.every((idx) => normOf(ps, idx) <= limit)
}

/**
 * Identity inside the ball: every unit whose norm is ≤ c·inside (surely
 * inside after rounding, see {@link maxNormRounding}) comes back bit for bit.
 *
 * @example
 * import { maxNormFixedPointLaw } from 'grad-ts/laws'
 * import { tensor } from 'grad-ts'
 * console.assert(maxNormFixedPointLaw(tensor([[0.1, 30], [0.2, 40]]), { c: 1 }))
 * @since 0.1.0
 */
export const maxNormFixedPointLaw = (w: Tensor, options: MaxNormOptions, project: Projection<Tensor> = maxNorm(options)): boolean => {
  const { units, r } = setup('maxNormFixedPointLaw', w, options)
  const p = project(w)
  if (!sameKind(p, w)) return false
  const ws = values(w)
  const ps = values(p)
  return units.every((idx) => normOf(ws, idx) > options.c * r.inside || idx.every((i) => sameBits(ps[i]!, ws[i]!)))
}

/**
 * Idempotent: P(P(w)) = P(w), each element within idempotent·|P(w)ᵢ| + tiny
 * (a second pass may rescale by a factor within a few ulps of 1).
 *
 * @example
 * import { maxNormIdempotentLaw } from 'grad-ts/laws'
 * import { tensor } from 'grad-ts'
 * console.assert(maxNormIdempotentLaw(tensor([[3, 0.5], [4, 0.5]]), { c: 2 }))
 * @since 0.1.0
 */
export const maxNormIdempotentLaw = (w: Tensor, options: MaxNormOptions, project: Projection<Tensor> = maxNorm(options)): boolean => {
  const { r } = setup('maxNormIdempotentLaw', w, options)
  const p = project(w)
  const pp = project(p)
  if (!sameKind(pp, w)) return false
  const ps = values(p)
  const pps = values(pp)
  return ps.every((x, i) => Math.abs(pps[i]! - x) <= (r.idempotent * Math.abs(x) + r.tiny) * (1 + V))
}

/**
 * Non-expansive: ‖P(a) − P(b)‖ ≤ ‖a − b‖ per unit and over the whole tensor,
 * up to the rounding slack 2c·eta per unit (2c·eta·√units overall) and the
 * error of the laws' own norms (see {@link maxNormRounding}). `a` and `b`
 * must have the same shape and dtype.
 *
 * @example
 * import { maxNormNonExpansiveLaw } from 'grad-ts/laws'
 * import { tensor } from 'grad-ts'
 * console.assert(maxNormNonExpansiveLaw(tensor([[3], [4]]), tensor([[0.3], [-4]]), { c: 1 }))
 * @since 0.1.0
 */
export const maxNormNonExpansiveLaw = (a: Tensor, b: Tensor, options: MaxNormOptions, project: Projection<Tensor> = maxNorm(options)): boolean => {
  const law = 'maxNormNonExpansiveLaw'
  if (!sameKind(a, b)) throw new TensorError(law, 'a and b must have the same shape and dtype')
  const { units, r } = setup(law, a, options)
  setup(law, b, options)
  const pa = values(project(a))
  const pb = values(project(b))
  const as = values(a)
  const bs = values(b)
  const { c } = options
  const fits = (lhs: number, rhs: number, elements: number, slack: number): boolean => {
    const rho = gamma(elements + 3) // differences (v) and the norm (γₙ₊₂)
    return lhs <= (rhs / (1 - rho) + slack + 2 * Math.sqrt(elements) * r.tiny) * (1 + rho)
  }
  const perUnit = units.every((idx) => fits(diffNorm(pa, pb, idx), diffNorm(as, bs, idx), idx.length, 2 * c * r.eta))
  const all = as.map((_, i) => i)
  return perUnit && fits(diffNorm(pa, pb, all), diffNorm(as, bs, all), all.length, 2 * c * r.eta * Math.sqrt(units.length))
}

/**
 * Units are independent, bit for bit: replacing unit `unit` of `a` by that
 * unit of `b` changes only that unit of the result, which becomes b's.
 * That is, P(a with bⱼ) = P(a) off unit j and P(b) on it.
 *
 * @example
 * import { maxNormUnitsIndependentLaw } from 'grad-ts/laws'
 * import { tensor } from 'grad-ts'
 * console.assert(maxNormUnitsIndependentLaw(tensor([[3, 1], [4, 1]]), tensor([[0, 9], [1, 9]]), 1, { c: 2 }))
 * @since 0.1.0
 */
export const maxNormUnitsIndependentLaw = (a: Tensor, b: Tensor, unit: number, options: MaxNormOptions, project: Projection<Tensor> = maxNorm(options)): boolean => {
  const law = 'maxNormUnitsIndependentLaw'
  if (!sameKind(a, b)) throw new TensorError(law, 'a and b must have the same shape and dtype')
  const { units } = setup(law, a, options)
  const j = units.length === 0 ? 0 : ((unit % units.length) + units.length) % units.length
  const mine = new Set(units[j] ?? [])
  const mixed = a.toTypedArray()
  const bs = b.toTypedArray()
  mine.forEach((i) => (mixed[i] = bs[i]!))
  const pm = values(project(fromTypedArray(mixed, a.shape)))
  const pa = values(project(a))
  const pb = values(project(b))
  return pm.every((x, i) => sameBits(x, mine.has(i) ? pb[i]! : pa[i]!))
}

/**
 * Direction preserved: each unit of the result is s·wⱼ with 0 < s ≤ 1 (or wⱼ
 * itself, bit for bit). s is estimated as ⟨P(w)ⱼ, wⱼ⟩/‖wⱼ‖²; with u the
 * dtype's roundoff and ρ = γ₂ₙ₊₃ the error of that estimate, s ≤ (1+u)(1+ρ)
 * and every element satisfies |P(w)ᵢ − s·wᵢ| ≤ κ|s·wᵢ| + tiny with
 * κ = 2(u + ρ)/(1 − u − ρ) + 3v (the products' rounding, the estimate's error,
 * and the residual's own rounding).
 *
 * @example
 * import { maxNormDirectionLaw } from 'grad-ts/laws'
 * import { tensor } from 'grad-ts'
 * console.assert(maxNormDirectionLaw(tensor([[3, -1], [4, 2]]), { c: 1 }))
 * @since 0.1.0
 */
export const maxNormDirectionLaw = (w: Tensor, options: MaxNormOptions, project: Projection<Tensor> = maxNorm(options)): boolean => {
  const { units, r } = setup('maxNormDirectionLaw', w, options)
  const p = project(w)
  if (!sameKind(p, w)) return false
  const ws = values(w)
  const ps = values(p)
  return units.every((idx) => {
    if (idx.every((i) => sameBits(ps[i]!, ws[i]!))) return true
    const ww = idx.reduce((s, i) => s + ws[i]! * ws[i]!, 0)
    if (ww === 0) return false
    const s = idx.reduce((acc, i) => acc + ps[i]! * ws[i]!, 0) / ww
    const rho = gamma(2 * idx.length + 3)
    const kappa = (2 * (r.u + rho)) / (1 - r.u - rho) + 3 * V
    return s > 0 && s <= (1 + r.u) * (1 + rho) && idx.every((i) => Math.abs(ps[i]! - s * ws[i]!) <= kappa * Math.abs(s * ws[i]!) + r.tiny)
  })
}

// ---------------------------------------------------------------- arbitraries and properties

/**
 * How {@link maxNormWeightsArb} and {@link maxNormPairArb} draw matrices.
 * Why: long units and large entries stress the rounding bounds.
 *
 * @example
 * import fc from 'fast-check'
 * import { maxNormWeightsArb, type WeightsArbOptions } from 'grad-ts/laws'
 * const o: WeightsArbOptions = { dtype: 'float64', maxRows: 100, maxCols: 2, magnitude: 1e3 }
 * fc.assert(fc.property(maxNormWeightsArb(o), (w) => w.shape[0]! <= 100), { numRuns: 10 })
 * @since 0.1.0
 */
export interface WeightsArbOptions {
  readonly dtype?: FloatDType
  readonly maxRows?: number
  readonly maxCols?: number
  /** Entries are drawn from [−magnitude, magnitude] (default 4). */
  readonly magnitude?: number
}

const entries = (n: number, magnitude: number) => fc.array(fc.double({ min: -magnitude, max: magnitude, noNaN: true }), { minLength: n, maxLength: n })
const toTensor = (dtype: FloatDType, shape: readonly number[], xs: readonly number[]): Tensor =>
  fromTypedArray(dtype === 'float32' ? Float32Array.from(xs) : Float64Array.from(xs), shape)
const shapeArb = (o: WeightsArbOptions) => fc.tuple(fc.integer({ min: 1, max: o.maxRows ?? 6 }), fc.integer({ min: 1, max: o.maxCols ?? 6 }))

/**
 * Weight matrices [rows, cols] with entries in [−magnitude, magnitude]
 * (zeros, signed zeros and tiny values included), so for radii of a few
 * units some columns are inside the ball and some outside. Why: every law
 * then meets both branches of the projection.
 *
 * @example
 * import fc from 'fast-check'
 * import { maxNormWeightsArb } from 'grad-ts/laws'
 * fc.assert(fc.property(maxNormWeightsArb({ dtype: 'float64' }), (w) => w.rank === 2 && w.dtype === 'float64'))
 * @since 0.1.0
 */
export const maxNormWeightsArb = (o: WeightsArbOptions = {}): fc.Arbitrary<Tensor> =>
  shapeArb(o).chain(([m, n]) => entries(m * n, o.magnitude ?? 4).map((xs) => toTensor(o.dtype ?? 'float32', [m, n], xs)))

/**
 * Pairs of same-shape weight matrices: independent ones, and ones a tiny
 * perturbation apart. Why: non-expansiveness is tightest for close pairs.
 *
 * @example
 * import fc from 'fast-check'
 * import { maxNormPairArb } from 'grad-ts/laws'
 * fc.assert(fc.property(maxNormPairArb(), ([a, b]) => a.shape.join() === b.shape.join()), { numRuns: 20 })
 * @since 0.1.0
 */
export const maxNormPairArb = (o: WeightsArbOptions = {}): fc.Arbitrary<readonly [Tensor, Tensor]> =>
  shapeArb(o).chain(([m, n]) => {
    const mag = o.magnitude ?? 4
    const dtype = o.dtype ?? 'float32'
    const independent = fc.tuple(entries(m * n, mag), entries(m * n, mag))
    const near = fc.tuple(entries(m * n, mag), entries(m * n, mag * 1e-4)).map(([xs, ds]) => [xs, xs.map((x, i) => x + ds[i]!)] as const)
    return fc.oneof(independent, near).map(([xs, ys]) => [toTensor(dtype, [m, n], xs), toTensor(dtype, [m, n], ys)] as const)
  })

/**
 * Max-norm options for rank-2 weights: c in [0.25, 8] and the axis (columns,
 * rows, written negative, or the whole matrix). Why: radii of the size of
 * {@link maxNormWeightsArb}'s columns, so both cases occur.
 *
 * @example
 * import fc from 'fast-check'
 * import { maxNormOptionsArb } from 'grad-ts/laws'
 * fc.assert(fc.property(maxNormOptionsArb(), (o) => o.c >= 0.25 && o.c <= 8), { numRuns: 20 })
 * @since 0.1.0
 */
export const maxNormOptionsArb = (): fc.Arbitrary<MaxNormOptions> =>
  fc.record({ c: fc.double({ min: 0.25, max: 8, noNaN: true }), axis: fc.constantFrom<number | readonly number[]>(0, 1, -2, [0, 1]) })

/**
 * The projection a property checks: `maxNorm` unless you pass another. Why:
 * check your own constraint against the same promises.
 *
 * @example
 * import fc from 'fast-check'
 * import { maxNormBoundProperty, maxNormWeightsArb, maxNormOptionsArb, type ProjectionPropertyOptions } from 'grad-ts/laws'
 * import { optim } from 'grad-ts'
 * const mine: ProjectionPropertyOptions = { project: (o) => optim.maxNorm(o) }
 * fc.assert(maxNormBoundProperty(maxNormWeightsArb(), maxNormOptionsArb(), mine), { numRuns: 20 })
 * @since 0.1.0
 */
export interface ProjectionPropertyOptions {
  /** The max-norm projection under test; `optim.maxNorm` by default. */
  readonly project?: (options: MaxNormOptions) => Projection<Tensor>
}

const projector = (o: ProjectionPropertyOptions) => o.project ?? maxNorm

/**
 * {@link maxNormBoundLaw} as a property. Why: run it in your suite with `fc.assert`.
 *
 * @example
 * import fc from 'fast-check'
 * import { maxNormBoundProperty, maxNormWeightsArb, maxNormOptionsArb } from 'grad-ts/laws'
 * fc.assert(maxNormBoundProperty(maxNormWeightsArb(), maxNormOptionsArb()), { numRuns: 50 })
 * @since 0.1.0
 */
export const maxNormBoundProperty = (weights: fc.Arbitrary<Tensor>, options: fc.Arbitrary<MaxNormOptions>, o: ProjectionPropertyOptions = {}) =>
  fc.property(weights, options, (w, opt) => maxNormBoundLaw(w, opt, projector(o)(opt)))

/**
 * {@link maxNormFixedPointLaw} as a property. Why: run it in your suite with `fc.assert`.
 *
 * @example
 * import fc from 'fast-check'
 * import { maxNormFixedPointProperty, maxNormWeightsArb, maxNormOptionsArb } from 'grad-ts/laws'
 * fc.assert(maxNormFixedPointProperty(maxNormWeightsArb(), maxNormOptionsArb()), { numRuns: 20 })
 * @since 0.1.0
 */
export const maxNormFixedPointProperty = (weights: fc.Arbitrary<Tensor>, options: fc.Arbitrary<MaxNormOptions>, o: ProjectionPropertyOptions = {}) =>
  fc.property(weights, options, (w, opt) => maxNormFixedPointLaw(w, opt, projector(o)(opt)))

/**
 * {@link maxNormIdempotentLaw} as a property. Why: run it in your suite with `fc.assert`.
 *
 * @example
 * import fc from 'fast-check'
 * import { maxNormIdempotentProperty, maxNormWeightsArb, maxNormOptionsArb } from 'grad-ts/laws'
 * fc.assert(maxNormIdempotentProperty(maxNormWeightsArb({ dtype: 'float64' }), maxNormOptionsArb()), { numRuns: 20 })
 * @since 0.1.0
 */
export const maxNormIdempotentProperty = (weights: fc.Arbitrary<Tensor>, options: fc.Arbitrary<MaxNormOptions>, o: ProjectionPropertyOptions = {}) =>
  fc.property(weights, options, (w, opt) => maxNormIdempotentLaw(w, opt, projector(o)(opt)))

/**
 * {@link maxNormDirectionLaw} as a property. Why: run it in your suite with `fc.assert`.
 *
 * @example
 * import fc from 'fast-check'
 * import { maxNormDirectionProperty, maxNormWeightsArb, maxNormOptionsArb } from 'grad-ts/laws'
 * fc.assert(maxNormDirectionProperty(maxNormWeightsArb(), maxNormOptionsArb()), { numRuns: 20 })
 * @since 0.1.0
 */
export const maxNormDirectionProperty = (weights: fc.Arbitrary<Tensor>, options: fc.Arbitrary<MaxNormOptions>, o: ProjectionPropertyOptions = {}) =>
  fc.property(weights, options, (w, opt) => maxNormDirectionLaw(w, opt, projector(o)(opt)))

/**
 * {@link maxNormNonExpansiveLaw} as a property over pairs of same-shape
 * weights. Why: run it in your suite with `fc.assert`.
 *
 * @example
 * import fc from 'fast-check'
 * import { maxNormNonExpansiveProperty, maxNormPairArb, maxNormOptionsArb } from 'grad-ts/laws'
 * fc.assert(maxNormNonExpansiveProperty(maxNormPairArb(), maxNormOptionsArb()), { numRuns: 20 })
 * @since 0.1.0
 */
export const maxNormNonExpansiveProperty = (pairs: fc.Arbitrary<readonly [Tensor, Tensor]>, options: fc.Arbitrary<MaxNormOptions>, o: ProjectionPropertyOptions = {}) =>
  fc.property(pairs, options, ([a, b], opt) => maxNormNonExpansiveLaw(a, b, opt, projector(o)(opt)))

/**
 * {@link maxNormUnitsIndependentLaw} as a property; the unit index is drawn
 * too. Why: run it in your suite with `fc.assert`.
 *
 * @example
 * import fc from 'fast-check'
 * import { maxNormUnitsIndependentProperty, maxNormPairArb, maxNormOptionsArb } from 'grad-ts/laws'
 * fc.assert(maxNormUnitsIndependentProperty(maxNormPairArb(), maxNormOptionsArb()), { numRuns: 20 })
 * @since 0.1.0
 */
export const maxNormUnitsIndependentProperty = (pairs: fc.Arbitrary<readonly [Tensor, Tensor]>, options: fc.Arbitrary<MaxNormOptions>, o: ProjectionPropertyOptions = {}) =>
  fc.property(pairs, options, fc.nat(), ([a, b], opt, j) => maxNormUnitsIndependentLaw(a, b, j, opt, projector(o)(opt)))
